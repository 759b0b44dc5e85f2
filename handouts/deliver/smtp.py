"""Deliver stage: SMTP. The server's settings (handouts.yaml, then the environment), a
verified TLS connection, and sending each prepared message once.

A send never retries and always reports who got it and who did not. Never logs or prints
the SMTP password: every server reply is scrubbed before it is shown.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path

from ..errors import HandoutError
from .mail import Letter, check_header_text, check_sender
from .smtpwire import PER_OPERATION, TimedSMTP, TimedSMTP_SSL, scrub

DEADLINE = 120  # seconds for a whole conversation (HANDOUTS_SMTP_DEADLINE): a server
                # that trickles a byte at a time or greets without end is cut off
LOCALHOST = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str
    username: str
    sender: Address
    cafile: Path | None = None
    password: str = field(default="", repr=False)  # repr=False: never in a traceback
    deadline: float = DEADLINE

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _setting(smtp, env, key: str, var: str) -> tuple[str, str]:
    """(value, where it came from): the environment variable wins over handouts.yaml."""
    if env.get(var, "") != "":
        return env[var].strip(), var
    value = getattr(smtp, key) if smtp is not None else ""
    return str(value or "").strip(), f"smtp.{'from' if key == 'sender' else key}"


def smtp_server(smtp, env=os.environ) -> SmtpServer:
    """Settings for sending, validated before anything is built or sent."""
    host, host_src = _setting(smtp, env, "host", "HANDOUTS_SMTP_HOST")
    security, sec_src = _setting(smtp, env, "security", "HANDOUTS_SMTP_SECURITY")
    port, port_src = _setting(smtp, env, "port", "HANDOUTS_SMTP_PORT")
    user, _ = _setting(smtp, env, "username", "HANDOUTS_SMTP_USER")
    sender, sender_src = _setting(smtp, env, "sender", "HANDOUTS_SMTP_FROM")
    security = _check_security(host, host_src, (security or "starttls").lower(), sec_src)
    if not sender:
        raise HandoutError("no sender: set smtp.from in handouts.yaml or HANDOUTS_SMTP_FROM")
    password = env.get("HANDOUTS_SMTP_PASSWORD", "")
    if user and not password:
        raise HandoutError("HANDOUTS_SMTP_PASSWORD is not set (needed to log in as "
                           f"{user!r}; it is read only from the environment)")
    server = SmtpServer(host, _port(port, port_src, security), security, user,
                        check_sender(sender, sender_src), _cafile(env), password,
                        _deadline(env))
    tls_context(server)  # a bad CA file is an error now, before anything is built
    return server


def _check_security(host: str, host_src: str, security: str, source: str) -> str:
    """TLS unless the server is this machine: patient data never crosses a wire in clear."""
    if not host:
        raise HandoutError("no SMTP server: set smtp.host in handouts.yaml or HANDOUTS_SMTP_HOST")
    check_header_text(host, host_src)
    if security not in DEFAULT_PORTS:
        raise HandoutError(f"{source}: expected starttls, ssl or none, found {security!r}")
    if security == "none" and host.lower().strip("[]") not in LOCALHOST:
        raise HandoutError(f"{source}: 'none' (unencrypted) is allowed only for localhost; "
                           f"{host!r} needs starttls or ssl")
    return security


def _port(value: str, source: str, security: str) -> int:
    if value in ("", "0"):
        return DEFAULT_PORTS[security]
    port = int(value) if value.isdigit() and len(value) <= 5 else 0
    if not 1 <= port <= 65535:
        raise HandoutError(f"{source}: expected a port from 1 to 65535, found {value!r}")
    return port


def _deadline(env) -> float:
    value = env.get("HANDOUTS_SMTP_DEADLINE", "").strip()
    if not value:
        return DEADLINE
    seconds = float(value) if value.replace(".", "", 1).isdigit() else 0.0
    if not 1 <= seconds <= 3600:
        raise HandoutError(f"HANDOUTS_SMTP_DEADLINE: expected seconds from 1 to 3600, "
                           f"found {value!r}")
    return seconds


def _cafile(env) -> Path | None:
    value = env.get("HANDOUTS_SMTP_CAFILE", "")
    if not value:
        return None
    if not Path(value).is_file():
        raise HandoutError("HANDOUTS_SMTP_CAFILE: file not found", value)
    return Path(value)


def draft_sender(smtp, env=os.environ) -> Address | None:
    """The From of a draft: optional (the mail client that opens it fills in its own)."""
    sender, source = _setting(smtp, env, "sender", "HANDOUTS_SMTP_FROM")
    return check_sender(sender, source) if sender else None


def tls_context(server: SmtpServer) -> ssl.SSLContext:
    """System trust store plus HANDOUTS_SMTP_CAFILE; host name and certificate checked."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if server.cafile is not None:
        try:
            context.load_verify_locations(cafile=str(server.cafile))
        except (ssl.SSLError, OSError) as exc:
            raise HandoutError(f"HANDOUTS_SMTP_CAFILE: not a CA certificate file ({exc})",
                               server.cafile) from None
    return context


@dataclass
class SendOutcome:
    """Who got it, who did not and why: the user decides what to resend, never this code."""

    recipients: tuple[str, ...]
    sent: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # server said no: not delivered
    unknown: dict[str, str] = field(default_factory=dict)  # cut off mid-send: may be there
    stopped: str = ""  # what ended the run early

    @property
    def ok(self) -> bool:
        return len(self.sent) == len(self.recipients)

    def summary(self) -> str:
        """One line: the reason, then every recipient in exactly one group."""
        done = {*self.sent, *self.refused, *self.unknown}
        waiting = [r for r in self.recipients if r not in done]
        parts = [self.stopped] if self.stopped else []
        parts.append(f"sent {len(self.sent)} of {len(self.recipients)}: "
                     f"sent to {', '.join(self.sent) or 'nobody'}")
        parts += [f"NOT sent to {r} ({why})" for r, why in self.refused.items()]
        parts += [f"UNKNOWN whether {r} got it ({why}): check before resending"
                  for r, why in self.unknown.items()]
        if waiting:
            parts.append(f"NOT sent to {', '.join(waiting)} (not attempted)")
        return "; ".join(parts)


class _Failed(Exception):
    """Connecting, TLS or login failed: nothing was sent on this connection."""


def send(letters, server: SmtpServer, on_sent=lambda line: None) -> SendOutcome:
    """Send each letter once, in order, on one verified connection; never retry."""
    outcome = SendOutcome(tuple(letter.recipient for letter in letters))
    try:
        with _session(server) as (smtp, via):
            for letter in letters:
                if not _send_one(smtp, server, letter, outcome):
                    break
                if letter.recipient in outcome.sent:
                    on_sent(f"sent to {letter.recipient}: {letter.describe()} via {via}")
    except _Failed as exc:
        outcome.stopped = f"{server.where}: {exc}"
    if not outcome.stopped and not outcome.ok:
        outcome.stopped = f"{server.where}: not every message was accepted"
    return outcome


def _send_one(smtp, server: SmtpServer, letter: Letter, outcome: SendOutcome) -> bool:
    """Send one letter; False when the connection can no longer be trusted to go on."""
    to = letter.recipient
    if smtp.sock is None:  # the server closed the connection after the last message
        outcome.stopped = f"{server.where}: the server closed the connection"
        return False  # this one and the rest were never tried: listed as not attempted
    try:
        smtp.sendmail(server.sender.addr_spec, [to], letter.data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = exc.recipients.get(to, (0, b"refused"))
        outcome.refused[to] = _said(code, text, server)
        # this address was refused; the next patient's message is unaffected, unless
        # the server also closed the connection (421)
        return smtp.sock is not None
    except smtplib.SMTPResponseException as exc:
        outcome.refused[to] = _said(exc.smtp_code, exc.smtp_error, server)
        # A permanent refusal of this message on an open connection: go on. A temporary
        # one (4xx, e.g. 421 closing) or a refused sender: stop; the rest are listed.
        return (exc.smtp_code >= 500 and smtp.sock is not None
                and not isinstance(exc, smtplib.SMTPSenderRefused))
    except (smtplib.SMTPException, OSError) as exc:
        outcome.unknown[to] = f"{_reason(exc, server)} while sending"
        outcome.stopped = f"{server.where}: connection lost"
        return False
    outcome.sent.append(to)
    return True


@contextmanager
def _session(server: SmtpServer):
    """A connected, encrypted, logged-in SMTP session, and how it is secured."""
    try:
        smtp = _open(server)
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        raise _Failed(_reason(exc, server)) from None
    try:
        yield smtp, _via(smtp, server)
    finally:
        _close(smtp)


def _open(server: SmtpServer):
    context = tls_context(server)
    if server.security == "ssl":
        smtp = TimedSMTP_SSL(server.host, server.port, server.deadline, context)
    else:
        smtp = TimedSMTP(server.host, server.port, server.deadline)
    try:
        if server.security == "starttls":
            smtp.starttls(context=context)  # raises if the server does not offer it
        if server.username:
            smtp.login(server.username, server.password)
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _via(smtp, server: SmtpServer) -> str:
    version = getattr(smtp.sock, "version", None)
    return f"{server.where} ({version() if version else 'unencrypted, localhost only'})"


def _reason(exc: BaseException, server: SmtpServer) -> str:
    """A short, specific reason for one line, with the password scrubbed out."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        text = (f"TLS certificate not trusted ({exc.verify_message}); for a private CA "
                "set HANDOUTS_SMTP_CAFILE")
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed ({exc.reason or exc})"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        text = (f"login refused for {server.username!r} "
                f"({_said(exc.smtp_code, exc.smtp_error, server)})")
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc):
        text = "server does not offer STARTTLS; will not send unencrypted"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"server said {_said(exc.smtp_code, exc.smtp_error, server)}"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused (is the server running, and is the port right?)"
    elif isinstance(exc, socket.gaierror):
        text = f"host not found ({exc.strerror})"
    elif isinstance(exc, TimeoutError) and "HANDOUTS_SMTP_DEADLINE" in str(exc):
        text = f"{exc} ({server.deadline:g} s)"
    elif isinstance(exc, TimeoutError):
        text = f"no answer within {PER_OPERATION} s"
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc).rstrip(".") or type(exc).__name__
    return _scrub(text, server)


def _said(code: int, text, server: SmtpServer) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text).split())
    return _scrub(f"{code} {text[:200]}", server)


def _scrub(text: str, server: SmtpServer) -> str:
    # A server may echo what it was sent (the base64 AUTH argument too); the password
    # must never reach a terminal or log in any form.
    return scrub(text, server.username, server.password)
