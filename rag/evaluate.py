"""`newsrag eval`: measure retrieval, answers, citations, abstention and latency
on a QA set, through exactly the chain the CLI and the UI use.

The corpus is indexed once into an eval store named by the corpus's content
hash (and the embedder and chunk size), reused on the next run.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import logging
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vectorstore.article import Article, parse_date
from vectorstore.errors import ConfigError
from vectorstore.ingest.ingestor import Progress
from vectorstore.ingest.loaders import load_file

from .eval_scores import RETRIEVAL_KEYS, Question, question_rows, score_baseline, score_ours
from .filters import Filters
from .service import NewsRAG
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class EvalInputs:
    corpus: Path
    questions: Path
    extra: list[Path] = field(default_factory=list)  # more corpus files (--with): RGB's counterfactual copies
    articles: list[Article] = field(default_factory=list)
    items: list[Question] = field(default_factory=list)

    @classmethod
    def resolve(cls, path: Path | None, corpus: Path | None, questions: Path | None) -> EvalInputs:
        if path is not None:
            corpus, questions = path / "corpus.jsonl", path / "questions.jsonl"
        if corpus is None or questions is None:
            raise ConfigError(
                "Give a folder holding corpus.jsonl and questions.jsonl, or both --corpus and --questions."
            )
        for p in (corpus, questions):
            if not p.is_file():
                raise ConfigError(f"{p} does not exist. Check the path (the format is in ../shared/eval/README.md).")
        return cls(corpus=corpus, questions=questions)

    def load(self, limit: int | None = None) -> EvalInputs:
        self.articles = []
        for path in (self.corpus, *self.extra):
            loaded = load_file(path, max_mb=1024)
            if loaded.errors:
                raise ConfigError(f"{path} has bad lines: {loaded.errors[0]} (and {len(loaded.errors) - 1} more).")
            self.articles += loaded.articles
        items = []
        for n, line in enumerate(self.questions.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                items.append(
                    Question(
                        id=str(obj.get("id", n)),
                        question=str(obj["question"]),
                        answers=[str(a) for a in obj.get("answers") or []],
                        evidence_ids=[str(e) for e in obj.get("evidence_ids") or []],
                        type=obj.get("type"),
                        question_date=parse_date(obj.get("question_date")),
                        counterfactual_ids=[str(e) for e in obj.get("counterfactual_ids") or []],
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise ConfigError(f"{self.questions}, line {n}: not a question record ({e}). Fix the line.") from None
        self.items = items[:limit] if limit else items
        return self

    def corpus_hash(self) -> str:
        digest = hashlib.sha256(self.corpus.read_bytes())
        for path in self.extra:
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("newsrag", "chromadb", "langchain-core", "sentence-transformers", "torch", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


@dataclass
class EvalRun:
    """Everything one `newsrag eval` needs, injected."""

    settings: Settings
    inputs: EvalInputs
    embedder: Any
    store_dir: Path
    baseline: bool = False

    def _service(self) -> NewsRAG:
        s = self.settings.with_(data_dir=self.store_dir, chroma_host=None, seeds_dir=self.store_dir / "no-seeds")
        return NewsRAG.build(s, embedder=self.embedder)

    def identity(self) -> dict[str, Any]:
        """What an eval store is built from: it is reused only for the same."""
        return {"corpus_sha256_12": self.inputs.corpus_hash(), "embedder": self.settings.embedder,
                "chunk_words": self.settings.chunk_words}  # fmt: skip

    def ingest(self, on_progress: Progress | None = None) -> None:
        """Index the corpus into the eval store, unless an earlier run did; refuse a store
        built from another corpus or other settings, and stop if the corpus did not go in whole."""
        done = self.store_dir / "ingested"
        want = self.identity()
        if done.exists():
            try:
                have = json.loads(done.read_text())
            except ValueError:
                have = {"corpus_sha256_12": done.read_text().strip()}
            if have == want:
                return
            diff = ", ".join(f"{k} {have.get(k)!r} (now {v!r})" for k, v in want.items() if have.get(k) != v)
            raise ConfigError(
                f"The eval store {self.store_dir} was built with {diff}. Delete that folder, or give "
                "another --store-dir (the default one is named by the corpus and settings)."
            )
        svc = self._service()
        report = svc.ingest_paths([self.inputs.corpus, *self.inputs.extra], on_progress=on_progress)
        failed = [o for o in report.outcomes if o.status == "failed"]
        if failed:
            first = failed[0]
            raise ConfigError(
                f"{len(failed)} corpus articles could not be indexed, so the figures would be wrong; "
                f"the first: {first.path}: {first.reason}. Fix the corpus and run eval again."
            )
        expected = {a.id for a in self.inputs.articles}
        stored = set(svc.store.get_articles(sorted(expected)))
        if stored != expected:
            raise ConfigError(
                f"The eval store {self.store_dir} holds {len(stored)} of the corpus's {len(expected)} articles. "
                "Run eval again to finish indexing, or delete that folder."
            )
        svc.store.mark_seeded()
        done.write_text(json.dumps(want))

    def run(self, on_question: Callable[[], None] | None = None) -> dict[str, Any]:
        self.ingest()
        items = self.inputs.items
        svc = self._service()
        answers = []
        for q in items:
            answers.append(svc.ask(q.question, filters=Filters.parse(as_of=q.question_date)))
            if on_question:
                on_question()
        report: dict[str, Any] = {"ours": score_ours(items, answers), "questions": question_rows(items, answers)}
        counts = {
            "corpus_documents": len(self.inputs.articles),
            "questions": len(items),
            "answerable": sum(q.answerable for q in items),
            "unanswerable": sum(not q.answerable for q in items),
            "with_evidence": sum(bool(q.evidence_ids) for q in items),
            "chunks": svc.store.count_chunks(),
        }
        if self.baseline:
            from .baseline import NaiveBaseline

            base = NaiveBaseline(svc.store.client, self.embedder)
            if base.count() == 0:
                base.build(self.inputs.articles)
            ranked, timings = [], []
            for q in items:
                r, t = base.search(q.question)
                ranked.append(r)
                timings.append(t)
                if on_question:
                    on_question()
            report["baseline"] = score_baseline(items, ranked, timings)
            counts["baseline_chunks"] = base.count()
        report["counts"] = counts
        report["settings"] = {**self.settings.public(), "store_dir": str(self.store_dir), "baseline": self.baseline,
                              "corpus": str(self.inputs.corpus), "questions_file": str(self.inputs.questions),
                              "corpus_sha256_12": self.inputs.corpus_hash()}  # fmt: skip
        report["versions"] = versions()
        return report


def default_store_dir(settings: Settings, inputs: EvalInputs) -> Path:
    key = f"{inputs.corpus_hash()}-{settings.embedder}-{settings.chunk_words}w"
    return settings.data_dir / "eval" / key


def format_table(report: dict[str, Any]) -> str:
    """One table: ours, the baseline and their ratio where both exist."""
    ours, base = report["ours"], report.get("baseline")
    rows: list[tuple[str, float | None, float | None]] = []
    for k in RETRIEVAL_KEYS:
        rows.append((f"retrieval {k}", ours["retrieval"].get(k), base["retrieval"].get(k) if base else None))
    for k in RETRIEVAL_KEYS:
        b = base["retrieval_answerable"].get(k) if base else None
        rows.append((f"  answerable only {k}", ours["retrieval_answerable"].get(k), b))
    for group in ("answers", "citations", "abstention", "conflicts"):
        rows += [(f"{group} {k}", v, None) for k, v in ours[group].items()]
    rows.append(("latency p50 ms", ours["latency_ms"]["p50"], base["latency_ms"]["p50"] if base else None))
    rows.append(("latency p95 ms", ours["latency_ms"]["p95"], base["latency_ms"]["p95"] if base else None))
    for stage, v in ours["latency_ms"]["stages"].items():
        if stage != "total":
            rows.append((f"  {stage} p50 ms", v["p50"], None))
    head = f"{'metric':<36} {'ours':>9}" + (f" {'baseline':>9} {'ratio':>7}" if base else "")
    lines = [head, "-" * len(head)]
    for name, o, b in rows:
        line = f"{name:<36} {_fmt(o):>9}"
        if base:
            ratio = f"{o / b:.2f}" if o is not None and b else ""
            line += f" {_fmt(b):>9} {ratio:>7}"
        lines.append(line)
    c = report["counts"]
    lines.append(
        f"{c['questions']} questions ({c['answerable']} answerable, {c['unanswerable']} unanswerable), "
        f"{c['corpus_documents']} documents, {c['chunks']} chunks"
        + (f" (baseline: {c['baseline_chunks']} chunks)" if "baseline_chunks" in c else "")
    )
    return "\n".join(lines)


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.3f}" if abs(v) <= 1.0 else f"{v:.1f}"
