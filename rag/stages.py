"""Retrieval as ranking stages, fused in one place.

Each stage turns a :class:`Request` into a ranking of passage ids (best first);
:func:`fuse` combines the rankings by weighted reciprocal rank fusion.  Stages are
picked by name (``NEWSRAG_STAGES``) from :data:`STAGES`, so one can be added or
switched off without touching the others.  Whatever stages run, every returned
passage keeps its cosine similarity to the question as ``score``: that is what
abstention reads.

- ``dense``: the passages nearest to the question's vector (MiniLM in Chroma).
- ``keyword``: BM25 over the passages' words.
- ``time``: relevance within the question's time scope (MRAG's split of a question
  into content and time): when the question names a period ("this week", "in March",
  "since Monday") the dense and keyword rankings restricted to that window; when it
  names none, a preference among the candidates relevant anyway for those of the last
  ``recent_days`` before the as-of date (never a filter: see :class:`TimeStage`).
  Undated articles never enter a window, so the stage stays out of the way of a store
  without dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from vectorstore.errors import ConfigError
from vectorstore.records import Hit, Scope, StoredArticle

from .timeexpr import TimeScope, shift

RRF_K = 60


class PassageSearch(Protocol):
    """What retrieval asks of a store (the Chroma store of ``vectorstore.store``, or a test's
    in-memory fake): passages by vector, by words and by id, whole articles by words,
    the records of articles and of their stories' copies.  Every call keeps to ``scope``."""

    def query(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]: ...

    def keyword_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]: ...

    def article_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]: ...

    def hits_by_ids(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]: ...

    def best_passages(
        self, article_ids: Sequence[str], vector: np.ndarray, records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]: ...

    def get_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]: ...

    def dated_articles_in(self, scope: Scope) -> int: ...

    def copies(self, stories: Sequence[str]) -> dict[str, list[StoredArticle]]: ...

    def article_ids_from(self, sources: Sequence[str]) -> frozenset[str]: ...

    def nearest_articles(
        self, vector: np.ndarray, k: int, scope: Scope | None = None
    ) -> list[tuple[StoredArticle, float]]: ...

    def count_chunks(self) -> int: ...


@dataclass
class Request:
    """One retrieval: the (standalone) question, its vector, how deep each ranking goes,
    the hard scope (as-of date, filters) and what the question says about time."""

    text: str
    vector: np.ndarray
    n: int
    scope: Scope
    time: TimeScope
    as_of: dt.date
    hits: dict[str, Hit] = field(default_factory=dict)  # passages a stage already fetched, by id
    weights: dict[str, float] = field(default_factory=dict)  # a stage's weight for this request, if it set one
    rankings: dict[str, list[str]] = field(default_factory=dict)  # what each stage run so far ranked, by name


class RankingStage(Protocol):
    name: str
    weight: float

    def rank(self, req: Request) -> list[str]:
        """Passage ids, best first (may be empty: the stage has nothing to say).  A stage
        whose vote depends on the request records it in ``req.weights[name]``."""
        ...


def weight_of(stage: RankingStage, req: Request) -> float:
    """The stage's vote in this request's fusion: its own choice for the request, else its weight."""
    return req.weights.get(stage.name, stage.weight)


def rrf(rankings: Sequence[tuple[Sequence[str], float]]) -> dict[str, float]:
    """Weighted reciprocal rank fusion (k=60): every id's fused score."""
    scores: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank + 1)
    return scores


def fuse(rankings: Sequence[tuple[Sequence[str], float]], n: int) -> list[str]:
    """The ``n`` best ids by weighted reciprocal rank fusion."""
    scores = rrf(rankings)
    return sorted(scores, key=lambda c: -scores[c])[:n]


def article_of(chunk_id: str) -> str:
    """A passage id is ``<article id>:<content hash>:<index>``."""
    return chunk_id.rsplit(":", 2)[0]


def fuse_by_article(rankings: Sequence[tuple[Sequence[str], float]], n: int, evidence: float) -> list[str]:
    """Fusion that also counts an article's other passages: each passage's fused score plus
    ``evidence`` times the fused scores of its article's other passages (summed), so a story
    matched by several passages outranks one strong passage.  ``evidence=0`` is :func:`fuse`."""
    scores = rrf(rankings)
    if evidence:
        per_article: dict[str, float] = {}
        for cid, s in scores.items():
            per_article[article_of(cid)] = per_article.get(article_of(cid), 0.0) + s
        scores = {c: s + evidence * (per_article[article_of(c)] - s) for c, s in scores.items()}
    return sorted(scores, key=lambda c: -scores[c])[:n]


@dataclass
class DenseStage:
    store: PassageSearch
    name: str = "dense"
    weight: float = 1.0

    def rank(self, req: Request) -> list[str]:
        hits = self.store.query(req.vector, req.n, req.scope)
        for h in hits:
            req.hits.setdefault(h.chunk_id, h)
        return [h.chunk_id for h in hits]


@dataclass
class KeywordStage:
    store: PassageSearch
    name: str = "keyword"
    weight: float = 1.0

    def rank(self, req: Request) -> list[str]:
        return self.store.keyword_search(req.text, req.n, req.scope)


@dataclass
class ArticleStage:
    """Whole articles, not passages: BM25 over each article's title (counted twice) and
    text, so a story whose title and repeated names match the question wins even when
    each of its passages matches only moderately.  Each ranked article stands in the
    fused ranking by its passage closest to the question.

    An article of one passage adds nothing to what the keyword stage already says of that
    passage (snippet corpora such as rgb-en-fact lost Hits@5 to the repeated vote), so the
    stage's vote scales with how many passages the articles it ranked span: its full
    ``weight`` from ``full_at`` passages on average, nothing for single passages.  (Leaving
    out only the single-passage articles was tried: it biased rankings towards long
    articles and cost squad2-dev-5 most of its Hits@5.)"""

    store: PassageSearch
    name: str = "article"
    weight: float = 3.0  # benchmarks/tune_stages.py
    depth: int = 20  # articles ranked
    evidence: float = 0.0  # how much an article's other passages count in the fusion (0: tuned off, it hurt)
    full_at: float = 3.0  # mean passages per ranked article that earns the full weight

    def rank(self, req: Request) -> list[str]:
        articles = self.store.article_search(req.text, self.depth, req.scope)
        if not articles:
            return []
        records = self.store.get_articles(articles)
        spans = [r.n_chunks for r in records.values()]
        mean = sum(spans) / len(spans) if spans else 1.0
        req.weights[self.name] = self.weight * min(1.0, max(0.0, (mean - 1.0) / (self.full_at - 1.0)))
        best: dict[str, Hit] = {}
        for h in req.hits.values():  # passages another stage already fetched
            if h.article_id in articles and (h.article_id not in best or h.score > best[h.article_id].score):
                best[h.article_id] = h
        missing = [a for a in articles if a not in best]
        for h in self.store.best_passages(missing, req.vector, records):  # article_search kept to the scope
            best[h.article_id] = h
            req.hits.setdefault(h.chunk_id, h)
        return [best[a].chunk_id for a in articles if a in best]


@dataclass
class TimeStage:
    """Time, two ways.  A period the question names ("this week", "in March", "since
    Monday"): the inner rankings restricted to what was published from its start to
    ``reported_days`` after its end (reports of a period come during it and after it), at
    ``weight``.  No period, only news
    about the present (every other question, "latest"): a *preference* among what is
    relevant anyway: the candidates of the unrestricted ranking's first ``pool`` that were
    published in the ``recent_days`` before the as-of date and are within ``margin`` of the
    best candidate's cosine similarity and reach ``share`` of it (a short question's best is
    weak, and an absolute margin alone would call every recent article relevant), in their
    own order, at ``recent_weight`` (at ``weight`` when the question asks for the latest).
    An older article that answers is never left out for being older, and a recent one that
    the other stages did not find relevant is never brought in."""

    store: PassageSearch
    inner: Sequence[RankingStage]
    name: str = "time"
    weight: float = 3.0  # benchmarks/tune_stages.py
    recent_days: int = 7
    recent_weight: float = 3.0  # benchmarks/tune_stages.py: RealTimeQA 2023 (after week 8), 2024, 2025
    pool: int = 30
    margin: float = 0.2  # benchmarks/tune_stages.py (RealTimeQA 2024): cosine below the pool's best still relevant
    share: float = 0.75  # and at least this share of the best's cosine (a weak best); tune_stages.py, mixed-age
    reported_days: int = 31  # a named period's window runs this far past its end (RealTimeQA 2024, 2025; docs/news.md)
    announced_days: int = 1  # and starts this far before its start (announced the day before; see window)

    def window(self, req: Request) -> Scope | None:
        t = req.time
        if not t.has_window:
            return None
        # news of a past period is reported during it and after it (a year's figures in January,
        # last week's crash this week): the window runs ``reported_days`` past its end; and what
        # a period brings is announced just before it ("starting this week, travellers from China
        # need a test", reported seven days before a quiz's Friday): it starts ``announced_days`` early
        since = shift(t.since, -self.announced_days) if t.since else None
        until = min(req.as_of, shift(t.until or req.as_of, self.reported_days))
        max_day = until.toordinal()
        if req.scope.max_day is not None:
            max_day = min(max_day, req.scope.max_day)
        min_day = since.toordinal() if since else None
        if req.scope.min_day is not None:
            min_day = max(min_day or req.scope.min_day, req.scope.min_day)
        # a period the question names: an undated article may be from it, so it is not pushed aside
        undated = req.scope.min_day is None
        return replace(req.scope, max_day=max_day, min_day=min_day, undated=undated)

    def rank(self, req: Request) -> list[str]:
        if req.time.has_window:
            return self._within(req)
        if req.time.recency:
            return self._recent_first(req)
        return []

    def _within(self, req: Request) -> list[str]:
        scope = self.window(req)
        if scope is None or not self.store.dated_articles_in(scope):
            return []  # no dated article in the period: nothing to say about time
        windowed = replace(req, scope=scope, weights={}, rankings={})  # shares req.hits: what it fetches is reused
        ranked = fuse([(s.rank(windowed), weight_of(s, windowed)) for s in self.inner], req.n)
        if not any(req.hits[c].published for c in ranked if c in req.hits):
            return []  # only undated articles in the window: nothing said about time (re-voting them only adds noise)
        return ranked

    def _recent_first(self, req: Request) -> list[str]:
        rankings = []
        for s in self.inner:  # the stages that already ranked this request are not asked again
            got = req.rankings[s.name] if s.name in req.rankings else s.rank(req)
            rankings.append((got, weight_of(s, req)))
        pool = fuse(rankings, self.pool)
        missing = [c for c in pool if c not in req.hits]
        for h in self.store.hits_by_ids(missing, req.vector):
            req.hits[h.chunk_id] = h
        last_days = Scope(min_day=shift(req.as_of, -self.recent_days).toordinal())  # undated passages: never recent
        found = [req.hits[c] for c in pool if c in req.hits]
        best = max((h.score for h in found), default=0.0)
        # relevant anyway: near the best candidate's similarity (in a small store the pool is everything)
        floor = max(best - self.margin, best * self.share)
        recent = [h.chunk_id for h in found if last_days.admits(h.article_id, h.published) and h.score >= floor]
        req.weights[self.name] = self.weight if req.time.asked else self.recent_weight  # "the latest": full vote
        return recent if len(recent) < len(pool) else []  # all recent: nothing to prefer


StageFactory = Callable[[PassageSearch], RankingStage]

STAGES: dict[str, StageFactory] = {
    "dense": lambda store: DenseStage(store),
    "keyword": lambda store: KeywordStage(store),
    "article": lambda store: ArticleStage(store),
    "time": lambda store: TimeStage(store, [DenseStage(store), KeywordStage(store), ArticleStage(store)]),
}


def stage_names(spec: str) -> list[str]:
    """``"dense,keyword,time"`` → the names, checked against :data:`STAGES`."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [s for s in names if s not in STAGES]
    if unknown or not names:
        raise ConfigError(
            f"Unknown ranking stage(s) {', '.join(map(repr, unknown)) or '(none given)'} in NEWSRAG_STAGES. "
            f"Choose from: {', '.join(STAGES)} (comma-separated, e.g. dense,keyword,article,time)."
        )
    if set(names) == {"time"}:
        raise ConfigError("NEWSRAG_STAGES needs more than time (it only ranks within the question's period).")
    return names


def make_stages(spec: str, store: PassageSearch) -> list[RankingStage]:
    return [STAGES[name](store) for name in stage_names(spec)]


def run_stages(stages: Sequence[RankingStage], req: Request, store: PassageSearch, evidence: float = 0.0) -> list[Hit]:
    """Every stage's ranking, fused in one place (with an article's summed evidence when
    ``evidence`` > 0); the passages with their cosine scores, one story each
    (:func:`one_per_story`)."""
    rankings = []
    for stage in stages:  # a stage may set its weight for the request, and read what the ones before it ranked
        rankings.append(stage.rank(req))
        req.rankings[stage.name] = rankings[-1]
    top = fuse_by_article([(r, weight_of(s, req)) for r, s in zip(rankings, stages, strict=True)], req.n, evidence)
    missing = [c for c in top if c not in req.hits]
    for h in store.hits_by_ids(missing, req.vector):
        req.hits[h.chunk_id] = h
    return one_per_story([req.hits[c] for c in top if c in req.hits], store, req.scope)


def one_per_story(hits: Sequence[Hit], store: PassageSearch, scope: Scope) -> list[Hit]:
    """Copies of one wire story don't crowd other stories out: the story's best-ranked
    article stands for it, in its place, and its passages list the story's other stored
    copies within ``scope`` in ``also``; the other copies' passages leave the ranking."""
    shown: dict[str, str] = {}  # story -> the article that stands for it
    kept: list[Hit] = []
    for h in hits:
        if shown.setdefault(h.story or h.article_id, h.article_id) == h.article_id:
            kept.append(h)  # (an article's own passages all stay)
    members = store.copies([h.story for h in kept if h.story])
    out = []
    for h in kept:
        others = [a for a in members.get(h.story, []) if a.id != h.article_id and scope.admits(a.id, a.published)]
        others.sort(key=lambda a: (a.published or "", a.source or ""))
        also = tuple(a.ref() for a in others)
        out.append(replace(h, also=also) if also else h)
    return out


def retrieved_articles(hits: Sequence[Hit]) -> list[str]:
    """The article ranking retrieval decided (what eval measures): each passage's article,
    then its story's other copies (the same story, ranked with it)."""
    return list(dict.fromkeys(a for h in hits for a in (h.article_id, *(c.article_id for c in h.also))))
