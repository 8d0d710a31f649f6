"""Who may use the server and how much: the login's limit, the questions' limit, the
warning when it is open to the network, and the check that its port is free."""

from __future__ import annotations

import hmac
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from vectorstore.errors import InputError

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


LOGIN_MESSAGE = "After 5 wrong passwords within a minute, logins pause for a minute after the last one."


class LoginGuard:
    """Gradio's login check, with a limit: after ``tries`` wrong passwords within ``window`` seconds,
    every login is refused (the right password too) until ``window`` seconds after the last wrong one,
    so a password cannot be guessed at the speed of the network.  Gradio's check is not told who
    asks, so the limit is the account's; the log says when it holds."""

    def __init__(self, accounts: dict[str, str], tries: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.accounts, self.tries, self.window, self.clock = dict(accounts), tries, window, clock
        self._wrong: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, user: str, password: str) -> bool:
        now = self.clock()
        with self._lock:
            self._wrong = [t for t in self._wrong if now - t < self.window]
            if len(self._wrong) >= self.tries:
                log.warning("login refused: %d wrong passwords in the last %g s", len(self._wrong), self.window)
                return False
            right = False
            for name, secret in self.accounts.items():  # every account compared, in constant time each
                right |= hmac.compare_digest(user.encode(), name.encode()) & hmac.compare_digest(
                    password.encode(), secret.encode()
                )
            if not right:
                self._wrong.append(now)
            return right


class QuestionLimit:
    """At most ``per_minute`` questions a minute from one client address (0: no limit)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._asked: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        if not self.per_minute:
            return
        now = self.clock()
        with self._lock:
            self._asked = {c: ts for c, ts in self._asked.items() if now - ts[-1] < 60.0}  # idle ones go
            recent = [t for t in self._asked.get(client, []) if now - t < 60.0]
            if len(recent) >= self.per_minute:
                wait = 60.0 - (now - recent[0])
                raise InputError(
                    f"Too many questions: {self.per_minute} a minute is the limit here (NEWSRAG_QUESTIONS_PER_MINUTE). "
                    f"Ask again in {max(1, round(wait))} s."
                )
            self._asked[client] = [*recent, now]

    @property
    def clients(self) -> int:
        """How many client addresses are remembered (those that asked within the last minute)."""
        return len(self._asked)


def client_of(request: Any) -> str:
    """The address a request came from (a Gradio request; "local" when called directly)."""
    return str(getattr(getattr(request, "client", None), "host", "") or "local")


def auth_accounts(auth: str | None) -> dict[str, str] | None:
    """NEWSRAG_AUTH's accounts: ``user:password``, or several separated by commas."""
    if not auth:
        return None
    accounts: dict[str, str] = {}
    for entry in auth.split(","):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user or not password:
            raise InputError("NEWSRAG_AUTH must look like user:password (several: user:password,user2:password2).")
        if user in accounts:
            raise InputError(f"NEWSRAG_AUTH names the user {user!r} twice; give each user once.")
        accounts[user] = password
    return accounts


def exposure_warning(settings: Any) -> str | None:
    """A loud warning when the UI is reachable from other machines without a login."""
    if settings.host in LOOPBACK or settings.host.startswith("127.") or settings.auth:
        return None
    return (
        f"WARNING: the UI on {settings.host}:{settings.port} is open to every machine that can reach this one, "
        "with no login: anyone can read, add and delete articles. Set NEWSRAG_AUTH=user:password, "
        "or serve on 127.0.0.1 (the default)."
    )


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on.  SO_REUSEADDR, as uvicorn binds: the connections
    of a server that just stopped linger in TIME_WAIT, and they must not block its restart."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise InputError(
                f"Cannot serve on {host}:{port}: {e.strerror or e} (another newsrag or program may be using it). "
                "Stop it, or choose another port with --port or NEWSRAG_PORT."
            ) from None
