"""Web layer: what a browser POSTs: a patient's copy, printing to the clinic's queue,
email through deliver/mail + deliver/smtp, a print pack. Every form carries its CSRF
token (Desk.form) and every action is written to the audit log, without patient details.

A patient's copy is made in memory, streamed with Cache-Control: no-store and dropped:
never cached, written or logged.
"""

from __future__ import annotations

import os

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..errors import HandoutError
from . import counter
from .desk import patient_of
from .pages import desk_of, download_name, pdf_response
from .site import PAPERS

MAX_PACK = 100


async def _handout_form(request: Request):
    """(desk, page, style, paper, form) for a POST about one handout."""
    desk = desk_of(request)
    form = await desk.form(request)
    page = desk.page(request.path_params["name"])
    style, paper = desk.choice(form)
    return desk, page, style, paper, form


async def _make(desk, page, style, paper, patient) -> bytes:
    """The handout as chosen: that patient's copy when `patient` is given."""
    try:
        if patient is None:
            return (await run_in_threadpool(desk.builder.pdf, page, style, paper))[0]
        return await run_in_threadpool(desk.builder.personal, page, style, paper, patient)
    except HandoutError as exc:
        raise HTTPException(422, f"This handout cannot be made: {desk.shown(exc)}") from None


async def personal_pdf(request: Request):
    desk, page, style, paper, form = await _handout_form(request)
    data = await _make(desk, page, style, paper, patient_of(form, required=True))
    desk.audit.record(desk.user(request), "personal", [page.name], personal=True)
    how = "inline" if form.get("open") == "1" else "attachment"
    return pdf_response(data, download_name(page.name, style, paper, "for-patient"), how)


async def print_handout(request: Request):
    desk, page, style, paper, form = await _handout_form(request)
    queue = desk.builder.context(style, paper)[0].printing.queue
    if not queue:
        raise HTTPException(400, "No printer queue is set (print: queue: in handouts.yaml); "
                                 "open the PDF and print it from the browser instead.")
    patient = patient_of(form, required=False)
    data = await _make(desk, page, style, paper, patient)
    try:
        said, ok = await run_in_threadpool(counter.print_pdf, data, queue, page), True
    except HandoutError as exc:
        said, ok = desk.shown(exc), False
    desk.audit.record(desk.user(request), "print", [page.name], "ok" if ok else "failed",
                      personal=patient is not None)
    return _outcome(request, desk, page, "Sent to the printer" if ok else "Not printed",
                    said, ok, style, paper)


async def email_handout(request: Request):
    desk, page, style, paper, form = await _handout_form(request)
    config = desk.builder.context(style, paper)[0]
    try:
        from ..deliver import mail, smtp

        address = mail.check_address(form.get("to", "").strip(), "the patient's address")
        server = smtp.smtp_server(config.smtp, os.environ)
    except HandoutError as exc:
        raise HTTPException(400, desk.shown(exc)) from None
    patient = patient_of(form, required=False)
    data = await _make(desk, page, style, paper, patient)
    try:
        line, ok = await run_in_threadpool(_send, page, data, address, config, server)
    except HandoutError as exc:
        line, ok = desk.shown(exc), False
    desk.audit.record(desk.user(request), "email", [page.name], "ok" if ok else "failed",
                      personal=patient is not None)
    return _outcome(request, desk, page, "Email sent" if ok else "Email not sent", line, ok,
                    style, paper)


def _send(page, data: bytes, address: str, config, server) -> tuple[str, bool]:
    """One message, checked and read back by deliver/mail, sent once by deliver/smtp:
    the same checks and the same one-line outcome as `handouts email`."""
    from ..deliver import mail, smtp
    from ..read.parse import read_page

    title = read_page(page.path, page.name).title
    attachment = mail.Attachment(mail.attachment_name(title, page.path), data)
    subject = mail.subject_for(None, config)
    letters = mail.letters([address], subject, None, (attachment,), config, server.sender)
    sent: list[str] = []
    outcome = smtp.send(letters, server, sent.append)
    return (sent[0] if outcome.ok and sent else outcome.summary()), outcome.ok


def _outcome(request, desk, page, heading: str, line: str, ok: bool, style, paper):
    return desk.render(request, "outcome.html", {
        "page": page, "heading": heading, "line": line, "ok": ok,
        "back": f"/handouts/{page.name}"}, status=200 if ok else 502)


async def pack_pdf(request: Request):
    """One print-ready PDF of the handouts named, one per line (file name, title or
    alias, as search finds them exactly); nothing is made unless every line names one."""
    desk = desk_of(request)
    form = await desk.form(request)
    style, paper = desk.choice(form)
    lines = [" ".join(n.split()) for n in form.get("names", "").splitlines() if n.strip()]
    pages, problems = _pages(desk, lines)
    if problems or not pages:
        return desk.render(request, "pack.html", {
            "names": "\n".join(lines), "styles": desk.site.styles(), "papers": PAPERS,
            "style": style, "paper": paper,
            "problems": problems or ["Type at least one handout."]}, status=400)
    try:
        data = await run_in_threadpool(desk.builder.pack, pages, style, paper)
    except HandoutError as exc:
        raise HTTPException(422, f"The pack cannot be made: {desk.shown(exc)}") from None
    desk.audit.record(desk.user(request), "pack", [p.name for p in pages])
    return pdf_response(data, download_name("pack", style, paper), "attachment")


def _pages(desk, lines: list[str]):
    if len(lines) > MAX_PACK:
        return [], [f"A pack holds at most {MAX_PACK} handouts."]
    pages, problems = [], []
    for line in lines:
        page, found = counter.choose(desk.site.content, line)
        if page is not None:
            pages.append(page)
        elif found.hits:  # partial or ambiguous: name one, never a guess
            names = ", ".join(h.name for h in found.hits[:5])
            problems.append(f"“{line[:80]}” is not the name of one handout; it matches "
                            f"{names}{' ...' if len(found.hits) > 5 else ''}. Type one.")
        else:
            close = [h.name for h in found.similar][:5]
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            problems.append(f"No handout is named “{line[:80]}”.{hint}")
    return pages, problems
