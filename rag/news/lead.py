"""An article's lead: its first sentence that says something, the one a story card quotes.

Real articles often open with lines that are not news: a byline ("Chris Murray"), a dateline on
its own ("New York CNN Business —"), "Editor's Note: …", "Correction: …", "From USA TODAY Network
and wire reports", a timestamp ("March 13, 2026, 7:30 a.m.").  In RealTimeQA 2025's articles
such a line came first in 19 of 40 sampled (judged by hand; 2 of 40 with this module, one a
sentence cut at an initial, "Robert F.", which the splitter now keeps whole); the briefing quoted
it as the story's lead and grouped stories by it.  A sentence says something when it has at least
``MIN_WORDS`` words, ends as a sentence ends, and is none of those lines.
"""

from __future__ import annotations

import re

from vectorstore.ingest.chunker import sentence_spans

MIN_WORDS = 6
_NOT_NEWS = re.compile(
    r"^\W*(?:editor[’']?s?[’']? ?notes?|corrections?|clarifications?|updated|published|last updated|sign up"
    r"|subscribe|advertisement|listen to|watch:|this (?:story|article) (?:has been|was|is)|from (?:the )?usa today"
    r"|\(this (?:story|article)|an earlier version of this)\b",
    re.I,
)
_ENDS = re.compile(r"[.!?][\"'”’)\]]*\s*$")
_TIMESTAMP = re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?|\b(?:a\.m|p\.m)\b", re.I)


def says_something(sentence: str) -> bool:
    """Whether ``sentence`` is news rather than a byline, a dateline, a note or a timestamp."""
    s = sentence.strip()
    if len(s.split()) < MIN_WORDS or not _ENDS.search(s) or _NOT_NEWS.match(s):
        return False
    return not (_TIMESTAMP.search(s) and len(s.split()) < 10)  # "Updated March 13, 2026, 7:30 a.m. ET"


def lead_span(text: str) -> tuple[int, int]:
    """The characters of ``text``'s lead: its first sentence that says something, else its first."""
    spans = sentence_spans(text) or [(0, len(text))]
    return next((sp for sp in spans if says_something(text[sp[0] : sp[1]])), spans[0])
