"""The house rules a newcomer relies on, checked: no import circle among the packages
(top-level, lazy and type-checking imports alike), so each module can be read and
replaced after the ones it uses; a README that fits a first read, and documentation
whose links lead somewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rag", "vectorstore", "ui", "training")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            parts = f.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports anywhere in its text."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            while t and t not in known and "." in t:
                t = t.rsplit(".", 1)[0]
            if t in known and t != name:
                found.add(t)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                out.append(sorted([v, *group]))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_itself_through_others() -> None:
    known = modules()
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_checker_sees_a_circle_through_a_lazy_import() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_readme_fits_a_first_read_and_every_link_of_the_docs_leads_somewhere() -> None:
    readme = ROOT / "README.md"
    assert len(readme.read_text().splitlines()) <= 200, "move detail to a page under docs/ and link it"
    pages = [readme, *sorted((ROOT / "docs").glob("*.md"))]
    assert len(pages) > 5
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to {target}, which is missing"
    linked = set(re.findall(r"\(docs/([\w-]+\.md)\)", readme.read_text()))
    assert linked == {p.name for p in pages[1:]}, "every docs page is linked from the README"


def test_modules_and_functions_stay_small_enough_to_read() -> None:
    """A module of one job fits 350 lines, a function 60."""
    too_long = []
    for name, path in modules().items():
        text = path.read_text()
        if len(text.splitlines()) > 350:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            length = (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.FunctionDef) else 0
            if length > 60:
                too_long.append(f"{name}.{getattr(node, 'name', '?')}: {length} lines")
    assert too_long == []


def classes_defining(method: str, package: str) -> dict[str, str]:
    """Class name -> module, for every class under ``package`` that defines ``method`` (a
    Protocol, the seam itself, is not one)."""
    found = {}
    for name, path in modules().items():
        if name == package or name.startswith(package + "."):
            for node in ast.walk(ast.parse(path.read_text())):
                protocol = isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "Protocol" for b in node.bases)
                if (
                    isinstance(node, ast.ClassDef)
                    and not protocol
                    and any(isinstance(f, ast.FunctionDef) and f.name == method for f in node.body)
                ):
                    found[node.name] = name
    return found


def test_one_class_per_verb_on_the_answer_path() -> None:
    """One answerer class streams an answer per kind of answerer (the extractive one, a chat
    model's, the supervised llama.cpp one), one responder per kind of answer, and one reader
    class per reader: no class plays two parts."""
    assert classes_defining("stream", "rag.answerers") == {
        "ReadingAnswerer": "rag.answerers.reading",
        "ChatModelAnswerer": "rag.answerers.llm",
        "SupervisedLlamaAnswerer": "rag.answerers.llm",
    }
    assert set(classes_defining("respond", "rag.responders")) == {
        "AnswerResponder", "TimelineResponder", "BriefingResponder"}  # fmt: skip
    assert set(classes_defining("stream", "rag")) - set(classes_defining("stream", "rag.answerers")) == {
        "AnswerChain", "NewsRAG"}  # the entry points  # fmt: skip


def test_the_web_ui_asks_the_service_never_its_store() -> None:
    for name, path in modules().items():
        if name.startswith("ui.web"):
            assert "service.store" not in path.read_text(), name


def test_chroma_s_internals_are_touched_in_one_module_that_knows_its_versions() -> None:
    import logging

    import chromadb

    from vectorstore import chroma_internals

    for name, path in modules().items():
        text = path.read_text()
        if name != "vectorstore.chroma_internals":
            assert "SharedSystemClient" not in text and "FROM segments" not in text, name
    assert chroma_internals.check_version()  # the Chroma installed is one it was written for
    real = chromadb.__version__
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    chroma_internals.log.addHandler(handler)
    level = chroma_internals.log.level
    chroma_internals.log.setLevel(logging.WARNING)  # whatever another test set its parents to
    chroma_internals._warned.discard("9.1.0")
    try:
        chromadb.__version__ = "9.1.0"
        assert not chroma_internals.check_version() and not chroma_internals.check_version()
    finally:
        chromadb.__version__ = real
        chroma_internals.log.removeHandler(handler)
        chroma_internals.log.setLevel(level)
    assert len(records) == 1 and "Chroma 9.1.0 is installed" in records[0].getMessage()  # said once
