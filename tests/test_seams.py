"""The seams hold: retrieval and answering run on any store that does what
``rag.stages.PassageSearch`` says, here a few passages in a dict, no Chroma."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.answerers.reading import Calibration, ReadingAnswerer
from rag.chain import AnswerChain
from rag.filters import Filters
from rag.readers.sentences import SentenceReader
from rag.retriever import NewsRetriever
from rag.stages import PassageSearch
from vectorstore.embedders import HashEmbedder
from vectorstore.records import ArticleRef, Hit, Scope, StoredArticle, day_of

ARTICLES = {
    "ferry": (
        "Ferry strike ends",
        "2025-03-03",
        "The ferry strike ended on Monday. Crews are back.",
    ),
    "storm": ("Storm hits coast", "2025-03-01", "A storm cut power to forty thousand homes. Repairs take a week."),
    "budget": ("Council budget", None, "The council passed its budget. Libraries get more money."),
}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


class DictStore:
    """One passage an article, held in memory: every search a full scan."""

    def __init__(self) -> None:
        self.embedder = HashEmbedder()
        self.records = {
            i: StoredArticle(i, title, None, None, day, "0" * 16, 1, story=i) for i, (title, day, _) in ARTICLES.items()
        }
        texts = [text for _, _, text in ARTICLES.values()]
        self.vectors = dict(zip(ARTICLES, self.embedder.embed(texts), strict=True))

    def _hit(self, article_id: str, vector: np.ndarray) -> Hit:
        title, day, text = ARTICLES[article_id]
        score = float(self.vectors[article_id] @ vector)
        ref = ArticleRef(article_id, title, None, day, None)
        return Hit(**ref.ref_fields(), chunk_id=f"{article_id}:00000000:0", text=text, start=0, end=len(text),
                   score=score, story=article_id)  # fmt: skip

    def _in(self, scope: Scope | None) -> list[str]:
        return [i for i, (_, day, _) in ARTICLES.items() if scope is None or scope.admits(i, day)]

    def query(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        return sorted((self._hit(i, vector) for i in self._in(scope)), key=lambda h: -h.score)[:k]

    def keyword_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        shared = {i: len(words(query) & words(ARTICLES[i][2])) for i in self._in(scope)}
        return [f"{i}:00000000:0" for i in sorted(shared, key=lambda i: -shared[i]) if shared[i]][:k]

    def article_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        return [c.split(":")[0] for c in self.keyword_search(query, k, scope)]

    def hits_by_ids(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]:
        return [self._hit(i.split(":")[0], vector) for i in ids]

    def best_passages(
        self, article_ids: Sequence[str], vector: np.ndarray, records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]:
        return [self._hit(i, vector) for i in article_ids]

    def get_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]:
        return {i: self.records[i] for i in ids if i in self.records}

    def dated_articles_in(self, scope: Scope) -> int:
        return sum(1 for i in self._in(scope) if ARTICLES[i][1])

    def copies(self, stories: Sequence[str]) -> dict[str, list[StoredArticle]]:
        return {s: [self.records[s]] for s in stories}

    def article_ids_from(self, sources: Sequence[str]) -> frozenset[str]:
        return frozenset()

    def nearest_articles(
        self, vector: np.ndarray, k: int, scope: Scope | None = None
    ) -> list[tuple[StoredArticle, float]]:
        return [(self.records[h.article_id], h.score) for h in self.query(vector, k, scope)]

    def count_chunks(self) -> int:
        return len(ARTICLES)


def sentences(threshold: float) -> ReadingAnswerer:
    """The extractive answerer reading with the sentence model alone."""
    return ReadingAnswerer(SentenceReader(HashEmbedder(), threshold=threshold), Calibration(threshold=0.0))


def test_retrieval_and_answers_run_on_any_store_that_keeps_the_protocol() -> None:
    store: PassageSearch = DictStore()
    retriever = NewsRetriever.create(store, HashEmbedder(), k=2, fetch_k=3, stages="dense,keyword,article,time")
    as_of = Filters.parse(as_of="2025-03-02")
    hits, _ = retriever.search("When did the storm cut the power?", filters=as_of)
    assert [h.article_id for h in hits] == ["storm", "budget"]  # the ferry story is after the as-of date
    assert day_of(hits[0].published) <= day_of("2025-03-02")
    chain = AnswerChain(retriever, sentences(0.0), min_score=-1.0)
    answer = chain.ask("How many homes did the storm cut power to?", filters=as_of)
    assert "forty thousand homes" in answer.text and answer.citations[0].article_id == "storm"


def test_an_answerer_that_abstains_streams_the_abstention_it_ends_with() -> None:
    """Nothing is streamed that the final answer then replaces: the pieces a client was sent are
    its text, whether the answerer answered or said the passages don't answer."""
    retriever = NewsRetriever.create(DictStore(), HashEmbedder(), k=2, fetch_k=3, stages="dense,keyword")
    for threshold, abstained in ((0.0, False), (1.01, True)):
        chain = AnswerChain(retriever, sentences(threshold), min_score=-1.0)
        items = list(chain.stream("How many homes did the storm cut power to?"))
        final = items[-1]
        assert final.abstained is abstained and final.text
        assert "".join(i for i in items if isinstance(i, str)) == final.text


class WordList:
    """A keyword index that knows one word: the ids it was told hold it."""

    def __init__(self, word: str, ids: list[str]) -> None:
        self.word, self.ids = word, ids

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        return self.ids[:k] if self.word in query.lower() else []

    def days_of(self, ids: set[str]) -> dict[str, int]:
        return {}

    def dated_in(self, scope: Scope) -> int:
        return 0

    def invalidate(self) -> None: ...

    def indexed_ids(self) -> set[str] | None:
        return set(self.ids)

    def rebuild(self) -> None: ...


def test_the_store_takes_its_keyword_indexes_and_story_index_from_outside(tmp_path: Path) -> None:
    from vectorstore.ingest.dedup import StoryIndex
    from vectorstore.keyword import KeywordIndexes
    from vectorstore.store import ChromaStore, open_client

    made: list[str] = []

    def backend(path: Path | None, passages: object, articles: object, changes: object) -> KeywordIndexes:
        made.append(str(path))
        return KeywordIndexes(WordList("quokka", ["p1:00000000:0"]), WordList("quokka", ["p1"]))

    def stories(records: object, count: object) -> StoryIndex:
        made.append("stories")
        return StoryIndex(records, count)  # type: ignore[arg-type]

    client = open_client(str(tmp_path / "chroma"))
    store = ChromaStore(client, "hash", 64, keyword_db=tmp_path / "k.sqlite3", keyword_backend=backend,
                        story_index=stories)  # fmt: skip
    assert made == [str(tmp_path / "k.sqlite3"), "stories"]
    assert store.keyword_search("Any quokka news?", 5) == ["p1:00000000:0"]
    assert store.article_search("quokka", 5) == ["p1"] and store.keyword_search("ferry", 5) == []
