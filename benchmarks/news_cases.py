"""The dated test corpus's questions (tests/data/news-weeks: revisions, a disagreement,
syndicated copies, a story from one outlet), asked through the real service: for each, whether
every expected value or line is in the answer, in the expected order, and cited.  It reads only
the answer's text and JSON, so it runs on older code too (PYTHONPATH=an older checkout).

    NEWSRAG_DATA_DIR=/tmp/news-cases .venv/bin/python benchmarks/news_cases.py
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from rag.filters import Filters
from rag.service import NewsRAG
from rag.settings import Settings
from vectorstore.article import Article

NEWS = Path(__file__).resolve().parent.parent / "tests" / "data" / "news-weeks"


def in_order(text: str, wanted: list[str]) -> bool:
    """Each of ``wanted`` in ``text``, each after the one before, on a line carrying an [n]."""
    at = 0
    for w in wanted:
        i = text.lower().find(w.lower(), at)
        if i < 0:
            return False
        line_end = text.find("\n", i)
        line = text[text.rfind("\n", 0, i) + 1 : None if line_end < 0 else line_end]
        if not re.search(r"\[\d+\]", line):
            return False
        at = i + len(w)
    return True


def check(case: dict, answer: dict) -> tuple[bool, str]:
    text = answer["text"]
    if "short" in case and "values" not in case:
        return answer.get("short") == case["short"], f"short {answer.get('short')!r}"
    if "values" in case:
        kinds = [c["kind"] for c in answer.get("conflicts", [])]
        ok = in_order(text, case["values"]) and case["kind"] in kinds
        return ok, f"conflicts {kinds}, values in order: {in_order(text, case['values'])}"
    mode_ok = answer.get("mode") == case["mode"]
    lines = case["lines"] if case["mode"] == "timeline" else []
    ok = mode_ok and in_order(text, lines) if lines else mode_ok
    if case["mode"] == "briefing":
        ok = ok and all(w in text.lower() for w in case["lines"])
        ok = ok and all(re.search(rf"{w}[^\n]*one outlet only", text, re.I) for w in case.get("single_outlet", []))
    return ok, f"mode {answer.get('mode', 'answer')}"


def main() -> None:
    svc = NewsRAG.build(Settings.from_env())
    if svc.store.count_articles() == 0:
        arts = [Article(**json.loads(line)) for line in (NEWS / "corpus.jsonl").read_text().splitlines()]
        svc.ingestor.ingest(("news-weeks", a) for a in arts)
    passed = 0
    cases = json.loads((NEWS / "cases.json").read_text())
    for case in cases:
        answer = svc.ask(case["question"], filters=Filters(as_of=dt.date.fromisoformat(case["as_of"]))).to_dict()
        ok, why = check(case, answer)
        passed += ok
        print(f"{'pass' if ok else 'FAIL'}  {case['id']:<16} {why}")
    print(f"{passed} of {len(cases)} cases")


if __name__ == "__main__":
    main()
