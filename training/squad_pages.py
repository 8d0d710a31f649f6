"""SQuAD 2.0 and 1.1 dev, and 1.1 train (CC BY-SA 4.0), rebuilt from the explorer's per-article pages.

The ``gh-pages`` branch of ``rajpurkar/SQuAD-explorer`` (``fetch github:rajpurkar/SQuAD-explorer``)
holds one page per article under ``explore/v2.0/dev/`` and ``explore/1.1/dev/``: each paragraph
with its questions and their gold answers (``<No Answer>`` for SQuAD 2.0's unanswerable ones).
Its history holds SQuAD 1.1's training set the same way: commit ``13f82e3`` (2016-08-24) has
``explore/1.1/train/`` (442 articles, 87,599 questions, all answerable), read with ``git show``
(:func:`train_examples`); its unanswerable examples are made as SQuAD 2.0 made them, a question
paired with another paragraph of its article that does not hold the answer.
The pages give no answer offsets: the answer given most often is located in its paragraph
(first whole-word occurrence).  A question in both versions is kept once.  The articles of
``squad2-dev-5`` (where figures are reported) are left out, matched by title.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.examples import Example, content_words, find_answer, overlap, windows

VERSIONS = {"squad2": "explore/v2.0/dev", "squad1": "explore/1.1/dev"}
TRAIN_COMMIT = "13f82e3"  # the last commit whose tree holds SQuAD 1.1 train's pages
TRAIN_FOLDER = "explore/1.1/train"
TRAIN_ORIGIN = "squad1-train"
PARA = re.compile(r'<div class="para-wrap">.*?<pre>(.*?)</pre>(.*?)(?=<div class="para-wrap">|$)', re.S)
# the 2016 train pages have no question ids and list answers in <ol>
QA = re.compile(
    r'<div class="qa-wrap"(?: data-id="([^"]+)")?>.*?<strong class="question">(.*?)</strong>(.*?)</[uo]l>', re.S
)
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
            question = html.unescape(q).strip()
            qid = qid or "s" + hashlib.sha1(f"{title}\n{k}\n{question}".encode()).hexdigest()[:16]
            questions.append(Question(qid, title, k, question, gold))
    return title, paragraphs, questions


def pages_at(repo: Path, ref: str, folder: str) -> Iterator[str]:
    """The pages of ``folder`` in commit ``ref`` of the repository (a clone with its history)."""
    gd = git_dir_of(repo)
    try:
        names = _git(gd, "ls-tree", "-r", "--name-only", ref, "--", folder + "/").split("\n")
    except subprocess.CalledProcessError as e:
        raise SystemExit(
            f"{repo} has no commit {ref} with {folder}/ ({e.stderr.strip()}): it must be a copy of "
            "rajpurkar/SQuAD-explorer with its history (a full clone, not a shallow one)."
        ) from None
    for name in sorted(names):
        if name.endswith(".html") and not name.endswith("/index.html"):
            yield _git(gd, "show", f"{ref}:{name}")


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
            yield from page_examples(page, origin, leave_out, seen)


def train_examples(repo: Path, leave_out: set[str], negatives: float = 1.0,
                   ref: str = TRAIN_COMMIT) -> Iterator[Example]:  # fmt: skip
    """SQuAD 1.1 train from commit ``ref``: each question's answer window, and for a share
    ``negatives`` of them (chosen by a hash of the question's id, so always the same ones) the
    nearest window of another paragraph of the article that does not hold the answer."""
    seen: set[str] = set()
    for page in pages_at(repo, ref, TRAIN_FOLDER):
        yield from page_examples(page, TRAIN_ORIGIN, leave_out, seen, negatives)


def _chosen(qid: str, share: float) -> bool:
    return int(hashlib.sha1(qid.encode()).hexdigest()[:8], 16) < share * 0x100000000


def page_examples(page: str, origin: str, leave_out: set[str], seen: set[str],
                  negatives: float = 1.0) -> Iterator[Example]:  # fmt: skip
    """One article page's examples (see :func:`examples`); ``seen``: question ids already given."""
    title, paragraphs, questions = parse_page(page)
    if title in leave_out:
        return
    wins = [windows(p) for p in paragraphs]
    for q in questions:
        if q.qid in seen:
            continue
        seen.add(q.qid)
        words = content_words(q.question)
        own = wins[q.paragraph]
        if not q.answers:
            yield Example(q.qid, q.question, max(own, key=lambda w: overlap(words, w)), -1, "", origin)
            continue
        answer = Counter(q.answers).most_common(1)[0][0]
        located = [(w, find_answer(w, answer)) for w in own]
        located = [(w, s) for w, s in located if s >= 0]
        if not located:
            continue
        w, s = max(located, key=lambda ws: overlap(words, ws[0]))
        yield Example(q.qid, q.question, w, s, w[s : s + len(answer)], origin)
        if not _chosen(q.qid, negatives):
            continue
        others = [w for k, ws in enumerate(wins) if k != q.paragraph for w in ws]
        others = [w for w in others if find_answer(w, answer) < 0]
        if others:
            neg = max(others, key=lambda w: overlap(words, w))
            yield Example(q.qid + "-other", q.question, neg, -1, "", origin)
