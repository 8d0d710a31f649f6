"""Revised and disputed values: when the passages an answer draws on give different values
for what was asked, say so, newest first, each with its outlet, date and [n].

A later report that changes an earlier one is an ``update`` ("131 (Coastal Wire, 17
November) [1], up from 112 (Meridian Daily, 13 November) [2]"); values of the same day, or
undated, that differ are a ``disagreement`` ("Sources disagree: 112 according to the
provincial governor [2]; 97 according to the health ministry [3]").  One value per article
(its best); values the same after normalising ("Tampa" and "Tampa, Florida", "1,200" and
"1200") are one; only values of the kind most passages give are compared (a name and a number,
a magnitude of 6.8 and a toll of 112, 9 percent and 12: one of them answers something else);
and, with an embedder, only values whose sentences claim the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from vectorstore.ingest.chunker import sentence_around
from vectorstore.records import Hit

from ..answer import Conflict, ConflictKind, Reported
from .values import Value

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = {"the", "a", "an", "of", "in", "at", "on", "and", "about", "around", "some", "least", "more", "than",
           "nearly", "almost", "over", "under", "up", "to", "approximately", "roughly", "estimated"}  # fmt: skip
_SAID_BY = [
    re.compile(r"\baccording to (?P<who>(?:the )?[\w' -]{3,60}?)(?=[,.;]|$)", re.I),
    re.compile(r"(?:^|, )(?P<who>(?:the |The )?[a-z][\w -]{2,40}?|[A-Z][\w.]+(?: [A-Z][\w.]+){0,3}) said\b"),
    re.compile(r"(?P<who>\b[Tt]he [a-z][\w -]{2,40}?) said\b"),
]


class ValueReader(Protocol):
    def values(self, question: str, passages: Sequence[Hit]) -> list[Value]:
        """The value each passage gives for ``question`` (at most one per passage)."""
        ...


def numbers(text: str) -> tuple[float, ...]:
    out = []
    for m in _NUMBER.finditer(text):
        try:
            out.append(float(m.group(0).replace(",", "")))
        except ValueError:
            continue
    return tuple(out)


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _FILLER)


def same(a: str, b: str) -> bool:
    """Whether two values say the same: equal first numbers, or one's words within the other's."""
    na, nb = numbers(a), numbers(b)
    if na or nb:
        return bool(na and nb) and na[0] == nb[0]
    wa, wb = words(a), words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_UNITS = {
    "percent": re.compile(r"%|\bper ?cent\b", re.I),
    "money": re.compile(r"[$€£¥]|\b(dollars?|euros?|pounds?)\b", re.I),
}


def _kind(text: str) -> tuple[bool, bool, frozenset[str]]:
    """A value's kind: a number or not, a whole number (after "million" and the like) or not, its units."""
    ns = numbers(text)
    if not ns:
        return False, False, frozenset()
    scale = next((v for w, v in _SCALE.items() if w in text.lower()), 1.0)
    whole = float(ns[0] * scale).is_integer()
    return True, whole, frozenset(u for u, p in _UNITS.items() if p.search(text))


def comparable(a: str, b: str) -> bool:
    """Values of one kind: names with names; numbers with numbers of the same units, whole with
    whole (a magnitude of 6.8 and a toll of 112 answer different things)."""
    return _kind(a) == _kind(b)


def said_by(sentence: str) -> str:
    """Whom a sentence attributes its claim to ("the provincial governor"), if it says."""
    for pattern in _SAID_BY:
        if m := pattern.search(sentence):
            who = m.group("who").strip()
            return who[0].lower() + who[1:] if who.startswith("The ") else who
    return ""


@dataclass
class _Group:
    value: Value
    hit: Hit
    members: list[tuple[Value, Hit]] = field(default_factory=list)

    @property
    def day(self) -> str:
        return max((h.published or "" for _, h in self.members), default="")


Embed = Callable[[list[str]], np.ndarray]


def of_common_kind(values: Sequence[Value], passages: Sequence[Hit]) -> list[Value]:
    """The values of the kind most stories give (a story's copies are one vote; ties: the
    first value's kind), in their order."""
    if not values:
        return []
    kinds: dict[tuple[bool, bool, frozenset[str]], set[str]] = {}
    for v in values:
        kinds.setdefault(_kind(v.text), set()).add(passages[v.passage].story or passages[v.passage].article_id)
    common = max(kinds, key=lambda k: len(kinds[k]))
    return [v for v in values if _kind(v.text) == common]


def claim(hit: Hit, v: Value) -> str:
    """The sentence that gives the value, the value masked: what is claimed, whatever the figure."""
    s, e = sentence_around(hit.text, v.start, v.end)
    return (hit.text[s : v.start] + "…" + hit.text[v.end : e]).strip()


def same_claims(embed: Embed, lead: str, others: Sequence[str], min_cosine: float) -> list[bool]:
    """Which of ``others`` claim what ``lead`` claims (cosine of their embeddings at least ``min_cosine``)."""
    if not others:
        return []
    vs = np.asarray(embed([lead, *others]), dtype=np.float32)
    vs = vs / np.maximum(np.linalg.norm(vs, axis=1, keepdims=True), 1e-9)
    return [bool(x >= min_cosine) for x in vs[1:] @ vs[0]]


def find_conflict(
    values: Sequence[Value], passages: Sequence[Hit], embed: Embed | None = None, min_cosine: float = 0.0
) -> Conflict | None:
    """The conflict among the passages' values, if two or more differ (``n``: passage + 1).
    With ``embed``, a value counts only where its sentence claims what the best value's does
    (the two sentences, values masked, at least ``min_cosine`` alike): two passages giving
    different answers about different things are no conflict."""
    if len(values) < 2:
        return None
    per_article: dict[str, Value] = {}
    for v in sorted(values, key=lambda v: -v.score):
        per_article.setdefault(passages[v.passage].article_id, v)
    ranked = of_common_kind(sorted(per_article.values(), key=lambda v: -v.score), passages)
    groups: list[_Group] = []
    for v in ranked:
        hit = passages[v.passage]
        home = next((g for g in groups if same(g.value.text, v.text)), None)
        if home is None:
            groups.append(home := _Group(v, hit))
        home.members.append((v, hit))
    if len(groups) < 2:
        return None
    if embed is not None:
        lead_claim = claim(groups[0].hit, groups[0].value)
        keep = same_claims(embed, lead_claim, [claim(g.hit, g.value) for g in groups[1:]], min_cosine)
        groups = [groups[0], *(g for g, k in zip(groups[1:], keep, strict=True) if k)]
        if len(groups) < 2:
            return None
    groups.sort(key=lambda g: (g.day, g.value.score), reverse=True)
    newest, older = groups[0].day, [g.day for g in groups[1:]]
    kind = ConflictKind.UPDATE if newest and all(d and d < newest for d in older) else ConflictKind.DISAGREEMENT
    return Conflict(kind, tuple(_reported(g) for g in groups))


def _reported(g: _Group) -> Reported:
    v, hit = max(g.members, key=lambda m: (m[1].published or "", m[0].score))
    s, e = sentence_around(hit.text, v.start, v.end)
    return Reported(**hit.ref_fields(), value=v.text, n=v.passage + 1, said_by=said_by(hit.text[s:e]))


def when(published: str | None, with_year: bool) -> str:
    if not published:
        return ""
    day = dt.date.fromisoformat(published)
    return f"{day.day} {day:%B}" + (f" {day.year}" if with_year else "")


def _label(r: Reported, with_year: bool) -> str:
    parts = [p for p in (r.source, when(r.published, with_year)) if p]
    who = f" according to {r.said_by}" if r.said_by else ""
    return f"{r.value}{who}" + (f" ({', '.join(parts)})" if parts else "") + f" [{r.n}]"


def _direction(lead: str, older: Sequence[str]) -> str:
    new, old = numbers(lead), [numbers(o) for o in older]
    if new and all(o and o[0] < new[0] for o in old):
        return "up from"
    if new and all(o and o[0] > new[0] for o in old):
        return "down from"
    return "revised from"


def conflict_line(conflict: Conflict, first: bool = False) -> str:
    """The sentence that says what changed or who disagrees (markers: the passages' numbers).
    ``first``: the question asks for the first report, so the oldest value leads."""
    years = {r.published[:4] for r in conflict.values if r.published}
    with_year = len(years) > 1
    vs = conflict.values
    if conflict.kind == ConflictKind.DISAGREEMENT:
        newest = vs[0].published
        now = [r for r in vs if r.published == newest]
        earlier = [r for r in vs if r.published != newest]
        line = "Sources disagree: " + "; ".join(_label(r, with_year) for r in now) + "."
        return line + (" Earlier: " + "; ".join(_label(r, with_year) for r in earlier) + "." if earlier else "")
    if first:
        oldest, later = vs[-1], vs[-2::-1]
        return (
            f"{_label(oldest, with_year)} is the earliest figure the articles found give; later: "
            + ", then ".join(_label(r, with_year) for r in later)
            + "."
        )
    older = ", ".join(_label(r, with_year) for r in vs[1:])
    return f"{_label(vs[0], with_year)}, {_direction(vs[0].value, [r.value for r in vs[1:]])} {older}."
