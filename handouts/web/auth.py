"""Web layer: who may use the front desk. Users with argon2 password hashes (a file
outside content/, written by `handouts user add`), sessions, CSRF tokens and the
login rate limit.

Never stores or logs a password; the users file holds names and argon2id hashes only.
A session lives in a signed cookie and in this process's table of live sessions, so
logging out (or restarting the server) ends it even if the cookie was copied.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import threading
import time
from pathlib import Path

from ..errors import HandoutError

USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
MAX_FAILURES, WINDOW = 5, 15 * 60  # failed logins per address or user, per window (s)
MAX_TRACKED = 10_000
HEADER = "# handouts users: NAME: argon2id hash (made by `handouts user add NAME`)\n"


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory parameters


def check_user_name(name: str) -> str:
    if not USER_NAME.match(name):
        raise HandoutError(f"user name {name[:40]!r}: expected 1-64 lower-case letters, "
                           "digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise HandoutError(f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} "
                           "characters")
    return password


class Users:
    """The users file: read again whenever it changes on disk."""

    def __init__(self, path: Path):
        self.path = path
        self._seen: tuple = ()
        self._hashes: dict[str, str] = {}

    def hashes(self) -> dict[str, str]:
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return {}
        if seen != self._seen:
            self._hashes, self._seen = read_users(self.path), seen
        return self._hashes

    def verify(self, name: str, password: str) -> bool:
        """True for the right password; as slow for an unknown user as for a known one."""
        from argon2.exceptions import Argon2Error, InvalidHashError

        stored = self.hashes().get(name.lower()) if len(password) <= MAX_PASSWORD else None
        try:
            return _hasher().verify(stored or _DUMMY.get(), password) and stored is not None
        except (Argon2Error, InvalidHashError):
            return False


class _Dummy:
    """A hash to verify against when the user does not exist (same time either way)."""

    def __init__(self):
        self._hash = ""

    def get(self) -> str:
        if not self._hash:
            self._hash = _hasher().hash(secrets.token_urlsafe(16))
        return self._hash


_DUMMY = _Dummy()


def read_users(path: Path) -> dict[str, str]:
    from ..settings.yamlsafe import load_yaml

    try:
        data = load_yaml(path.read_text(encoding="utf-8"), path) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise HandoutError(f"cannot read the users file: {exc}", path) from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict) or not all(
            isinstance(k, str) and USER_NAME.match(k) and isinstance(v, str)
            and v.startswith("$argon2") for k, v in users.items()):
        raise HandoutError("expected 'users:' with NAME: argon2 hash lines "
                           "(made by handouts user add NAME)", path)
    return dict(users)


def add_user(path: Path, name: str, password: str) -> bool:
    """Add or replace a user's hash; True when the user is new."""
    from ..deliver.files import write_atomic

    name, hashes = check_user_name(name), read_users(path) if path.exists() else {}
    new = name not in hashes
    hashes[name] = _hasher().hash(check_password(password))
    lines = [HEADER, "users:\n", *(f"  {n}: '{h}'\n" for n, h in sorted(hashes.items()))]
    write_atomic(path, "".join(lines).encode())
    os.chmod(path, 0o600)  # hashes are not for other accounts on the machine
    return new


class Limiter:
    """Failed logins per key (address, user name) in the last WINDOW seconds."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW):
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> int:
        """Seconds until these keys may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [self._recent(k, now) for k in keys]
        return max((int(self.window - (now - w[0])) + 1 for w in waits
                    if len(w) >= self.limit), default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > MAX_TRACKED:  # bounded memory under a flood
                self._failures = {k: v for k, v in self._failures.items()
                                  if now - v[-1] < self.window}
            for k in keys:
                self._failures.setdefault(k, []).append(now)

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, ()) if now - t < self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent


class Sessions:
    """Live session ids of this process: a logged-out cookie no longer works."""

    def __init__(self):
        self._live: set[str] = set()

    def start(self, session: dict, user: str) -> None:
        self.end(session)
        session["sid"] = sid = secrets.token_urlsafe(24)
        session["user"], session["csrf"] = user, secrets.token_urlsafe(32)
        self._live.add(sid)

    def user(self, session: dict) -> str | None:
        sid = session.get("sid")
        return session.get("user") if isinstance(sid, str) and sid in self._live else None

    def end(self, session: dict) -> None:
        self._live.discard(session.get("sid", ""))
        session.clear()


def csrf_token(session: dict) -> str:
    if not isinstance(session.get("csrf"), str):
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session: dict, sent) -> bool:
    token = session.get("csrf")
    return (isinstance(token, str) and isinstance(sent, str)
            and hmac.compare_digest(token.encode(), sent.encode()))
