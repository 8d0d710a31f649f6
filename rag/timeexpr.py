"""Time in a question, relative to the moment it is asked (``as_of``).

``parse_time`` turns "today", "this week", "last month", "in March", "since Monday",
"in 2023", "two weeks ago", … into a :class:`TimeScope`: a date window the
question is about, and whether it prefers recent news.  A news question is about
the present unless it names a past period ("in 2019", "last month"): "Which company
is being sued …?" asked on 5 January 2023 is about that week's news.  The preference
stays out of the way when the articles carry no dates (see the time stage).  Single dates are resolved by
``dateparser`` (relative to ``as_of``, preferring the past); the periods around
them are ours.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTHS_SHORT = r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "few": 3}  # fmt: skip
WEEK_DAYS = 7  # "this week", a briefing's default period: the 7 days up to the as-of date
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

_RECENT = re.compile(
    r"\b(recent(ly)?|latest|lately|newest|now|currently|current|nowadays|so far|as of|this (week|month|year)"
    r"|today|tonight|yesterday|past (few )?(days|weeks)|last (few )?(days|weeks)|just|breaking|ongoing)\b",
    re.IGNORECASE,
)
_SINCE = re.compile(
    rf"\bsince (?:last )?((?:{_WEEKDAYS})|(?:\d{{1,2}} )?(?:{_MONTHS})(?: \d{{1,2}})?(?:,? \d{{4}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.I,
)
_AGO = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|couple of|few) (day|week|month|year)s? ago\b", re.I
)
_IN_MONTH = re.compile(rf"\b(?:in|during|of|from) ((?:{_MONTHS}|{_MONTHS_SHORT})\.?)(?: (\d{{4}}))?\b", re.I)
_IN_YEAR = re.compile(r"\b(?:in|during|of|since) ((?:19|20)\d{2})\b", re.I)
# "in 2014-2015", "the 2014–15 season", "2019/20", "between 2014 and 2016", "from 2014 to 2016"
_YEARS = re.compile(
    r"(?<![-/\d])\b(?:(?:in|during|of|for|between|from) )?(?:the )?((?:19|20)\d{2})"
    r"(?:\s*[-–—/]\s*|\s+(?:and|to|through|until)\s+)((?:19|20)?\d{2})\b(?![-/]\d)",
    re.I,
)
_ON_DATE = re.compile(
    rf"\b(?:on )?((?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})\b", re.I
)
_ON_WEEKDAY = re.compile(rf"\b(?:on |last )?({_WEEKDAYS})\b", re.I)


@dataclass(frozen=True)
class TimeScope:
    """What a question says about time: a window (inclusive days) and a recency preference."""

    since: dt.date | None = None
    until: dt.date | None = None
    recency: bool = False
    expression: str = ""  # the words that set the window, for display
    asked: bool = False  # the question itself asks for the newest ("latest", "now"), not only by default

    @property
    def has_window(self) -> bool:
        return self.since is not None or self.until is not None


def shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held within the calendar (years 1 to 9999): "100000000 weeks ago",
    or a week before an as-of date of 0001-01-01, is the calendar's first day, not an overflow."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min if days < 0 else dt.date.max


def _parse(text: str, as_of: dt.date) -> dt.date | None:
    import dateparser

    settings: Any = {
        "RELATIVE_BASE": dt.datetime.combine(as_of, dt.time()),
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }
    try:
        got = dateparser.parse(text, languages=["en"], settings=settings)
    except (OverflowError, ValueError):  # "Monday" before an as-of date in year 1 is before the calendar
        return None
    return got.date() if got is not None else None


def _year_range(first: str, last: str) -> tuple[int, int] | None:
    """ "2014", "2015" or "15" → (2014, 2015): a later year within a decade, else None (not a range)."""
    start = int(first)
    end = int(last) if len(last) == 4 else start // 100 * 100 + int(last)
    return (start, end) if start < end <= start + 10 else None


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_time(question: str, as_of: dt.date) -> TimeScope:
    """The time scope of ``question`` asked on ``as_of`` (see the module docstring)."""
    q = question.lower()
    recency = bool(_RECENT.search(q))
    window: tuple[dt.date, dt.date] | None = None
    words = ""
    if re.search(r"\btoday\b|\btonight\b", q):
        window, words = (as_of, as_of), "today"
    elif re.search(r"\byesterday\b", q):
        day = shift(as_of, -1)
        window, words = (day, day), "yesterday"
    elif re.search(r"\bthis week\b|\bpast week\b|\blast (?:seven|7) days\b|\b(?:this|past) weekend\b", q):
        window, words = (shift(as_of, -(WEEK_DAYS - 1)), as_of), "this week"  # 7 days, the as-of day the last
    elif re.search(r"\blast week\b", q):
        monday = shift(as_of, -as_of.weekday())  # the previous calendar week, Monday to Sunday
        window, words = (shift(monday, -7), shift(monday, -1)), "last week"
    elif re.search(r"\bthis month\b|\bpast month\b", q):
        window, words = (as_of.replace(day=1) if as_of.day > 7 else shift(as_of, -30), as_of), "this month"
    elif re.search(r"\blast month\b", q):
        prev = shift(as_of.replace(day=1), -1)
        window, words = _month_range(prev.year, prev.month), "last month"
    elif re.search(r"\bthis year\b|\bso far this year\b", q):
        window, words = (dt.date(as_of.year, 1, 1), as_of), "this year"
    elif re.search(r"\blast year\b", q) and as_of.year > dt.MINYEAR:
        window, words = (dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31)), "last year"
    elif m := _SINCE.search(question):
        start = _parse(m.group(1), as_of)
        if start is not None and start <= as_of:
            window, words = (start, as_of), m.group(0)
    elif m := _AGO.search(question):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1).lower()]
        unit = _UNIT_DAYS[m.group(2).lower()]
        point = shift(as_of, -n * unit)
        half = unit  # "two weeks ago": the week either side of that day
        window, words = (shift(point, -half), min(as_of, shift(point, half))), m.group(0)
    elif m := _IN_MONTH.search(question):
        got = _parse(f"{m.group(1)} {m.group(2) or ''}".strip(), as_of)
        if got is not None:
            window, words = _month_range(got.year, got.month), m.group(0)
    elif (m := _YEARS.search(question)) and (years := _year_range(m.group(1), m.group(2))):
        window, words = (dt.date(years[0], 1, 1), min(as_of, dt.date(years[1], 12, 31))), m.group(0)
    elif m := _IN_YEAR.search(question):
        year = int(m.group(1))
        window, words = (dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))), m.group(0)
    elif m := _ON_DATE.search(question):
        on = _parse(m.group(1), as_of)
        if on is not None:
            window, words = (shift(on, -1), shift(on, 2)), m.group(0)
    elif m := _ON_WEEKDAY.search(question):
        weekday = _parse(m.group(1), as_of)
        if weekday is not None:
            window, words = (weekday, min(as_of, shift(weekday, 2))), m.group(0)
    if window is None:
        return TimeScope(recency=True, asked=recency)  # no period named: news about the present
    since, until = window
    past = until < shift(as_of, -31)  # a past period: no preference for the newest
    ongoing = until >= shift(as_of, -2)  # "since Monday", "this week": about the present
    return TimeScope(
        since=since, until=min(until, as_of), recency=(recency or ongoing) and not past, expression=words.strip()
    )
