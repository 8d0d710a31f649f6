"""What a user asks a question *as of*, and the explicit filters beside the question box."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore.article import parse_date
from vectorstore.errors import InputError


@dataclass(frozen=True)
class Filters:
    """``as_of``: the moment the question is asked (None: today); nothing published after it
    is used.  ``since``/``until``: a date range (inclusive).  ``sources``: outlets."""

    as_of: dt.date | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    sources: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        as_of: object = None,
        since: object = None,
        until: object = None,
        sources: str | Sequence[str] | None = None,
    ) -> Filters:
        """From user input (YYYY-MM-DD strings, an outlet or a comma-separated list);
        raises InputError naming the field."""

        def day(name: str, value: object) -> dt.date | None:
            if isinstance(value, dt.date):
                return value
            if value is not None and not isinstance(value, str):
                raise InputError(f"{name} must be a date as text (YYYY-MM-DD), not {type(value).__name__}.")
            try:
                got = parse_date(value)
            except ValueError as e:
                raise InputError(f"{name}: {e}.") from None
            return dt.date.fromisoformat(got) if got else None

        if isinstance(sources, str):
            names = tuple(s.strip() for s in sources.split(",") if s.strip())
        elif sources is None:
            names = ()
        elif isinstance(sources, list | tuple) and all(isinstance(s, str) for s in sources):
            names = tuple(s.strip() for s in sources if s.strip())
        else:
            raise InputError("source must be an outlet name or a list of them (text).")
        f = cls(as_of=day("as_of", as_of), since=day("since", since), until=day("until", until), sources=names)
        if f.since and f.until and f.since > f.until:
            raise InputError(f"since ({f.since}) is after until ({f.until}): swap them.")
        return f

    def as_of_or_today(self) -> dt.date:
        return self.as_of or dt.date.today()
