"""Plain-text rendering of answers and reports, shared by the CLI."""

from __future__ import annotations

import textwrap

from rag.answer import Answer
from vectorstore.ingest import IngestReport

from .format import source_label


def answer_text(answer: Answer, width: int = 100) -> str:
    lines = [textwrap.fill(answer.text, width)]
    if answer.standalone_question != answer.question:
        lines.append(f"(searched for: {answer.standalone_question})")
    if answer.uncited:
        lines.append("(this answer cites no passage: check it against the articles)")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(
                f"[{c.n}] {source_label(c.title, c.source, c.published)}  (id {c.article_id}, chars {c.start}–{c.end})"
            )
            lines.append(textwrap.indent(textwrap.fill(f"“{c.passage}”", width - 4), "    "))
    elif answer.closest:
        lines.append("")
        lines.append("Closest articles:")
        for a in answer.closest:
            lines.append(f"  - {source_label(a['title'], a['source'], a['published'])}  (id {a['article_id']})")
    return "\n".join(lines)


def report_text(report: IngestReport) -> str:
    lines = []
    for o in report.outcomes:
        if o.status == "failed":
            what = o.title or ""
            lines.append(f"failed    {o.path}{': ' + what if what else ''} — {o.reason}")
        elif o.status != "unchanged":
            lines.append(f"{o.status:<9} {o.path}: {o.title} (id {o.article_id})")
    lines.append(f"Summary: {report.summary()}.")
    return "\n".join(lines)
