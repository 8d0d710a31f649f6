"""The two formats read by a library: PDF (pypdf; its text layer) and JSONL (one article per
line, each line's fault said with its number)."""

from __future__ import annotations

import json
from pathlib import Path

from vectorstore.article import Article, parse_date
from vectorstore.errors import IngestError


def read_pdf(path: Path, data: bytes) -> tuple[str, str | None]:
    """The PDF's text and the title in its metadata (if any)."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("a password is needed")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except FileNotDecryptedError:
        raise IngestError(
            "this PDF is password-protected. Open it with its password and save an unprotected copy "
            "(or print it to a new PDF), then add that.",
            path=str(path),
        ) from None
    except DependencyError as e:
        raise IngestError(
            f"this PDF is encrypted and reading it needs the `cryptography` package ({e}). "
            "Install it (`pip install cryptography`) and add the file again.",
            path=str(path),
        ) from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise IngestError(
            f"cannot read this PDF, it is damaged or malformed ({type(e).__name__}: {e}). "
            "Check that it opens in a PDF viewer, or add its text as a .txt file.",
            path=str(path),
        ) from None
    text = "\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise IngestError(
            "this PDF has no text layer (it may be a scan). Run OCR on it first or add the text as a .txt file.",
            path=str(path),
        )
    return text, meta_title


def _field(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'the "{key}" field must be a string, not {type(value).__name__}')
    return str(value)


def _jsonl_record(obj: object, max_bytes: float) -> Article:
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('the "text" field is missing or empty')
    if len(text.encode("utf-8")) > max_bytes:
        raise ValueError(
            f"the article is {len(text.encode('utf-8')) / 1024 / 1024:.1f} MB, over the "
            f"{max_bytes / 1024 / 1024:g} MB limit per article; split it or raise NEWSRAG_MAX_FILE_MB"
        )
    title = _field(obj, "title") or text.strip().splitlines()[0][:80]
    return Article(
        id=_field(obj, "id") or "",
        title=str(title).strip(),
        text=text.strip(),
        source=_field(obj, "source"),
        url=_field(obj, "url"),
        published=parse_date(_field(obj, "published")),
    )


def jsonl_articles(path: str, text: str, max_mb: float) -> tuple[list[Article], list[IngestError]]:
    """Articles of a JSONL file; a bad line, an article over ``max_mb`` and a repeated
    id fail alone, with their line number."""
    articles: list[Article] = []
    errors: list[IngestError] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            art = _jsonl_record(json.loads(line), max_mb * 1024 * 1024)
            if art.id in first_line:
                raise ValueError(
                    f"the id {art.id!r} is already used on line {first_line[art.id]} of this file; "
                    "give each article its own id (the first one was kept)"
                )
            first_line[art.id] = n
            articles.append(art)
        except json.JSONDecodeError as e:
            errors.append(IngestError(f"malformed JSON ({e.msg}); fix or remove this line.", path=path, line=n))
        except ValueError as e:
            errors.append(IngestError(f"{e}; fix or remove this line.", path=path, line=n))
    if not articles and not errors:
        errors.append(IngestError("the file holds no records. Add one JSON object per line.", path=path))
    return articles, errors
