"""What happened in a period: its stories, one line each with its [n], ranked by how many
outlets covered them, then how many articles, then how recent.  A story is a group of
articles: the copies ingest grouped (near-duplicates), joined with related articles whose
headline and lead (the first sentence that says something, :mod:`.lead`, not a byline) say
the same thing: SciPy's average-linkage clustering of their embeddings, cut where the mean
cosine between two groups falls under ``RELATED``.  A story only one outlet reported is
marked so."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from vectorstore.records import Hit, StoredArticle

from ..answer import Event
from .composed import Composed
from .lead import lead_span

RELATED = 0.4  # benchmarks/story_grouping.py: RealTimeQA 2024 (fitted), 2025 (checked)
MAX_STORIES = 10
MAX_ARTICLES = 300  # the period's newest; a briefing reads no more


Copies = list[StoredArticle]  # one story's near-duplicate copies, as ingest grouped them


def stories(articles: Sequence[StoredArticle], embed: Callable[[list[str]], np.ndarray],
            leads: dict[str, str], related: float = RELATED) -> list[list[Copies]]:  # fmt: skip
    """The articles grouped into stories: ingest's copies, then related ones joined (mean cosine
    of headline and lead at least ``related``; a story: its groups of copies, the first group's
    first article the newest)."""
    by_story: dict[str, list[StoredArticle]] = {}
    for a in articles:
        by_story.setdefault(a.story or a.id, []).append(a)
    groups = list(by_story.values())
    if len(groups) < 2:
        return [groups] if groups else []
    from scipy.cluster.hierarchy import fcluster, linkage

    vectors = embed([f"{g[0].title}. {leads.get(g[0].id, '')}" for g in groups])
    # average linkage: a group joins a story when it is related to the story's articles on average,
    # not to one of them (single linkage, measured: a week's 31 articles chained up to 27 in one story)
    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    label = fcluster(tree, t=1.0 - related, criterion="distance")
    joined: dict[int, list[Copies]] = {}
    for g, story in zip(groups, label, strict=True):
        joined.setdefault(int(story), []).append(g)
    return list(joined.values())


def _rank(story: list[Copies]) -> tuple[int, int, str]:
    articles = [a for g in story for a in g]
    outlets = {a.source or a.id for a in articles}
    return len(outlets), len(articles), max(a.published or "" for a in articles)


def _headline(story: list[Copies]) -> list[StoredArticle]:
    """The story's articles, the one to show first: of its largest group of copies (the most
    syndicated telling), the original (the copy ingest saw first), else the newest."""
    main = max(story, key=len)  # the first of equals: the newest
    firsts = sorted(main, key=lambda a: (a.story not in ("", a.id), a.published or ""), reverse=False)
    rest = [a for g in story for a in g if a not in firsts]
    return [*firsts, *sorted(rest, key=lambda a: (a.published or "", a.id), reverse=True)]


def briefing(articles: Sequence[StoredArticle], leads: dict[str, Hit],
             embed: Callable[[list[str]], np.ndarray]) -> Composed:  # fmt: skip
    """The lines of a briefing of ``articles`` (the period's); ``leads``: each one's first passage."""
    firsts = {i: h.text[slice(*lead_span(h.text))] for i, h in leads.items()}
    ranked = sorted(stories(articles, embed, firsts), key=_rank, reverse=True)
    out = Composed()
    lines: list[str] = []
    for grouped in ranked[:MAX_STORIES]:
        story = _headline(grouped)
        lead = next((a for a in story if a.id in leads), None)
        if lead is None:
            continue
        hit = leads[lead.id]
        n = out.cite(hit, lead_span(hit.text))
        outlets = tuple(dict.fromkeys(a.source or "an unnamed outlet" for a in story))
        count = f"{len(story)} article{'s' if len(story) > 1 else ''}"
        reach = (f"one outlet only ({outlets[0]})" if len(outlets) == 1
                 else f"{len(outlets)} outlets: {', '.join(outlets)}")  # fmt: skip
        lines.append(f"{len(lines) + 1}. **{lead.title or firsts.get(lead.id, '')}** [{n}] — {count}, {reach}")
        members = (lead.id, *(a.id for a in story if a.id != lead.id))
        out.events.append(Event(lead.published, lead.title, (n,), None, len(story), outlets, members))
    if len(ranked) > MAX_STORIES:
        lines.append(f"… and {len(ranked) - MAX_STORIES} more stories.")
    out.text = "\n".join(lines)
    return out
