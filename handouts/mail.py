"""Mail stage: built handouts -> one email per patient, sent over verified TLS or saved as .eml.

Everything (addresses, subject, pages, PDFs, every message) is checked before the first
byte goes to a server; a send never retries, and always reports who got it and who did not.
Never logs or prints the SMTP password.
"""

from __future__ import annotations

import html
import os
import re
import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, localtime, make_msgid
from pathlib import Path

from .errors import HandoutError

TIMEOUT = 30  # seconds per network operation; a hung server must not hang the clinic
LOCALHOST = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# Exchange refuses 10 MB by default and base64 adds a third: keep the raw PDFs below that.
MAX_ATTACHMENTS_BYTES = 7 * 1024 * 1024
MAX_MESSAGE_BYTES = 64 * 1024
MAX_SUBJECT = 200
# Strict on purpose: a bare ASCII dot-atom local part and a dotted domain. No quotes, no
# comments, no display names, no lists: anything a mail client could read differently.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_FILENAME_UNSAFE = re.compile(r"[^\w ().,+&'-]+")
_POLICY = policy.SMTP.clone(raise_on_defect=True)


# -- checks of what the user typed -----------------------------------------------------

def check_header_text(text: str, what: str, file: object = None) -> str:
    """Reject header text that could end a header or smuggle one in (CVE-2024-6923 class)."""
    if _CONTROL.search(text):
        raise HandoutError(f"{what}: line breaks and control characters are not allowed", file)
    if "=?" in text:  # an RFC 2047 encoded word could decode to a line break downstream
        raise HandoutError(f"{what}: encoded words ('=?') are not allowed: {text[:60]!r}", file)
    return text


def check_address(text: str, what: str = "--to") -> str:
    """A single bare address such as patient@example.org, or HandoutError saying why not."""
    check_header_text(text, what)
    shown = text if len(text) <= 80 else text[:77] + "..."
    if len(text) > 254 or not _ADDRESS.match(text):
        raise HandoutError(f"{what}: {shown!r} is not a single plain address like "
                           "name@example.org (no display name, quotes, commas or spaces)")
    try:  # the standard parser must read it as exactly the same single address
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError) as exc:
        raise HandoutError(f"{what}: {shown!r} is not a valid address ({exc})") from None
    if parsed.addr_spec != text or parsed.display_name:
        raise HandoutError(f"{what}: {shown!r} is not read back as the same address")
    return text


def check_recipients(recipients) -> tuple[str, ...]:
    """Every --to checked; a repeat is an error (it would send the same patient two emails)."""
    seen: set[str] = set()
    for address in recipients:
        if check_address(address).lower() in seen:
            raise HandoutError(f"--to: {address!r} is given twice")
        seen.add(address.lower())
    if not recipients:
        raise HandoutError("--to: give at least one address")
    return tuple(recipients)


def check_sender(text: str, what: str) -> Address:
    """`from:` as `clinic@example.org` or `Clinic name <clinic@example.org>`."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", text)
    name, addr = (match.group(1).strip('"'), match.group(2)) if match else ("", text.strip())
    check_header_text(name, what)
    if any(c in name for c in '"<>@,;:\\'):
        raise HandoutError(f"{what}: the display name must not contain \" < > @ , ; : \\")
    return Address(display_name=name, addr_spec=check_address(addr, what))


def check_subject(text: str, what: str = "--subject") -> str:
    check_header_text(text, what)
    if not text.strip() or len(text) > MAX_SUBJECT:
        raise HandoutError(f"{what}: expected 1 to {MAX_SUBJECT} characters")
    return text.strip()


def read_message(text: str | None, path: Path | None) -> str | None:
    """The body from --message or --message-file: text with line breaks, nothing hidden."""
    if path is not None:
        try:
            if path.stat().st_size > MAX_MESSAGE_BYTES:
                raise HandoutError(f"larger than {MAX_MESSAGE_BYTES // 1024} KiB", path)
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise HandoutError(f"cannot read message: {exc}", path) from None
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise HandoutError("message: control characters are not allowed", path)
    return text


# -- SMTP settings: config file, then environment --------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    sender: Address
    cafile: Path | None = None
    password: str = field(default="", repr=False)  # repr=False: never in a traceback

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _setting(smtp, env, key: str, var: str) -> tuple[str, str]:
    """(value, where it came from): the environment variable wins over handouts.yaml."""
    if env.get(var, "") != "":
        return env[var].strip(), var
    value = getattr(smtp, key) if smtp is not None else ""
    return str(value or "").strip(), f"smtp.{'from' if key == 'sender' else key}"


def smtp_settings(smtp, env=os.environ) -> SmtpSettings:
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
    settings = SmtpSettings(host, _port(port, port_src, security), security, user,
                            check_sender(sender, sender_src), _cafile(env), password)
    tls_context(settings)  # a bad CA file is an error now, before anything is built
    return settings


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


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """System trust store plus HANDOUTS_SMTP_CAFILE; host name and certificate checked."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.cafile is not None:
        try:
            context.load_verify_locations(cafile=str(settings.cafile))
        except (ssl.SSLError, OSError) as exc:
            raise HandoutError(f"HANDOUTS_SMTP_CAFILE: not a CA certificate file ({exc})",
                               settings.cafile) from None
    return context


# -- attachments: the built PDFs ------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    filename: str  # from the drug title: never anything about the patient
    data: bytes
    warnings: tuple[str, ...] = ()


def attachment_name(title: str, source: object) -> str:
    """`Ixabepilone - patient information.pdf`: readable, and safe in any mail client."""
    check_header_text(title, "title (used in the attachment name)", source)
    safe = " ".join(_FILENAME_UNSAFE.sub(" ", title).split()).strip(" .-")[:80]
    return f"{safe or 'Handout'} - patient information.pdf"


def attachments_for(pages, settings, out_dir: Path) -> tuple[Attachment, ...]:
    """One PDF per page, from the same incremental build as `handouts build` (so the
    config's header and phone numbers are in it, and an up-to-date PDF is reused)."""
    from .output import build_batch
    from .parse import read_page
    from .workspace import output_path

    pages = list(dict.fromkeys(pages))  # the same page named twice is attached once
    result = build_batch(pages, settings, out_dir, jobs=1)
    if result.failed or result.interrupted:
        raise HandoutError(result.failed[0] if result.failed else "interrupted")
    found: list[Attachment] = []
    for page in pages:
        drug = read_page(page.path, page.name)  # the title names the attachment
        data = output_path(out_dir, page.name).read_bytes()
        warnings = tuple(n.located(drug.source) for n in drug.warnings)
        found.append(Attachment(_unique(attachment_name(drug.title, page.path), found),
                                data, warnings))
    total = sum(len(a.data) for a in found)
    if total > MAX_ATTACHMENTS_BYTES:
        raise HandoutError(f"attachments total {total // 1024} KiB, more than mail servers "
                           f"accept ({MAX_ATTACHMENTS_BYTES // 1024} KiB): send fewer at once")
    return tuple(found)


def _unique(filename: str, found: list[Attachment]) -> str:
    """Two titles that clean to the same name get (2), (3), ..."""
    names, stem, n = {a.filename for a in found}, filename[:-4], 2
    while filename in names:
        filename, n = f"{stem} ({n}).pdf", n + 1
    return filename


# -- messages -------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """What the user asked for, unchecked: `prepare` checks every part of it."""

    names: tuple[str, ...]
    recipients: tuple[str, ...]
    subject: str | None = None
    message: str | None = None
    message_file: Path | None = None


@dataclass(frozen=True)
class Letter:
    """One finished message for one recipient, as the exact bytes to send or save."""

    recipient: str
    data: bytes
    attachments: tuple[Attachment, ...]

    def describe(self) -> str:
        names = ", ".join(a.filename for a in self.attachments)
        kib = max(1, round(sum(len(a.data) for a in self.attachments) / 1024))
        return f"{names} ({kib} KiB)"


def prepare(request: Request, config, settings, content: Path, out_dir: Path,
            sender: Address | None, draft: bool = False) -> list[Letter]:
    """Check everything and build every message; nothing leaves the machine here."""
    from .workspace import resolve

    recipients = check_recipients(request.recipients)
    if request.subject is not None:
        subject = check_subject(request.subject)
    else:  # the clinic's name comes from handouts.yaml: checked as strictly as --subject
        subject = check_subject(default_subject(config), "clinic.name (in the subject)")
    message = read_message(request.message, request.message_file)
    attachments = attachments_for(resolve(request.names, content), settings, out_dir)
    body = message if message is not None else default_body(config, attachments)
    return [Letter(r, compose(sender, r, subject, body, attachments, draft), attachments)
            for r in recipients]


def default_subject(config) -> str:
    # Deliberately no drug name: subjects show on lock screens and shared inboxes.
    return f"Patient information from {config.clinic.name or 'your care team'}"


def default_body(config, attachments) -> str:
    lines = ["Hello,", "",
             f"Attached is patient information from {config.clinic.name or 'your care team'}:",
             *(f"- {a.filename}" for a in attachments), ""]
    phone = f" at {config.care_team_phone}" if config.care_team_phone else ""
    lines.append(f"If you have questions, please call your care team{phone}.")
    return "\n".join(lines) + "\n"


def as_html(body: str, subject: str) -> str:
    """The plain text as simple HTML paragraphs; every bit of user text escaped."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", body) if p.strip()]
    inner = "\n".join(f"<p>{html.escape(p)}</p>".replace("\n", "<br>\n") for p in paragraphs)
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n<body>\n{inner}\n</body></html>\n")


def compose(sender: Address | None, recipient: str, subject: str, body: str,
            attachments, draft: bool = False) -> bytes:
    """The message for one recipient, read back and checked before it is returned."""
    msg = EmailMessage(policy=_POLICY)
    if sender is not None:
        msg["From"] = sender
    msg["To"] = Address(addr_spec=recipient)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(localtime())
    # An explicit domain: the default would look up (and reveal) this machine's name.
    msg["Message-ID"] = make_msgid(domain=sender.domain if sender else "handouts.invalid")
    if draft:
        msg["X-Unsent"] = "1"  # mail clients open the .eml as a draft ready to send
    msg.set_content(body)
    msg.add_alternative(as_html(body, subject), subtype="html")
    for attachment in attachments:
        msg.add_attachment(attachment.data, maintype="application", subtype="pdf",
                           filename=attachment.filename)
    data = msg.as_bytes()
    _check_read_back(data, recipient, subject, [a.filename for a in attachments])
    return data


def _check_read_back(data: bytes, recipient: str, subject: str, filenames) -> None:
    """Defence in depth: a header that a parser reads differently stops everything."""
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    allowed = {"from", "to", "subject", "date", "message-id", "mime-version",
               "content-type", "x-unsent"}
    keys = [k.lower() for k in parsed.keys()]
    problems = [
        len(keys) != len(set(keys)) or not set(keys) <= allowed,
        [a.addr_spec for a in parsed["To"].addresses] != [recipient],
        str(parsed["Subject"]) != subject,
        [p.get_filename() for p in parsed.iter_attachments()] != list(filenames),
    ]
    if any(problems):
        raise HandoutError(f"the message to {recipient} does not read back as written "
                           "(headers changed in encoding); nothing sent")


# -- sending --------------------------------------------------------------------------

@dataclass
class SendReport:
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


def send(letters, settings: SmtpSettings, on_sent=lambda line: None) -> SendReport:
    """Send each letter once, in order, on one verified connection; never retry."""
    report = SendReport(tuple(letter.recipient for letter in letters))
    try:
        with _session(settings) as (smtp, via):
            for letter in letters:
                if not _send_one(smtp, settings, letter, report):
                    break
                if letter.recipient in report.sent:
                    on_sent(f"sent to {letter.recipient}: {letter.describe()} via {via}")
    except _Failed as exc:
        report.stopped = f"{settings.where}: {exc}"
    if not report.stopped and not report.ok:
        report.stopped = f"{settings.where}: not every message was accepted"
    return report


def _send_one(smtp, settings: SmtpSettings, letter: Letter, report: SendReport) -> bool:
    """Send one letter; False when the connection can no longer be trusted to go on."""
    to = letter.recipient
    try:
        smtp.sendmail(settings.sender.addr_spec, [to], letter.data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = exc.recipients.get(to, (0, b"refused"))
        report.refused[to] = _said(code, text, settings)
        return True  # this address was refused; the next patient's message is unaffected
    except smtplib.SMTPResponseException as exc:
        report.refused[to] = _said(exc.smtp_code, exc.smtp_error, settings)
        # A permanent refusal of this message on an open connection: go on. A temporary
        # one (4xx, e.g. 421 closing) or a refused sender: stop; the rest are listed.
        return (exc.smtp_code >= 500 and smtp.sock is not None
                and not isinstance(exc, smtplib.SMTPSenderRefused))
    except (smtplib.SMTPException, OSError) as exc:
        report.unknown[to] = f"{_reason(exc, settings)} while sending"
        report.stopped = f"{settings.where}: connection lost"
        return False
    report.sent.append(to)
    return True


@contextmanager
def _session(settings: SmtpSettings):
    """A connected, encrypted, logged-in SMTP session, and how it is secured."""
    try:
        smtp = _open(settings)
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        raise _Failed(_reason(exc, settings)) from None
    try:
        yield smtp, _via(smtp, settings)
    finally:
        _close(smtp)


def _open(settings: SmtpSettings):
    context = tls_context(settings)
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)  # raises if the server does not offer it
        if settings.username:
            smtp.login(settings.username, settings.password)
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _via(smtp, settings: SmtpSettings) -> str:
    version = getattr(smtp.sock, "version", None)
    return f"{settings.where} ({version() if version else 'unencrypted, localhost only'})"


def _reason(exc: BaseException, settings: SmtpSettings) -> str:
    """A short, specific reason for one line, with the password scrubbed out."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        text = (f"TLS certificate not trusted ({exc.verify_message}); for a private CA "
                "set HANDOUTS_SMTP_CAFILE")
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed ({exc.reason or exc})"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        text = (f"login refused for {settings.username!r} "
                f"({_said(exc.smtp_code, exc.smtp_error, settings)})")
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc):
        text = "server does not offer STARTTLS; will not send unencrypted"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"server said {_said(exc.smtp_code, exc.smtp_error, settings)}"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused (is the server running, and is the port right?)"
    elif isinstance(exc, socket.gaierror):
        text = f"host not found ({exc.strerror})"
    elif isinstance(exc, TimeoutError):
        text = f"no answer within {TIMEOUT} s"
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc).rstrip(".") or type(exc).__name__
    return _scrub(text, settings)


def _said(code: int, text, settings: SmtpSettings) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text).split())
    return _scrub(f"{code} {text[:200]}", settings)


def _scrub(text: str, settings: SmtpSettings) -> str:
    # A server may echo what it was sent; the password must never reach a terminal or log.
    return text.replace(settings.password, "***") if settings.password else text


# -- drafts ---------------------------------------------------------------------------

def write_drafts(letters, path: Path) -> list[Path]:
    """One .eml per recipient: FILE.eml, or FILE-1.eml, FILE-2.eml ... (never an address
    in a file name: file names are seen by more people than the files)."""
    from .output import write_atomic

    if path.suffix.lower() != ".eml":
        raise HandoutError("--eml: the file name must end in .eml", path)
    if len(letters) == 1:
        paths = [path]
    else:
        paths = [path.with_name(f"{path.stem}-{i}{path.suffix}")
                 for i in range(1, len(letters) + 1)]
    for target, letter in zip(paths, letters):
        write_atomic(target, letter.data)
    return paths
