"""One publisher, one outlet name.

A page without ``og:site_name`` is named after its domain ("usatoday.com", trafilatura's
fallback) while the same publisher's other pages say "USA TODAY": two outlets, so one story
looks covered twice and a briefing counts a publisher twice.  An article named after its
site's domain (or with no name at all) takes the name the site's other articles carry, and
articles already stored so take it when the name is first seen.  A name an article gives is
never changed, and an article without a URL is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from vectorstore.article import Article
from vectorstore.records import StoredArticle

_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "news"}  # bbc.co.uk, abc.net.au


def site(url: str | None) -> str | None:
    """The publisher's domain of ``url``: "eu.usatoday.com" and "www.usatoday.com" are "usatoday.com"."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return None
    labels = host.split(".")
    if len(labels) < 2 or all(part.isdigit() for part in labels):
        return None
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def named_by_domain(source: str | None, url: str | None) -> bool:
    """Whether ``source`` is missing or only the domain of ``url`` ("usatoday.com", "www.usatoday.com")."""
    where = site(url)
    if where is None:
        return False
    if not source:
        return True
    name = source.strip().lower().rstrip("/")
    for prefix in ("https://", "http://", *_PREFIXES):
        name = name.removeprefix(prefix)
    return name == where or name.endswith("." + where)


@dataclass
class OutletNames:
    """The outlet name each site's articles carry, and the stored articles still named by their domain."""

    names: dict[str, str] = field(default_factory=dict)
    unnamed: dict[str, list[str]] = field(default_factory=dict)  # site -> ids of stored articles named by domain

    @classmethod
    def of(cls, stored: Iterable[StoredArticle]) -> OutletNames:
        out = cls()
        for a in stored:
            out._see(a.id, a.source, a.url)
        return out

    def _see(self, id_: str, source: str | None, url: str | None) -> None:
        where = site(url)
        if where is None:
            return
        if named_by_domain(source, url):
            self.unnamed.setdefault(where, []).append(id_)
        else:
            self.names.setdefault(where, str(source))

    def name(self, batch: Sequence[Article]) -> list[Article]:
        """The batch with every domain-named article given its site's name (learnt from the
        batch too); what stays domain-named is remembered, to be renamed when a name comes."""
        for a in batch:
            if not named_by_domain(a.source, a.url):
                self._see(a.id, a.source, a.url)
        out = []
        for a in batch:
            where = site(a.url)
            if where is not None and named_by_domain(a.source, a.url):
                if where in self.names:
                    a = replace(a, source=self.names[where])
                else:
                    self.unnamed.setdefault(where, []).append(a.id)
            out.append(a)
        return out

    def renames(self) -> dict[str, str]:
        """Stored (or earlier) articles named by their domain whose site now has a name: id -> name."""
        due = {i: self.names[w] for w, ids in self.unnamed.items() if w in self.names for i in ids}
        for w in [w for w in self.unnamed if w in self.names]:
            del self.unnamed[w]
        return due
