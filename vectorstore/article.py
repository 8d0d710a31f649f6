"""The article and chunk records, and how an article gets its id."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Unicode-normalise and fold white space: what "the same text" means."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tabs and line breaks stay)."""
    return _CONTROL.sub("", text)


# Characters that show as nothing or turn the text around them: soft hyphen, zero-width ones, the
# byte-order mark and the bidirectional controls (a U+202E in a title reversed the line in `list`).
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # a character class
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates


def _one_line(text: str) -> str:
    """A field of one line: control and invisible characters gone, white space folded, ends stripped."""
    return _WS.sub(" ", _INVISIBLE.sub("", clean_text(text))).strip()


def normalize_id(value: str) -> str:
    """An article id as kept: NFC, one line, no invisible characters, so ids that print the same are
    the same (``café`` composed or not, ``art-1`` with a zero-width space); ids in other scripts
    that only look alike (a Cyrillic ``а``) stay apart, and `list` shows them escaped."""
    return _one_line(unicodedata.normalize("NFC", value))


def text_hash(text: str) -> str:
    """A stable hash of the normalised text (hex, 16 characters)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:16]


_DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_date(value: object) -> str | None:
    """Accept ``YYYY-MM-DD`` (or a full ISO timestamp) and return ``YYYY-MM-DD``.

    Raises ``ValueError`` with a message that says what is wrong: the form, a day
    that does not exist, or a time part that is not a time.
    """
    if value is None or not str(value).strip():
        return None
    raw = str(value).strip()
    if not _DATE_FORM.match(raw):
        raise ValueError(f"date {raw!r} is not in the form YYYY-MM-DD (e.g. 2025-02-14)")
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"date {raw!r} does not exist: check the day and the month (e.g. 2025-02-28)") from None
    if len(raw) > 10:
        try:
            dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(
                f"date {raw!r} has a time part that is not a valid time: give YYYY-MM-DD or a full ISO timestamp "
                "(e.g. 2025-02-14T09:30)"
            ) from None
    return day.isoformat()


@dataclass(frozen=True)
class Article:
    """One news article as the user gave it."""

    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: str | None = None  # YYYY-MM-DD
    id: str = ""

    def __post_init__(self) -> None:
        # control characters (NUL, ESC, BEL…) are no part of an article: they go, wherever it came from
        object.__setattr__(self, "title", _one_line(self.title))
        object.__setattr__(self, "text", _BIDI_CONTROL.sub("", clean_text(self.text)))
        for name in ("source", "url"):
            value = getattr(self, name)
            object.__setattr__(self, name, _one_line(value) or None if value is not None else None)
        object.__setattr__(self, "id", normalize_id(self.id))  # an id of spaces is no id
        if not self.id:
            object.__setattr__(self, "id", text_hash(self.text))

    @property
    def content_hash(self) -> str:
        """Changes whenever what we index of the article changes."""
        return text_hash(f"{self.title}\n{self.text}")


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``article.text[start:end] == text``."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    embed_text: str = field(default="", compare=False)
