"""Bad input gets a clear message that says what to do; nothing stored is lost or duplicated."""

from pathlib import Path

import pytest

from vectorstore.article import Article
from vectorstore.ingest.loaders import Overrides, load_file

ARTICLE_HTML = """<html><head><title>Storm hits coast</title>
<meta property="og:site_name" content="Coastal Times"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Storm hits coast</h1>
<p>A powerful storm struck the northern coast on Monday, cutting power to forty thousand homes.</p>
<p>Officials said repair crews from three neighbouring regions were on their way to restore electricity.</p>
<p>The weather service expects the winds to ease by Wednesday evening, but warned of flooding near rivers.</p>
</article><footer>Copyright Coastal Times</footer></body></html>"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def only_error(tmp_path: Path, name: str, data: bytes | str, **kw) -> str:  # type: ignore[no-untyped-def]
    loaded = load_file(write(tmp_path, name, data), **kw)
    assert loaded.articles == []
    assert len(loaded.errors) == 1
    return str(loaded.errors[0])


def test_txt_first_line_is_the_title(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "a.txt", "Big News Today\nSomething happened. It mattered."))
    (art,) = loaded.articles
    assert art.title == "Big News Today" and art.text == "Something happened. It mattered."


@pytest.mark.parametrize("name", ["a.md", "a.txt"])
def test_header_lines_after_a_blank_line_under_the_title(tmp_path: Path, name: str) -> None:
    text = "# Quake toll rises\n\nDate: 24 November 2026\n\nSource: Anatolia Report\n\n"
    text += "The toll rose to 312.\n\nMore later."
    (art,) = load_file(write(tmp_path, name, text)).articles
    assert (art.title, art.published, art.source) == ("Quake toll rises", "2026-11-24", "Anatolia Report")
    assert art.text == "The toll rose to 312.\n\nMore later."


def test_overrides_apply(tmp_path: Path) -> None:
    o = Overrides(title="T", source="Reuters", published="2025-02-14")
    (art,) = load_file(write(tmp_path, "a.md", "# Head\nBody text here."), o).articles
    assert (art.title, art.source, art.published) == ("T", "Reuters", "2025-02-14")


def test_html_article_text_is_extracted_without_boilerplate(tmp_path: Path) -> None:
    (art,) = load_file(write(tmp_path, "storm.html", ARTICLE_HTML)).articles
    assert art.title == "Storm hits coast"
    assert "forty thousand homes" in art.text and "flooding near rivers" in art.text
    assert "Copyright" not in art.text and "Home" not in art.text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    from tests.pdfmaker import make_pdf

    p = tmp_path / "a.pdf"
    p.write_bytes(make_pdf(["Harbour Strike Ends", "Dock workers returned to work on Friday after a deal."]))
    (art,) = load_file(p).articles
    assert art.title == "Harbour Strike Ends"
    assert "Dock workers returned to work on Friday" in art.text


def test_empty_file(tmp_path: Path) -> None:
    assert "the file is empty" in only_error(tmp_path, "e.txt", b"")


def test_binary_file(tmp_path: Path) -> None:
    msg = only_error(tmp_path, "b.txt", bytes(range(256)) * 4)
    assert "binary file" in msg and ".txt" in msg


def test_unsupported_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    msg = only_error(tmp_path, "a.docx", b"PK\x03\x04")
    assert "unsupported file type '.docx'" in msg and ".jsonl" in msg and ".pdf" in msg


def test_invalid_utf8(tmp_path: Path) -> None:
    msg = only_error(tmp_path, "l.txt", "Café au lait\nUne histoire.".encode("latin-1"))
    assert "not valid UTF-8" in msg and "Save the file as UTF-8" in msg


def test_html_without_article_text(tmp_path: Path) -> None:
    msg = only_error(tmp_path, "nav.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
    assert "no article text found" in msg


def test_file_over_the_size_limit_names_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    loaded = load_file(big, max_mb=10)
    assert "50.0 MB, over the 10 MB limit" in str(loaded.errors[0]) and "NEWSRAG_MAX_FILE_MB" in str(loaded.errors[0])


def test_jsonl_with_a_malformed_line_keeps_the_good_lines(tmp_path: Path) -> None:
    lines = [
        '{"id": "a1", "title": "One", "text": "First article.", "published": "2024-05-01"}',
        '{"id": "a2", "title": "Two", "text": "Second',
        '{"id": "a3", "title": "Three", "text": ""}',
        '{"id": "a4", "title": "Four", "text": "Fourth article.", "source": "AP", "extra": 1}',
    ]
    loaded = load_file(write(tmp_path, "c.jsonl", "\n".join(lines)))
    assert [a.id for a in loaded.articles] == ["a1", "a4"]
    assert loaded.articles[0].published == "2024-05-01" and loaded.articles[1].source == "AP"
    assert [e.line for e in loaded.errors] == [2, 3]
    assert "line 2: malformed JSON" in str(loaded.errors[0])
    assert 'the "text" field is missing or empty' in str(loaded.errors[1])


def test_a_jsonl_id_of_spaces_is_no_id(tmp_path: Path) -> None:
    line = '{"id": "   ", "title": "Ferry", "text": "The ferry sailed at dawn."}\n'
    (art,) = load_file(write(tmp_path, "a.jsonl", line)).articles
    assert art.id.strip() == art.id and len(art.id) == 16  # the text's hash, as for an article without an id


def test_a_file_type_is_one_registry_entry_that_files_folders_and_pages_all_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vectorstore.ingest.loaders as loaders

    def news(path: Path, data: bytes) -> list[Article]:
        title, _, text = data.decode().partition("\n")
        return [Article(title=title.strip("= "), text=text.strip())]

    wire = tmp_path / "feed" / "quake.news"
    wire.parent.mkdir()
    wire.write_text("== Quake hits coast ==\nA strong earthquake shook the coast on Monday.\n")
    assert load_file(wire).errors[0].reason.startswith("unsupported file type '.news'. Supported: .htm, .html")
    news_type = loaders.FileType((".news",), ("text/x-news",), news)
    monkeypatch.setattr(loaders, "FILE_TYPES", (*loaders.FILE_TYPES, news_type))
    got = load_file(wire, Overrides(source="Wire"))
    assert [(a.title, a.source) for a in got.articles] == [("Quake hits coast", "Wire")] and not got.errors
    assert loaders.expand_paths([wire.parent]) == [wire]  # a folder's files of that type
    assert loaders.suffix_for("text/x-news") == ".news"  # a page served as that type
    assert loaders.supported_text().endswith(".jsonl, .news")  # what the CLI's and the UI's words list
