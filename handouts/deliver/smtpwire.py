"""Deliver stage, email: the SMTP wire. One deadline over a whole conversation, and
server replies scrubbed of the password in every form it was sent in.

smtplib's timeout is per socket operation: a server that greets with endless `220-`
lines, or sends a byte every 20 s, would hold a send forever. Here every read and write
gets only the time left until the conversation's deadline.
"""

from __future__ import annotations

import base64
import binascii
import io
import quopri
import re
import smtplib
import time
from urllib.parse import quote

PER_OPERATION = 30  # seconds: no single read or write waits longer than this


class _DeadlineReader(io.RawIOBase):
    """The socket as a file whose every read waits only for the time left."""

    def __init__(self, sock, deadline: float):
        self.sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(time_left(self.deadline))
        try:
            return self.sock.recv_into(buffer)
        except TimeoutError:
            time_left(self.deadline)  # the deadline, not one slow read: say so
            raise


_EXPIRED = ("the server did not finish within the time allowed for the whole "
            "conversation (HANDOUTS_SMTP_DEADLINE)")


def time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0.01:
        raise TimeoutError(_EXPIRED)
    return min(left, PER_OPERATION)


class _Timed:
    """smtplib.SMTP with a deadline (set before connecting) over every read and send."""

    deadline = 0.0

    def getreply(self):
        if self.file is None and self.sock is not None:  # (again after STARTTLS)
            self.file = io.BufferedReader(_DeadlineReader(self.sock, self.deadline))
        return super().getreply()

    def send(self, s):
        if self.sock is not None:
            self.sock.settimeout(time_left(self.deadline))
        return super().send(s)


class TimedSMTP(_Timed, smtplib.SMTP):
    def __init__(self, host: str, port: int, seconds: float):
        self.deadline = time.monotonic() + seconds
        super().__init__(host, port, timeout=min(seconds, PER_OPERATION))


class TimedSMTP_SSL(_Timed, smtplib.SMTP_SSL):
    def __init__(self, host: str, port: int, seconds: float, context):
        self.deadline = time.monotonic() + seconds
        super().__init__(host, port, timeout=min(seconds, PER_OPERATION), context=context)


# -- secrets never shown ---------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{6,}")


def secret_forms(user: str, password: str) -> list[str]:
    """How the password can travel in an AUTH exchange (and so be echoed back): as is,
    base64 alone (LOGIN) or with the user (PLAIN), quoted-printable, URL-quoted."""
    raw = password.encode("utf-8")
    pieces = [raw, b"\0" + user.encode() + b"\0" + raw,
              user.encode() + b"\0" + user.encode() + b"\0" + raw]
    forms = [password, quopri.encodestring(raw).decode("ascii").strip(), quote(password)]
    forms += [base64.b64encode(p).decode("ascii") for p in pieces]
    forms += [f.rstrip("=") for f in forms]
    return sorted({f for f in forms if f}, key=len, reverse=True)


def scrub(text: str, user: str, password: str) -> str:
    """`text` with every form of the password replaced by ***, and any base64-looking
    token that decodes to something holding it (at any alignment) too."""
    if not password:
        return text
    for form in secret_forms(user, password):
        text = text.replace(form, "***")
    return _TOKEN.sub(lambda m: "***" if _hides(m.group(), password) else m.group(), text)


def _hides(token: str, password: str) -> bool:
    secret = password.encode("utf-8")
    for shift in range(4):
        body = token[shift:].replace("-", "+").replace("_", "/").rstrip("=")
        body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
        try:
            decoded = base64.b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            continue
        if secret in decoded or (len(secret) >= 6 and secret[: len(decoded)] == decoded
                                 and len(decoded) >= 6):
            return True
    return False
