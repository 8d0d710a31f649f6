"""SQuAD 2.0 and 1.1 dev (CC BY-SA 4.0) rebuilt from the explorer's per-article pages.

The ``gh-pages`` branch of ``rajpurkar/SQuAD-explorer`` (``fetch github:rajpurkar/SQuAD-explorer``)
holds one page per article under ``explore/v2.0/dev/`` and ``explore/1.1/dev/``: each paragraph
with its questions and their gold answers (``<No Answer>`` for SQuAD 2.0's unanswerable ones).
The pages give no answer offsets: the answer given most often is located in its paragraph
(first whole-word occurrence).  A question in both versions is kept once.  The articles of
``squad2-dev-5`` (where figures are reported) are left out, matched by title.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.examples import Example, content_words, find_answer, overlap, windows

VERSIONS = {"squad2": "explore/v2.0/dev", "squad1": "explore/1.1/dev"}
PARA = re.compile(r'<div class="para-wrap">.*?<pre>(.*?)</pre>(.*?)(?=<div class="para-wrap">|$)', re.S)
QA = re.compile(r'<div class="qa-wrap" data-id="([^"]+)">.*?<strong class="question">(.*?)</strong>(.*?)</ul>', re.S)
ANSWER = re.compile(r'<span class="answer">(.*?)</span>', re.S)


@dataclass(frozen=True)
class Question:
    qid: str
    title: str
    paragraph: int
    question: str
    answers: tuple[str, ...]  # empty: unanswerable


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True).stdout


def git_dir_of(path: Path) -> Path:
    return path / ".git" if (path / ".git").exists() else path


def parse_page(page: str) -> tuple[str, list[str], list[Question]]:
    """The article's title, its paragraphs and their questions."""
    title_match = re.search(r'<h1 id="title">(.*?)</h1>', page, re.S)
    title = html.unescape(title_match.group(1)).strip() if title_match else ""
    paragraphs, questions = [], []
    for k, (text, rest) in enumerate(PARA.findall(page)):
        paragraphs.append(html.unescape(text))
        for qid, q, answers in QA.findall(rest):
            gold = tuple(html.unescape(a).strip() for a in ANSWER.findall(answers))
            questions.append(Question(qid, title, k, html.unescape(q).strip(), gold))
    return title, paragraphs, questions


def pages(repo: Path, folder: str) -> Iterator[str]:
    """The pages of ``folder``: a checked-out folder's files, else the ``gh-pages`` branch's."""
    if (repo / folder).is_dir():
        for path in sorted((repo / folder).glob("*.html")):
            if path.name != "index.html":
                yield path.read_text(encoding="utf-8")
        return
    gd = git_dir_of(repo)
    for name in _git(gd, "ls-tree", "--name-only", "gh-pages", folder + "/").split("\n"):
        if name.endswith(".html") and not name.endswith("/index.html"):
            yield _git(gd, "show", f"gh-pages:{name}")


def examples(repo: Path, leave_out: set[str]) -> Iterator[Example]:
    """Per question: the window that holds its answer (or, unanswerable, the window nearest
    the question), and for an answerable one also the nearest window of another paragraph
    of the article, which does not answer it (the reader must learn that a passage on the
    topic is not an answer)."""
    seen: set[str] = set()
    for origin, folder in VERSIONS.items():
        if (repo / "explore").is_dir() and not (repo / folder).is_dir():
            continue  # a checked-out copy without this version
        for page in pages(repo, folder):
            title, paragraphs, questions = parse_page(page)
            if title in leave_out:
                continue
            wins = [windows(p) for p in paragraphs]
            for q in questions:
                if q.qid in seen:
                    continue
                seen.add(q.qid)
                words = content_words(q.question)
                own = wins[q.paragraph]
                if q.answers:
                    answer = Counter(q.answers).most_common(1)[0][0]
                    located = [(w, find_answer(w, answer)) for w in own]
                    located = [(w, s) for w, s in located if s >= 0]
                    if not located:
                        continue
                    w, s = max(located, key=lambda ws: overlap(words, ws[0]))
                    yield Example(q.qid, q.question, w, s, w[s : s + len(answer)], origin)
                    others = [w for k, ws in enumerate(wins) if k != q.paragraph for w in ws]
                    others = [w for w in others if find_answer(w, answer) < 0]
                    if others:
                        neg = max(others, key=lambda w: overlap(words, w))
                        yield Example(q.qid + "-other", q.question, neg, -1, "", origin)
                else:
                    yield Example(q.qid, q.question, max(own, key=lambda w: overlap(words, w)), -1, "", origin)
