"""Deliver stage: email. Built handouts -> one message per patient, as the exact bytes to
send (smtp.py) or to save as an .eml draft.

Everything (addresses, subject, pages, PDFs, every message) is checked, and every message
read back, before anything leaves the machine. No patient detail is ever put in a file
name or a subject.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, localtime, make_msgid
from pathlib import Path

from ..errors import HandoutError
from ..safefile import read_limited
from ..read.parse import read_page
from ..read.lookup import resolve
from .batch import build_batch
from .files import check_new_file, write_atomic
from .handover import personalised

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
            text = read_limited(path, MAX_MESSAGE_BYTES, "message").decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise HandoutError(f"cannot read message: {exc}", path) from None
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise HandoutError("message: control characters are not allowed", path)
    return text


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


def attachments_for(pages, inputs, out_dir: Path, handover=None) -> tuple[Attachment, ...]:
    """One PDF per page, from the same incremental build as `handouts build` (so the
    config's header and phone numbers are in it, and an up-to-date PDF is reused); with
    `handover`, personalised copies made in memory (never in out/)."""
    pages = list(dict.fromkeys(pages))  # the same page named twice is attached once
    if handover:
        pdfs = dict(personalised(pages, inputs, handover))
    else:
        result = build_batch(pages, inputs, out_dir, jobs=1)
        if result.failed or result.interrupted:
            raise HandoutError(result.failed[0] if result.failed else "interrupted")
        pdfs = {page: result.outputs[page.path].read_bytes() for page in pages}
    found: list[Attachment] = []
    for page in pages:
        drug = read_page(page.path, page.name)  # the title names the attachment
        data = pdfs[page]
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


@dataclass(frozen=True)
class Request:
    """What the user asked for, unchecked: `prepare` checks every part of it."""

    names: tuple[str, ...]
    recipients: tuple[str, ...]
    subject: str | None = None
    message: str | None = None
    message_file: Path | None = None
    handover: object = None  # model.Handover: personalised copies, made in memory


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


def prepare(request: Request, config, inputs, content: Path, out_dir: Path,
            sender: Address | None, draft: bool = False) -> list[Letter]:
    """Check everything and build every message; nothing leaves the machine here."""
    recipients = check_recipients(request.recipients)
    subject = subject_for(request.subject, config)
    message = read_message(request.message, request.message_file)
    attachments = attachments_for(resolve(request.names, content), inputs, out_dir,
                                  request.handover)
    return letters(recipients, subject, message, attachments, config, sender, draft)


def subject_for(subject: str | None, config) -> str:
    if subject is not None:
        return check_subject(subject)
    # The clinic's name comes from handouts.yaml: checked as strictly as --subject.
    return check_subject(default_subject(config), "clinic.name (in the subject)")


def letters(recipients, subject: str, message: str | None, attachments, config,
            sender: Address | None, draft: bool = False) -> list[Letter]:
    """One composed, read-back letter per (checked) recipient; the CLI and the web's
    email both end here."""
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
    phone = f" at {config.phones.care_team}" if config.phones.care_team else ""
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


def draft_paths(path: Path, count: int, force: bool = False) -> list[Path]:
    """FILE.eml, or FILE-1.eml, FILE-2.eml ... (never an address in a file name: file
    names are seen by more people than the files); none may exist unless `force`."""
    check_new_file(path, "--eml", ".eml", True)
    if count == 1:
        paths = [path]
    else:
        paths = [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]
    for target in paths:
        check_new_file(target, "--eml", ".eml", force)
    return paths


def write_drafts(letters, path: Path, force: bool = False) -> list[Path]:
    """One .eml draft per recipient, at draft_paths()."""
    paths = draft_paths(path, len(letters), force)
    for target, letter in zip(paths, letters):
        write_atomic(target, letter.data)
    return paths
