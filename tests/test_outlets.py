"""One publisher, one outlet: a page named after its domain takes the name its site's other pages give."""

from pathlib import Path

import pytest

from rag.service import NewsRAG
from tests.helpers import make_service
from vectorstore.article import Article
from vectorstore.ingest.outlets import OutletNames, named_by_domain, site

PAGE = """<html><head><title>{title}</title>{meta}
<link rel="canonical" href="https://{host}/story/news/{slug}/"></head>
<body><article><h1>{title}</h1>
<p>{lead} Officials said on Tuesday that the measure would take effect before the summer travel season.</p>
<p>Travellers were told to arrive two hours early, and airlines said they would add staff at the busiest gates.</p>
<p>The agency expects the lines to shorten by the end of the month, a spokesperson said in a statement.</p>
</article></body></html>"""
NAMED = '<meta property="og:site_name" content="USA TODAY">'


def test_site_and_domain_names() -> None:
    assert site("https://eu.usatoday.com/story/x") == site("https://www.usatoday.com/") == "usatoday.com"
    assert site("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert site("https://127.0.0.1/a") is None and site(None) is None and site("not a url") is None
    assert named_by_domain("usatoday.com", "https://www.usatoday.com/story")
    assert named_by_domain("www.usatoday.com", "https://eu.usatoday.com/story")
    assert named_by_domain(None, "https://www.usatoday.com/story")
    assert not named_by_domain("USA TODAY", "https://www.usatoday.com/story")
    assert not named_by_domain("usatoday.com", None)  # no URL: nothing to match
    assert not named_by_domain("cnn.com", "https://www.usatoday.com/story")  # another site's name is a name


def test_a_name_is_learnt_from_the_batch_and_given_to_stored_domain_names() -> None:
    names = OutletNames.of([])
    first = names.name([Article(id="a", title="A", text="x", source="usatoday.com", url="https://usatoday.com/a")])
    assert first[0].source == "usatoday.com" and names.renames() == {}  # no name known yet
    second = names.name(
        [
            Article(id="b", title="B", text="y", source="www.usatoday.com", url="https://www.usatoday.com/b"),
            Article(id="c", title="C", text="z", source="USA TODAY", url="https://eu.usatoday.com/c"),
            Article(id="d", title="D", text="w", source="USA Today Sports", url="https://usatoday.com/d"),
        ]
    )
    assert [a.source for a in second] == ["USA TODAY", "USA TODAY", "USA Today Sports"]  # a given name is kept
    assert names.renames() == {"a": "USA TODAY"}
    assert names.renames() == {}  # once


def _page(tmp_path: Path, name: str, host: str, meta: str, lead: str) -> Path:
    p = tmp_path / "pages" / f"{name}.html"
    p.parent.mkdir(exist_ok=True)
    p.write_text(PAGE.format(title=f"Airport lines {name}", meta=meta, host=host, slug=name, lead=lead))
    return p


def _outlets(svc: NewsRAG) -> dict[str, str | None]:
    return {a.title: a.source for a in svc.store.list_articles()}


@pytest.mark.parametrize("named_first", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_one_publisher_stays_one_outlet_whichever_page_comes_first(
    tmp_path: Path, named_first: bool, request: pytest.FixtureRequest
) -> None:
    embedder = None if named_first else request.getfixturevalue("minilm")  # the real model on one of the two
    svc = make_service(tmp_path, embedder, min_score=-1.0)
    named = _page(tmp_path, "one", "www.usatoday.com", NAMED, "Lines at security checkpoints grew to three hours.")
    bare = _page(tmp_path, "two", "eu.usatoday.com", "", "Airports hired hundreds of screeners this week.")
    other = _page(tmp_path, "three", "www.cnn.com", "", "A storm closed two runways in Denver overnight.")
    first, then = ([named], [bare, other]) if named_first else ([bare, other], [named])
    svc.ingest_paths(first)
    svc.ingest_paths(then)
    assert _outlets(svc) == {"Airport lines one": "USA TODAY", "Airport lines two": "USA TODAY",
                             "Airport lines three": "cnn.com"}  # fmt: skip
    # a new start reads the names from the store: the next domain-named page is named too
    again = make_service(tmp_path, embedder, min_score=-1.0)
    again.ingest_paths([_page(tmp_path, "four", "usatoday.com", "", "Some flights were delayed by an hour.")])
    assert _outlets(again)["Airport lines four"] == "USA TODAY"
