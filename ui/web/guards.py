"""Who may use the server and how much: the login's limit, the questions' limit, the
warning when it is open to the network, and the check that its port is free."""

from __future__ import annotations

import hmac
import logging
import socket
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from vectorstore.errors import InputError

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


LOGIN_MESSAGE = (
    "After 5 wrong passwords within a minute from one address, logins from it pause for a minute "
    "after the last one (after 20 for one account from anywhere, that account's do)."
)
# The address the request being answered came from (set by ClientAddress for the login route:
# Gradio's login check is told the name and the password only).
REQUEST_CLIENT: ContextVar[str] = ContextVar("newsrag_request_client", default="local")


class ClientAddress:
    """ASGI middleware: keeps the login request's client address in :data:`REQUEST_CLIENT`
    (uvicorn has set it from X-Forwarded-For only when the sender is a trusted proxy)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not str(scope.get("path", "")).rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        token = REQUEST_CLIENT.set(str((scope.get("client") or ("unknown",))[0]))
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_CLIENT.reset(token)


class LoginGuard:
    """Gradio's login check, with limits: after ``tries`` wrong passwords within ``window`` seconds
    from one client address, that address's logins are refused (the right password too) until
    ``window`` seconds after its last wrong one; after ``account_tries`` wrong ones for one account
    from anywhere, that account's are.  So a password cannot be guessed at the speed of the network,
    and no one can keep every user out (the limit was global: one request every 12 s did it).
    ``client``: the address asking (:data:`REQUEST_CLIENT`); the log says when a limit holds."""

    def __init__(self, accounts: dict[str, str], tries: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, account_tries: int = 20,
                 client: Callable[[], str] = REQUEST_CLIENT.get) -> None:  # fmt: skip
        self.accounts, self.tries, self.window, self.clock = dict(accounts), tries, window, clock
        self.account_tries, self.client = account_tries, client
        self._wrong: dict[str, list[float]] = {}  # "client:ADDRESS" or "account:NAME" -> wrong tries' times
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._wrong.get(key, []) if now - t < self.window]
        if recent:
            self._wrong[key] = recent
        else:
            self._wrong.pop(key, None)
        return recent

    def __call__(self, user: str, password: str) -> bool:
        now, client = self.clock(), self.client()
        by_client, by_account = f"client:{client}", f"account:{user}"
        with self._lock:
            self._wrong = {k: ts for k, ts in self._wrong.items() if now - ts[-1] < self.window}  # idle ones go
            if len(self._recent(by_client, now)) >= self.tries:
                log.warning("login refused: %d wrong passwords from %s in the last %g s", self.tries, client,
                            self.window)  # fmt: skip
                return False
            if len(self._recent(by_account, now)) >= self.account_tries:
                log.warning("login refused: %d wrong passwords for one account in the last %g s", self.account_tries,
                            self.window)  # fmt: skip
                return False
            right = False
            for name, secret in self.accounts.items():  # every account compared, in constant time each
                right |= hmac.compare_digest(user.encode(), name.encode()) & hmac.compare_digest(
                    password.encode(), secret.encode()
                )
            if not right:
                for key in (by_client, by_account):
                    self._wrong.setdefault(key, []).append(now)
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
