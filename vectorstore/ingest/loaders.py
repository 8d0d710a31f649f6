"""Turn files into articles: one loader per file type, chosen by extension.

HTML goes through trafilatura (boilerplate removal and metadata), PDF through
pypdf.  A loader either returns articles or raises :class:`IngestError` whose
message says what to do; a JSONL file reports its bad lines one by one and
still yields the good ones.

:data:`FILE_TYPES` is the one registry of what can be added: its suffixes (files,
folders), its media types (pages fetched by URL) and its loader.  The CLI, the web
UI and the fetcher all read it, so a new type is one entry here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from vectorstore.article import Article, parse_date
from vectorstore.errors import IngestError

from .formats import jsonl_articles, read_pdf

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_MB = 10.0
_TITLE_MAX = 200
_MIN_HTML_WORDS = 12


@dataclass(frozen=True)
class Overrides:
    """Metadata the user gave on the command line or in the form."""

    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    id: str | None = None


@dataclass
class Loaded:
    """What one file gave: its articles and the problems with some of its parts."""

    path: str
    articles: list[Article] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


def _read_text(path: Path, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise IngestError(f"this is a binary file, not text. Give a {supported_text(' or ')} file.", path=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"not valid UTF-8 (bad byte at offset {e.start}). Save the file as UTF-8 and add it again.",
            path=str(path),
        ) from None


def _split_title(text: str, fallback: str) -> tuple[str, str]:
    """Use the first line as the title when it looks like one."""
    lines = text.strip().splitlines()
    if len(lines) >= 2:
        first = lines[0].strip().lstrip("#").strip()
        if 0 < len(first) <= _TITLE_MAX and not first.endswith((".", ",", ";", ":")):
            body = "\n".join(lines[1:]).strip()
            if body:
                return first, body
    return fallback, text.strip()


_HEADER = re.compile(r"^\s*(date|published|source|outlet|url|link)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
_HEADER_FIELD = {"date": "published", "published": "published", "source": "source", "outlet": "source",
                 "url": "url", "link": "url"}  # fmt: skip
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_])")


def loose_date(value: str) -> str | None:
    """``2025-02-14``, ``14 February 2025``, ``Feb 14, 2025``… → ``2025-02-14`` (None if not a full date)."""
    try:
        return parse_date(value)
    except ValueError:
        pass
    import dateparser

    got = dateparser.parse(value, languages=["en"], settings={"STRICT_PARSING": True})
    return got.date().isoformat() if got is not None else None


def date_from_url(url: str | None) -> str | None:
    """The day in a news URL such as ``…/2023/01/05/story`` or ``…/2023-01-05-story``."""
    m = _URL_DATE.search(url or "")
    if not m:
        return None
    try:
        return parse_date(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
    except ValueError:
        return None


def _take_headers(lines: list[str], meta: dict[str, str], path: Path) -> list[str]:
    """Consume ``Date:``/``Source:``/``URL:`` lines at the start of ``lines`` into ``meta``
    (blank lines before and between them too, as under a Markdown title)."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _HEADER.match(lines[first]):
        lines = lines[first:]
    while lines and (m := _HEADER.match(lines[0])):
        key, value = _HEADER_FIELD[m.group(1).lower()], m.group(2)
        if key == "published":
            day = loose_date(value)
            if day is None:
                raise IngestError(
                    f"the line {lines[0].strip()!r} holds no date I can read. Write it as Date: YYYY-MM-DD.",
                    path=str(path),
                )
            value = day
        meta.setdefault(key, value)
        lines = lines[1:]
        nxt = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        if nxt < len(lines) and _HEADER.match(lines[nxt]):
            lines = lines[nxt:]
    return lines


def _plain(path: Path, data: bytes) -> list[Article]:
    """A text file: optional ``Date:``/``Source:``/``URL:`` lines before or after the first
    line, which is the title when it looks like one."""
    text = _read_text(path, data)
    if not text.strip():
        raise IngestError("the file holds only white space. Add a file with the article's text.", path=str(path))
    meta: dict[str, str] = {}
    lines = _take_headers(text.strip().splitlines(), meta, path)
    if len(lines) >= 2:
        lines = [lines[0], *_take_headers(lines[1:], meta, path)]
    title, body = _split_title("\n".join(lines), path.stem)
    return [Article(title=title, text=body, source=meta.get("source"), url=meta.get("url"),
                    published=meta.get("published"))]  # fmt: skip


def _html(path: Path, data: bytes) -> list[Article]:
    import trafilatura

    html = _read_text(path, data)
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_precision=True)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if len(text.split()) < _MIN_HTML_WORDS:  # a menu or a cookie notice is not an article
        raise IngestError(
            "no article text found in this HTML page (it may be a navigation or index page). "
            "Save the article page itself, or paste its text into a .txt file.",
            path=str(path),
        )
    try:
        published = loose_date(str(getattr(doc, "date", None) or ""))
    except ValueError:
        published = None
    return [
        Article(
            title=(getattr(doc, "title", None) or path.stem).strip(),
            text=text,
            source=getattr(doc, "sitename", None) or None,
            url=getattr(doc, "url", None) or None,
            published=published,
        )
    ]


def _pdf(path: Path, data: bytes) -> list[Article]:
    text, meta_title = read_pdf(path, data)
    title, body = _split_title(text, path.stem)
    if meta_title:
        title, body = meta_title.strip(), text
    return [Article(title=title, text=body)]


def load_jsonl_text(path: str, text: str, max_mb: float = DEFAULT_MAX_FILE_MB) -> Loaded:
    """Articles of a JSONL file; a bad line, an article over ``max_mb`` and a repeated
    id fail alone, with their line number."""
    articles, errors = jsonl_articles(path, text, max_mb)
    return Loaded(path=path, articles=articles, errors=errors)


Loader = Callable[[Path, bytes], list[Article]]


@dataclass(frozen=True)
class FileType:
    """One kind of file that can be added: its suffixes (the first is the one shown), the
    media types a server may send it as, and its loader (None: JSONL, many articles a file,
    read by :func:`load_jsonl_text`)."""

    suffixes: tuple[str, ...]
    media_types: tuple[str, ...]
    load: Loader | None


FILE_TYPES: tuple[FileType, ...] = (
    FileType((".txt", ".text"), ("text/plain",), _plain),
    FileType((".md", ".markdown"), ("text/markdown",), _plain),
    FileType((".html", ".htm"), ("text/html", "application/xhtml+xml"), _html),
    FileType((".pdf",), ("application/pdf",), _pdf),
    FileType((".jsonl",), (), None),
)


def file_type(suffix: str) -> FileType | None:
    """The registered type of files ending in ``suffix`` (lower case, with its dot)."""
    return next((t for t in FILE_TYPES if suffix in t.suffixes), None)


def known_type(suffix: str, name: str) -> FileType:
    """The registered type of ``suffix``, or the error that lists the supported ones."""
    kind = file_type(suffix)
    if kind is None:
        raise IngestError(
            f"unsupported file type {suffix or '(none)'!r}. Supported: {', '.join(supported_suffixes())}.", path=name
        )
    return kind


def supported_suffixes() -> list[str]:
    return sorted(s for t in FILE_TYPES for s in t.suffixes)


def suffix_for(media_type: str) -> str | None:
    """The suffix a fetched page of this media type is loaded as (None: not an article type)."""
    return next((t.suffixes[0] for t in FILE_TYPES if media_type in t.media_types), None)


def supported_text(sep: str = ", ") -> str:
    """The file types a user may add, one suffix each: ".txt, .md, .html, .pdf, .jsonl"."""
    return sep.join(t.suffixes[0] for t in FILE_TYPES)


def _apply(article: Article, o: Overrides, single: bool) -> Article:
    changes: dict[str, str] = {}
    if o.title and single:
        changes["title"] = o.title
    if o.id and single:
        changes["id"] = o.id
    if o.source:
        changes["source"] = o.source
    if o.published:
        changes["published"] = o.published
    if o.url and single:
        changes["url"] = o.url
    return replace(article, **changes) if changes else article


def with_url_date(article: Article) -> Article:
    if article.published or not article.url:
        return article
    day = date_from_url(article.url)
    return replace(article, published=day) if day else article


def load_file(path: Path, overrides: Overrides | None = None, max_mb: float = DEFAULT_MAX_FILE_MB) -> Loaded:
    """Load one file.  Never raises for a bad file: problems land in ``Loaded.errors``."""
    overrides = overrides or Overrides()
    name = str(path)
    suffix = path.suffix.lower()
    try:
        kind = known_type(suffix, name)
        if not path.is_file():
            raise IngestError("no such file. Check the path.", path=name)
        size = path.stat().st_size
        if size > max_mb * 1024 * 1024 and kind.load is not None:  # JSONL is bulk: the limit is per article
            raise IngestError(
                f"the file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit. "
                "Split it into smaller files, or raise NEWSRAG_MAX_FILE_MB.",
                path=name,
            )
        if size == 0:
            raise IngestError("the file is empty. Add a file with the article's text.", path=name)
        data = path.read_bytes()
    except IngestError as e:
        return Loaded(path=name, errors=[e])
    except OSError as e:
        return Loaded(
            path=name,
            errors=[
                IngestError(f"cannot read the file ({e.strerror}). Check the path and its permissions.", path=name)
            ],
        )
    return load_bytes(name, suffix, data, overrides, max_mb)


def load_bytes(
    name: str, suffix: str, data: bytes, overrides: Overrides | None = None, max_mb: float = DEFAULT_MAX_FILE_MB
) -> Loaded:
    """Load a file's content (or a fetched page's) by its type ``suffix``; never raises."""
    overrides = overrides or Overrides()
    path = Path(name)
    try:
        if not data:
            raise IngestError("it is empty. Add a file with the article's text.", path=name)
        kind = known_type(suffix, name)
        if kind.load is None:
            loaded = load_jsonl_text(name, _read_text(path, data), max_mb)
        else:
            loaded = Loaded(path=name, articles=kind.load(path, data))
    except IngestError as e:
        return Loaded(path=name, errors=[e])
    except Exception as e:  # a parser's own failure must fail this file alone, never the whole run
        log.warning("loading %s failed", name, exc_info=True)
        return Loaded(
            path=name,
            errors=[
                IngestError(
                    f"cannot read this file ({type(e).__name__}: {e}). Check that it opens, or convert it to .txt.",
                    path=name,
                )
            ],
        )
    single = len(loaded.articles) == 1 and kind.load is not None
    loaded.articles = [with_url_date(_apply(a, overrides, single)) for a in loaded.articles]
    return loaded


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files given, plus the supported files under directories given (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and file_type(f.suffix.lower())))
        else:
            out.append(p)
    return out
