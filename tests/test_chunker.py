import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from vectorstore.article import Article
from vectorstore.ingest.chunker import Chunker, sentence_spans

TEXT = (
    "Moscow, Russia – The Kremlin views the call as a turning point. Mr. Peskov said so on Tuesday. "
    "Saudi Arabia has been mentioned as a venue! Is that settled? Nobody knows.\n"
    "A new paragraph starts here and it goes on for a while with many words in it."
)


def test_sentence_spans_slice_back_to_sentences() -> None:
    spans = sentence_spans(TEXT)
    sents = [TEXT[s:e] for s, e in spans]
    assert sents[0] == "Moscow, Russia – The Kremlin views the call as a turning point."
    assert sents[1] == "Mr. Peskov said so on Tuesday."  # "Mr." does not end a sentence
    assert "Saudi Arabia has been mentioned as a venue!" in sents
    assert sents[-1].startswith("A new paragraph")


def test_an_initial_does_not_end_a_sentence() -> None:
    # a real RealTimeQA 2025 lead was cut at "Robert F." (docs/news.md)
    text = (
        "Health Secretary Robert F. Kennedy Jr. said on Monday that the panel would be replaced. "
        "The move was criticised by J. Robert Smith and George W. Bush. It takes effect in World War I. "
        "The pope wrote on X. Nothing else changed."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Health Secretary Robert F. Kennedy Jr. said on Monday that the panel would be replaced.",
        "The move was criticised by J. Robert Smith and George W. Bush.",
        "It takes effect in World War I.",
        "The pope wrote on X.",
        "Nothing else changed.",
    ]


def test_chunk_spans_slice_back_to_chunk_text_with_overlap() -> None:
    art = Article(title="T", text=" ".join([TEXT] * 6))
    chunks = Chunker(max_words=30, overlap=1).split(art)
    assert len(chunks) > 3
    for c in chunks:
        assert art.text[c.start : c.end] == c.text
        assert c.embed_text.startswith("T\n") and c.embed_text.endswith(c.text)
        assert len(c.text.split()) <= 30
    # consecutive chunks share a sentence, and together they cover the text
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end
    assert chunks[0].start == 0 and chunks[-1].end == len(art.text.rstrip())


def test_overlong_sentence_is_split_on_words() -> None:
    art = Article(title="", text=" ".join(["word"] * 250) + ".")
    chunks = Chunker(max_words=100, overlap=0).split(art)
    assert [len(c.text.split()) for c in chunks] == [100, 100, 50]
    assert all(art.text[c.start : c.end] == c.text for c in chunks)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("abc XYZ.!?\n\"'1"), min_size=1, max_size=400))
def test_spans_always_slice_back(text: str) -> None:
    if not text.strip():
        return
    art = Article(title="t", text=text)
    for c in Chunker(max_words=12, overlap=1).split(art):
        assert text[c.start : c.end] == c.text
        assert c.text.strip() == c.text and c.text
