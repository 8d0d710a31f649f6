"""Plain-text rendering of answers and reports, shared by the CLI."""

from __future__ import annotations

import re
import textwrap
from collections import Counter

from rag.answer import Answer
from rag.feedback.record import Feedback
from vectorstore.article import INVISIBLE
from vectorstore.ingest.feeds import PollResult
from vectorstore.ingest.ingestor import IngestReport
from vectorstore.store import CheckReport

from .format import NOT_FOUND, also_line, as_of_line, source_label

# control characters, and the ones that turn or hide the text around them (bidi controls, zero-width)
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}]")
_CONTROL_OR_BREAK = re.compile(f"[\x00-\x1f\x7f-\x9f{INVISIBLE}]")


def term_safe(text: str, one_line: bool = False) -> str:
    """Text for a terminal: control characters (ESC, BEL, ...) shown as ``\\x1b`` and bidi or
    invisible ones as ``\\u202e``, never sent raw.  ``one_line`` also escapes tabs and line breaks."""
    pattern = _CONTROL_OR_BREAK if one_line else _CONTROL
    return pattern.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if m.group(0) < "\xa0" else f"\\u{ord(m.group(0)):04x}", text
    )


def id_shown(article_id: str) -> str:
    """An article id as `list` shows it: a non-ASCII one with its escapes beside it, so ids that
    only look alike (``art-1``, ``аrt-1`` with a Cyrillic ``а``) can be told apart and typed."""
    if article_id.isascii():
        return article_id
    return f"{article_id} ({article_id.encode('ascii', 'backslashreplace').decode()})"


def answer_text(answer: Answer, width: int = 100) -> str:
    """The answer as the CLI prints it, lines wrapped at ``width`` (0: the answer's own lines, as an
    API gives it: its text first, unchanged, then the notes and sources)."""
    return term_safe(_answer_text(answer, width))


def _fill(text: str, width: int, indent: str = "") -> str:
    return text if width <= 0 else textwrap.fill(text, width, subsequent_indent=indent)


def _answer_text(answer: Answer, width: int) -> str:
    lines = ["\n".join(_fill(line, width, "  " if line.startswith("- ") else "") for line in answer.text.split("\n"))]
    for check in answer.checks:
        if not check.supported:
            lines.append(f"({NOT_FOUND}: “{answer.text[check.start : check.end]}”)")
    if answer.as_of_matters:
        lines.append(f"({as_of_line(answer)})")
    if answer.standalone_question != answer.question:
        lines.append(f"(searched for: {answer.standalone_question})")
    if answer.uncited:
        lines.append("(this answer cites no passage: check it against the articles)")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {source_label(c)}  (id {c.article_id}, chars {c.start}–{c.end})")
            if c.also:
                lines.append(f"    {also_line(c.also)}")
            lines.append(textwrap.indent(_fill(f"“{c.passage}”", width - 4 if width > 0 else 0), "    "))
    elif answer.closest:
        lines.append("")
        lines.append("Closest articles:")
        for a in answer.closest:
            lines.append(f"  - {source_label(a)}  (id {a.article_id})")
            if a.also:
                lines.append(f"    {also_line(a.also)}")
    return "\n".join(lines)


def report_text(report: IngestReport) -> str:
    return term_safe(_report_text(report))


def list_line(*fields: object) -> str:
    return "\t".join(term_safe(str(f), one_line=True) for f in fields)


def _report_text(report: IngestReport) -> str:
    lines = []
    for o in report.outcomes:
        if o.status == "failed":
            what = o.title or ""
            lines.append(f"failed    {o.path}{': ' + what if what else ''} — {o.reason}")
        elif o.status != "unchanged":
            lines.append(f"{o.status:<9} {o.path}: {o.title} (id {o.article_id})")
    lines.append(f"Summary: {report.summary()}.")
    return "\n".join(lines)


def check_text(before: CheckReport, after: CheckReport | None) -> str:
    r = before
    if r.torn and after is None:
        return (
            f"Unreadable: the vector index of the {' and the '.join(r.torn)} (a process was stopped while "
            "Chroma was saving it).\nProblems found: run `newsrag check --repair` to rebuild it from the stored text."
        )
    lines = [
        *([f"Rebuilt the vector index of the {' and the '.join(r.torn)} from the stored text."] if r.torn else []),
        f"{r.articles} articles, {r.passages} passages.",
        f"orphaned passages (no article record): {len(r.orphaned)}",
        f"superseded passages (older version of their article): {len(r.superseded)}",
        f"articles missing passages: {len(r.incomplete)}"
        + (f" ({', '.join(r.incomplete[:10])})" if r.incomplete else ""),
        f"keyword index drift: {r.keyword_missing} missing, {r.keyword_extra} extra",
    ]
    if after is not None:
        lines.append(
            f"Repaired: deleted {len(r.orphaned) + len(r.superseded)} passages, re-indexed {len(r.incomplete)} "
            f"articles, rebuilt the keyword index. Now: {after.articles} articles, {after.passages} passages, "
            + ("consistent." if after.ok else "still inconsistent: see the log and report a bug.")
        )
    elif r.ok:
        lines.append("The store is consistent.")
    else:
        lines.append("Problems found: run `newsrag check --repair` to fix them.")
    return "\n".join(lines)


def poll_text(result: PollResult) -> str:
    """One feed's poll: what it added, and what failed."""
    c = Counter(o.status for o in result.outcomes)
    line = f"{result.feed}: {result.added} added"
    if c.get("unchanged"):
        line += f", {c['unchanged']} already stored"
    if result.error:
        line += f"\n  {result.error}"
    return term_safe(line)


def feedback_line(f: Feedback) -> str:
    """One rating: "#3 down 2025-03-01 'Who won?' → right answer: Lena Ruiz (comment)"."""
    said = [f"right answer: {f.correction}"] if f.correction else []
    said += [f"comment: {f.comment}"] if f.comment else []
    thumb = "up  " if f.rating == "up" else "down"
    return term_safe(
        f"#{f.id} {thumb} {f.as_of or 'undated'} “{f.question}”" + (" → " + "; ".join(said) if said else ""),
        one_line=True,
    )
