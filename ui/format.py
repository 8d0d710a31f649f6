"""Safe rendering of answers and articles for the web UI.

Everything that comes from an article or a user is escaped: HTML characters
become entities and Markdown syntax is backslash-escaped, so a ``<script>`` or
``![x](javascript:...)`` in an article shows as those characters and runs
nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from rag.answer import Answer, Mode
from vectorstore.ingest.feeds import FeedList
from vectorstore.records import ArticleRef

# Every character Markdown, HTML, autolinks (``http:``, ``www.``, e-mail) or LaTeX ($) could act on.
_MD_SPECIAL = re.compile(r"""[\\`*_{}\[\]()#+\-.!|~<>&:@$"'=]""")


def md_escape(text: str) -> str:
    """Text for a Markdown component: shown literally, never interpreted.

    Special characters become numeric character references (``[`` → ``&#91;``): the
    browser shows the character itself, while Markdown, the HTML sanitizer and the
    autolinker see no syntax (a backslash escape would show up inside URLs)."""
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)


def source_label(ref: ArticleRef) -> str:
    return f"{ref.title} — {outlet_date(ref.source, ref.published)}"


def outlet_date(source: str | None, published: str | None) -> str:
    return f"{source or 'unknown source'}, {published or 'undated'}"


def also_line(also: Sequence[ArticleRef]) -> str:
    """ "Also reported by Reuters (2023-01-05), AP (undated)": a story's other copies."""
    return "Also reported by " + ", ".join(
        f"{a.source or a.title or 'unknown source'} ({a.published or 'undated'})" for a in also
    )


def as_of_line(answer: Answer) -> str:
    """ "As of 5 January 2023", with the period the question named, when there was one."""
    day = dt.date.fromisoformat(answer.as_of)
    line = f"As of {day.day} {day.strftime('%B %Y')}"
    if ".." in answer.time_scope:
        since, until = answer.time_scope.split("..")
        period = f"{since or 'the start'} to {until or 'then'}"
        dated = [c.published for c in answer.citations if c.published]
        if dated and not any(since <= day and (not until or day <= until) for day in dated):
            line += f"; no article from {period} answered it: the sources are of other dates"  # (a preference)
        else:
            line += f"; articles from {period}"
    elif answer.mode == Mode.TIMELINE:
        line += "; oldest first"  # a story's development, in order (not "recent articles first")
    elif answer.time_scope == "recent":
        line += "; recent articles first"
    return line


NOT_FOUND = "⚠ not found in the cited source"


# A news dateline at the start of a quoted sentence: "MALATYA, Turkey - ", "MOSCOW (AP) — ",
# "Kyiv, Ukraine – " (a title-case place only with its region, so "Peskov – …" stays).
_CAPS = r"[A-Z][A-Z.'’-]+(?:\s[A-Z][A-Z.'’-]+)*"
_NAME = r"[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*)*"
_DATELINE = re.compile(
    rf"(?:(?<=^)|(?<=— )|(?<=\] ))(?:{_CAPS}(?:,\s{_NAME})?|[A-Z][a-z.'’-]+(?:\s[A-Z][a-z.'’-]+)*,\s{_NAME})"
    r"(?:\s\([A-Z][A-Za-z]+\))?\s[-—–]{1,2}\s(?=[A-Z\"“'‘])"
)


def without_datelines(text: str, keep: str | None = None) -> str:
    """``text`` without the datelines its quoted sentences open with, unless one holds ``keep``
    (the short answer: then the sentence is shown whole).  The article view keeps them."""
    return _DATELINE.sub(lambda m: m.group(0) if keep and keep.lower() in m.group(0).lower() else "", text)


def marked_text(answer: Answer, escape: Callable[[str], str], mark: Callable[[str], str]) -> str:
    """The answer's text, escaped, with ``mark(NOT_FOUND)`` after each sentence no cited passage supports."""
    out, pos = [], 0
    for c in sorted((c for c in answer.checks if not c.supported), key=lambda c: c.start):
        out += [escape(answer.text[pos : c.end]), mark(NOT_FOUND)]
        pos = c.end
    out.append(escape(answer.text[pos:]))
    return "".join(out)


_MARK = re.compile(r"\[(\d+)\]")


def linked(text: str, key: int) -> str:
    """``text`` escaped, its [n] markers turned into links that open source n of answer ``key``."""
    out, pos = [], 0
    for m in _MARK.finditer(text):
        out += [md_escape(text[pos : m.start()]), cite_link(key, int(m.group(1)))]
        pos = m.end()
    out.append(md_escape(text[pos:]))
    return "".join(out)


def cite_link(key: int, n: int) -> str:
    return f'<a href="#source-{key}-{n}" class="cite" title="Open source {n}">&#91;{n}&#93;</a>'


def url_link(url: str | None, text: str = "") -> str:
    """A link to ``url`` after " · " (shown as ``text``, else the address), opening in a new tab,
    when it is a web address (never ``javascript:`` and the like); empty otherwise."""
    if not url or not re.match(r"https?://", url, re.I):
        return ""
    href = html.escape(url, quote=True)
    shown = html.escape(text) if text else href
    return f' · <a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def short_first(answer: Answer, body: str) -> str:
    """The answer's opening ``**short**`` (escaped like the rest) shown bold, as the short answer."""
    if not answer.short:
        return body
    opening = md_escape(f"**{answer.short}**")
    if not body.startswith(opening):
        return body
    return f'<strong class="short-answer">{md_escape(answer.short)}</strong>' + body[len(opening) :]


def day_label(day: str | None) -> str:
    if not day:
        return "undated"
    d = dt.date.fromisoformat(day)
    return f"{d.day} {d:%B %Y}"


def events_html(answer: Answer, key: int) -> str:
    """A timeline's or a briefing's lines as a list of dated cards, each with its [n]."""
    items = []
    top = max((v for e in answer.events if e.value for v in [_first_number(e.value)] if v is not None), default=None)
    for e in answer.events:
        cites = "".join(cite_link(key, n) for n in e.cited)
        if answer.mode == "briefing":
            reach = (f"one outlet only ({e.outlets[0]})" if len(e.outlets) == 1
                     else f"{len(e.outlets)} outlets: {', '.join(e.outlets)}")  # fmt: skip
            count = f"{e.articles} article{'s' if e.articles != 1 else ''}, {reach}"
            items.append(f'<li class="event"><strong>{md_escape(e.text)}</strong> {cites}'
                         f'<br><sub>{md_escape(count)} · {md_escape(day_label(e.day))}</sub></li>')  # fmt: skip
            continue
        value = ""
        if e.value:
            n = _first_number(e.value)
            meter = f' <meter min="0" max="{top}" value="{n}"></meter>' if n is not None and top else ""
            value = f'<strong class="event-value">{md_escape(e.value)}</strong>{meter} '
        also = f"<br><sub>{md_escape(', '.join(e.outlets))}</sub>" if len(e.outlets) > 1 else ""
        items.append(f'<li class="event"><time datetime="{html.escape(e.day or "")}">{md_escape(day_label(e.day))}'
                     f"</time><br>{value}{md_escape(without_datelines(e.text))} {cites}{also}</li>")  # fmt: skip
    tag = "ol" if answer.mode == "briefing" else "ul"
    return f'<{tag} class="{answer.mode}">' + "".join(items) + f"</{tag}>"


def _first_number(text: str) -> float | None:
    m = re.search(r"\d+(?:[.,]\d+)*", text)
    return float(m.group(0).replace(",", "")) if m else None


def conflict_html(answer: Answer, key: int) -> str:
    """The values the sources revise or dispute, newest first, each with its outlet, date and [n]."""
    out = []
    for c in answer.conflicts:
        head = "Updated figure: newest first" if c.kind == "update" else "Sources disagree"
        rows = [f"<li><strong>{md_escape(r.value)}</strong>"
                + (f" according to {md_escape(r.said_by)}" if r.said_by else "")
                + f" — {md_escape(outlet_date(r.source, r.published))} {cite_link(key, r.n)}</li>"
                for r in c.values]  # fmt: skip
        out.append(f'<div class="conflict {c.kind}"><strong>{head}</strong><ul>{"".join(rows)}</ul></div>')
    return "".join(out)


def answer_markdown(answer: Answer, key: int = 0) -> str:
    """The answer for the chat: [n] markers link to source n (``key`` tells the answers of a
    conversation apart); each source card shows the cited sentence, the passage on demand."""
    shown = lambda t: linked(without_datelines(t, answer.short), key)  # noqa: E731
    if answer.events:
        parts = [md_escape(answer.text.split("\n\n", 1)[0]), events_html(answer, key)]
        last = answer.text.rsplit("\n", 1)[-1]
        if last.startswith("… and "):  # a briefing's "… and 13 more stories." after its cards
            parts.append(md_escape(last))
    else:
        body = marked_text(answer, shown, lambda m: f" <sup>{html.escape(m)}</sup>")
        parts = [short_first(answer, body)]
        if answer.conflicts:
            parts.insert(1, conflict_html(answer, key))
    if answer.as_of_matters:
        parts.append(f"<sub>{md_escape(as_of_line(answer))}</sub>")
    if answer.standalone_question != answer.question:
        parts.append(f"<sub>searched for: {md_escape(answer.standalone_question)}</sub>")
    if answer.uncited:
        parts.append("<sub>⚠ this answer cites no passage: check it against the articles</sub>")
    if answer.citations:
        lines = ["**Sources**", ""]
        for c in answer.citations:
            label = md_escape(source_label(c))
            lines.append(f"{cite_link(key, c.n)} {label}{url_link(c.url, 'link')}  ")
            if c.also:
                lines.append(f"<sub>{md_escape(also_line(c.also))}</sub>  ")
            sentence = c.sentence
            quoted = without_datelines((sentence or c.passage).replace(chr(10), " "), answer.short)
            lines.append(f"> {md_escape(quoted)}")
            lines.append("")
            if sentence and sentence.strip() != c.passage.strip():
                passage = md_escape(c.passage.replace(chr(10), " "))
                lines.append(f"<details><summary>Passage</summary>{passage}</details>")
                lines.append("")
        parts.append("\n".join(lines))
    elif answer.closest:
        lines = ["**Closest articles**", ""]
        for i, a in enumerate(answer.closest, 1):
            link = (
                f'<a href="#source-{key}-c{i}" class="cite" title="Open this article">{md_escape(source_label(a))}</a>'
            )
            lines.append(f"- {link}" + (f"  \n  <sub>{md_escape(also_line(a.also))}</sub>" if a.also else ""))
        parts.append("\n".join(lines))
    t = answer.timings
    stages = [f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in t.items() if k.endswith("_ms")]
    if stages:
        parts.append(f"<details><summary>Timings</summary>{html.escape(' · '.join(stages))}</details>")
    return "\n\n".join(parts)


def cited_source(c: Any, text: str) -> str:
    """Source ``c`` (a citation) inside its article, as escaped HTML: its title, outlet,
    date and link; the passage lightly marked and the cited sentence strongly."""
    s0, s1 = (c.sentence_start, c.sentence_end) if c.sentence_start >= 0 else (c.start, c.end)
    cuts = sorted({0, c.start, c.end, s0, s1, len(text)})
    pieces = []
    for a, b in itertools.pairwise(cuts):
        piece = html.escape(text[a:b])
        if s0 <= a and b <= s1:
            piece = f'<mark id="cited-sentence" class="cited-sentence">{piece}</mark>'
        elif c.start <= a and b <= c.end:
            piece = f'<span class="cited-passage">{piece}</span>'
        pieces.append(piece)
    meta = html.escape(outlet_date(c.source, c.published)) + url_link(c.url)
    return (
        f'<div class="source-card"><h3>&#91;{c.n}&#93; {html.escape(c.title)}</h3><p>{meta}</p>'
        f'<div class="article" style="white-space: pre-wrap">{"".join(pieces)}</div></div>'
    )


def deleted_source(a: Any) -> str:
    """A source whose article was deleted after the answer: said, with the sentence it was cited
    for (a citation's), as escaped HTML."""
    meta = html.escape(outlet_date(a.source, a.published))
    sentence = getattr(a, "sentence", "") or getattr(a, "passage", "")
    quoted = f"<blockquote>{html.escape(sentence)}</blockquote>" if sentence else ""
    return (
        f'<div class="source-card deleted"><h3>{html.escape(a.title)}</h3><p>{meta}</p>'
        f"<p>This article was deleted from the store after this answer was given.</p>{quoted}</div>"
    )


def article_view(a: ArticleRef, text: str) -> str:
    """A whole article (a closest one, opened from an abstention), as escaped HTML."""
    meta = html.escape(outlet_date(a.source, a.published)) + url_link(a.url)
    return (
        f'<div class="source-card"><h3>{html.escape(a.title)}</h3><p>{meta}</p>'
        f'<div class="article" style="white-space: pre-wrap">{html.escape(text)}</div></div>'
    )


FEED_COLUMNS = ["feed", "url", "last poll (UTC)", "added at last poll", "added in all", "last error"]


def feed_rows(feeds: FeedList) -> list[list[Any]]:
    """The Feeds tab's table: one row per followed feed."""
    return [
        [f.title or "(untitled)", f.url, f.last_poll.replace("T", " ").removesuffix("+00:00") or "not yet",
         f.last_added, f.total_added, f.last_error]
        for f in feeds.all()
    ]  # fmt: skip
