"""`handouts email` against a real SMTP server on 127.0.0.1: STARTTLS with a certificate
made here, AUTH, refusals and outages. Nothing in smtplib is mocked."""

from __future__ import annotations

import io
import os
import shutil
import socket
import ssl
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfReader

from handouts.deliver import mail, smtp
from handouts.settings.config_schema import Smtp
from handouts.errors import HandoutError
from helpers import SEED, run_cli, write_page

PASSWORD = "s3cret-Pa55word-never-shown"
USER = "clinic"
SENDER = "Oncology Clinic <clinic@example.org>"
REFUSED = "refused@example.org"  # the server answers 550 to RCPT TO
BUSY = "busy@example.org"  # the server answers 421 (closing) to DATA
CUT = "cut@example.org"  # the server hangs up after receiving the message


class Recorder:
    """aiosmtpd handler: keeps every accepted message, refuses the special addresses."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 <refused@example.org>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if BUSY in envelope.rcpt_tos:
            return "421 4.3.2 service shutting down"
        if CUT in envelope.rcpt_tos:
            server.transport.close()
            return "250 OK"
        self.messages.append({"from": envelope.mail_from, "rcpt": list(envelope.rcpt_tos),
                              "data": envelope.content, "tls": session.ssl is not None,
                              "user": session.authenticated and session.auth_data})
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # A careless server that echoes what it was sent: the password must still not show.
    echo = None if ok else f"535 5.7.8 bad credentials {auth_data.password.decode()}"
    return AuthResult(success=ok, handled=False, auth_data=auth_data, message=echo)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    authority = trustme.CA()
    folder = tmp_path_factory.mktemp("ca")
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(context)
    return folder / "ca.pem", context


def _serve(request, **kwargs):
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    request.addfinalizer(controller.stop)
    return controller


@pytest.fixture(scope="module")
def tls_server(request, ca):
    """The clinic's server: STARTTLS required, login required, login only over TLS."""
    return _serve(request, tls_context=ca[1], require_starttls=True,
                  authenticator=authenticate, auth_required=True, auth_require_tls=True)


@pytest.fixture()
def server(tls_server):
    tls_server.handler.messages.clear()
    return tls_server


@pytest.fixture()
def env(monkeypatch, server, ca):
    settings = {"HOST": "127.0.0.1", "PORT": str(server.port), "SECURITY": "starttls",
                "USER": USER, "FROM": SENDER, "CAFILE": str(ca[0]), "PASSWORD": PASSWORD}
    for key, value in settings.items():
        monkeypatch.setenv(f"HANDOUTS_SMTP_{key}", value)
    return settings


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    """A workspace with the seed page and a second drug; the test runs in it."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED, content / "ixabepilone.md")
    text = SEED.read_text(encoding="utf-8").replace("Ixabepilone", "Capecitabine")
    (content / "capecitabine.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def email(ws, *args):
    """`handouts email` run in the workspace (the `ws` fixture's folder)."""
    assert Path.cwd() == ws.resolve()
    result = run_cli("email", *args, "--content", ws / "content", "--out", ws / "out")
    assert PASSWORD not in result.output
    return result


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def error_line(result) -> str:
    """A failure is one line starting 'Error:' and a non-zero exit; never a traceback."""
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


# -- sending --------------------------------------------------------------------------

def test_sends_pdf_attachment_over_starttls_with_login(ws, server, env):
    result = email(ws, "ixabepilone", "--to", "patient@example.org",
                   "--message", "Dose <5 mg & >2 mg.\n\n<b>Bring this</b> to your visit.")
    assert result.exit_code == 0, result.output
    assert "sent to patient@example.org: Ixabepilone - patient information.pdf (" in result.output
    assert f"via 127.0.0.1:{server.port} (TLSv1." in result.output
    [got] = server.handler.messages
    assert got["tls"] and got["user"].login == USER.encode()
    assert got["from"] == "clinic@example.org" and got["rcpt"] == ["patient@example.org"]
    msg = parse(got["data"])
    assert msg["To"] == "patient@example.org" and msg["Cc"] is None and msg["Bcc"] is None
    assert msg["From"] == SENDER and "ixabepilone" not in msg["Subject"].lower()
    [pdf] = list(msg.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "Ixabepilone - patient information.pdf"
    assert "Ixabepilone" in pdf_text(pdf.get_content())
    assert "Dose <5 mg & >2 mg." in msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Dose &lt;5 mg &amp; &gt;2 mg." in html and "&lt;b&gt;Bring this&lt;/b&gt;" in html


def test_each_recipient_gets_a_separate_message_naming_only_them(ws, server, env):
    people = ["ann@example.org", "bob@example.net", "cy@example.com"]
    result = email(ws, "ixabepilone", *(a for p in people for a in ("--to", p)))
    assert result.exit_code == 0, result.output
    assert [m["rcpt"] for m in server.handler.messages] == [[p] for p in people]
    for person, got in zip(people, server.handler.messages):
        assert parse(got["data"])["To"] == person
        others = [p for p in people if p != person]
        assert not any(o.encode() in got["data"] for o in others)


def test_several_names_make_one_message_with_several_attachments(ws, server, env):
    result = email(ws, "ixabepilone", "capecitabine", "--to", "patient@example.org")
    assert result.exit_code == 0, result.output
    [got] = server.handler.messages
    pdfs = list(parse(got["data"]).iter_attachments())
    assert [p.get_filename() for p in pdfs] == ["Ixabepilone - patient information.pdf",
                                               "Capecitabine - patient information.pdf"]
    assert "Ixabepilone" in pdf_text(pdfs[0].get_content())
    assert "Capecitabine" in pdf_text(pdfs[1].get_content())


def test_up_to_date_pdf_is_reused_and_a_stale_one_rebuilt(ws, server, env):
    assert email(ws, "ixabepilone", "--to", "a@example.org").exit_code == 0
    pdf, page = ws / "out" / "ixabepilone.pdf", ws / "content" / "ixabepilone.md"
    built = pdf.stat().st_mtime_ns
    time.sleep(0.02)
    assert email(ws, "ixabepilone", "--to", "a@example.org").exit_code == 0
    assert pdf.stat().st_mtime_ns == built
    page.write_text(page.read_text(encoding="utf-8").replace("metastatic", "Zorbulated"),
                    encoding="utf-8")
    assert email(ws, "ixabepilone", "--to", "a@example.org").exit_code == 0
    assert pdf.stat().st_mtime_ns > built
    last = parse(server.handler.messages[-1]["data"])
    assert "Zorbulated" in pdf_text(next(last.iter_attachments()).get_content())


def test_emailed_handout_carries_the_clinic_config_and_follows_the_style(ws, server, env):
    """The attachment is the same build as `handouts build`: the clinic's header and
    care-team number are in it, and another --style makes another PDF."""
    (ws / "handouts.yaml").write_text("clinic: {name: Riverside Clinic}\n"
                                      "phones: {care_team: 555-0100}\n", encoding="utf-8")
    assert email(ws, "ixabepilone", "--to", "a@example.org").exit_code == 0
    first = next(parse(server.handler.messages[-1]["data"]).iter_attachments()).get_content()
    text = pdf_text(first)
    assert "Riverside Clinic" in text and "Call your care team at 555-0100" in text
    assert email(ws, "ixabepilone", "--to", "a@example.org", "--style", "large-print"
                 ).exit_code == 0
    second = next(parse(server.handler.messages[-1]["data"]).iter_attachments()).get_content()
    assert second != first


# -- failures: one line, non-zero, who got it and who did not -----------------------------

def test_wrong_password_sends_nothing_and_never_shows_the_password(ws, server, env, monkeypatch):
    monkeypatch.setenv("HANDOUTS_SMTP_PASSWORD", "wrong-" + PASSWORD)
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--to", "b@example.org")
    line = error_line(result)
    assert "login refused for 'clinic' (535 5.7.8 bad credentials ***)" in line
    assert "sent 0 of 2" in line
    assert "NOT sent to a@example.org, b@example.org (not attempted)" in line
    assert "wrong-" not in result.output and server.handler.messages == []


def test_refused_recipient_is_reported_and_the_others_still_get_theirs(ws, server, env):
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--to", REFUSED,
                   "--to", "c@example.org")
    line = error_line(result)
    assert [m["rcpt"] for m in server.handler.messages] == [["a@example.org"], ["c@example.org"]]
    assert "sent 2 of 3: sent to a@example.org, c@example.org" in line
    assert f"NOT sent to {REFUSED} (550 5.1.1" in line


def test_server_closing_mid_batch_stops_and_lists_the_rest(ws, server, env):
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--to", BUSY,
                   "--to", "c@example.org")
    line = error_line(result)
    assert [m["rcpt"] for m in server.handler.messages] == [["a@example.org"]]
    assert "sent 1 of 3: sent to a@example.org" in line
    assert f"NOT sent to {BUSY} (421 4.3.2" in line
    assert "NOT sent to c@example.org (not attempted)" in line


def test_connection_lost_while_sending_is_reported_as_unknown(ws, server, env):
    result = email(ws, "ixabepilone", "--to", CUT, "--to", "c@example.org")
    line = error_line(result)
    assert f"UNKNOWN whether {CUT} got it" in line and "check before resending" in line
    assert "NOT sent to c@example.org (not attempted)" in line
    assert server.handler.messages == []


def test_server_down_sends_nothing(ws, env, monkeypatch):
    monkeypatch.setenv("HANDOUTS_SMTP_PORT", str(free_port()))
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert "connection refused" in line and "sent 0 of 1: sent to nobody" in line


def test_untrusted_certificate_is_a_tls_error(ws, server, env, monkeypatch):
    monkeypatch.delenv("HANDOUTS_SMTP_CAFILE")
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert "TLS certificate not trusted" in line and "HANDOUTS_SMTP_CAFILE" in line
    assert server.handler.messages == []


def test_certificate_for_another_host_name_is_refused(ws, request, env, monkeypatch):
    authority = trustme.CA()  # trusted below, but its certificate names another host
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("mail.example.org").configure_cert(context)
    authority.cert_pem.write_to_path(str(ws / "other-ca.pem"))
    other = _serve(request, tls_context=context, require_starttls=True)
    monkeypatch.setenv("HANDOUTS_SMTP_PORT", str(other.port))
    monkeypatch.setenv("HANDOUTS_SMTP_CAFILE", str(ws / "other-ca.pem"))
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert "TLS certificate not trusted" in line and "mismatch" in line
    assert other.handler.messages == []


def test_plain_server_without_starttls_is_refused(ws, request, env, monkeypatch):
    plain = _serve(request)
    monkeypatch.setenv("HANDOUTS_SMTP_PORT", str(plain.port))
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert "does not offer STARTTLS; will not send unencrypted" in line
    assert plain.handler.messages == []


def test_implicit_tls(ws, request, ca, env, monkeypatch):
    secure = _serve(request, ssl_context=ca[1])
    monkeypatch.setenv("HANDOUTS_SMTP_PORT", str(secure.port))
    monkeypatch.setenv("HANDOUTS_SMTP_SECURITY", "ssl")
    monkeypatch.delenv("HANDOUTS_SMTP_USER")
    result = email(ws, "ixabepilone", "--to", "a@example.org")
    assert result.exit_code == 0, result.output
    assert len(secure.handler.messages) == 1 and "(TLSv1." in result.output


def test_security_none_only_for_localhost(ws, request, env, monkeypatch):
    plain = _serve(request)
    monkeypatch.setenv("HANDOUTS_SMTP_SECURITY", "none")
    monkeypatch.setenv("HANDOUTS_SMTP_PORT", str(plain.port))
    monkeypatch.delenv("HANDOUTS_SMTP_USER")
    result = email(ws, "ixabepilone", "--to", "a@example.org")
    assert result.exit_code == 0 and "unencrypted, localhost only" in result.output
    monkeypatch.setenv("HANDOUTS_SMTP_HOST", "mail.example.org")
    line = error_line(email(ws, "ixabepilone", "--to", "b@example.org"))
    assert "HANDOUTS_SMTP_SECURITY: 'none' (unencrypted) is allowed only for localhost" in line
    assert len(plain.handler.messages) == 1


def test_security_none_in_config_file_is_refused_for_a_remote_host(ws, server, monkeypatch):
    for key in ("HOST", "PORT", "SECURITY", "USER", "FROM", "CAFILE", "PASSWORD"):
        monkeypatch.delenv(f"HANDOUTS_SMTP_{key}", raising=False)
    (ws / "clinic.yaml").write_text("smtp:\n  host: mail.example.org\n  port: 25\n"
                                    "  security: none\n  from: clinic@example.org\n")
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org",
                            "--config", ws / "clinic.yaml"))
    assert "smtp.security: 'none' (unencrypted) is allowed only for localhost" in line
    assert not (ws / "out").exists()  # refused before anything was built


def test_user_without_password_is_an_error_before_anything_is_built(ws, env, monkeypatch):
    monkeypatch.delenv("HANDOUTS_SMTP_PASSWORD")
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert "HANDOUTS_SMTP_PASSWORD is not set" in line and not (ws / "out").exists()


def test_password_is_never_a_flag_nor_a_config_key(ws, env):
    assert email(ws, "ixabepilone", "--to", "a@example.org", "--password", "x").exit_code == 2
    (ws / "clinic.yaml").write_text("smtp:\n  host: 127.0.0.1\n  password: x\n")
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--config", ws / "clinic.yaml")
    assert "password" in error_line(result)
    settings = smtp.smtp_server(Smtp(), os.environ)
    assert settings.password == PASSWORD and PASSWORD not in repr(settings)


# -- checked before anything is sent -----------------------------------------------------

BAD_TO = [
    "a@example.org\r\nBcc: evil@example.net",
    "a@example.org\nBcc: evil@example.net",
    "=?UTF-8?Q?=0A?=Bcc:evil@example.net",
    "=?UTF-8?Q?a=0ABcc:evil@example.net?=@example.org",
    "Patient <a@example.org>",
    '"evil@example.net" <a@example.org>',
    "a@example.org, evil@example.net",
    "a@example.org;evil@example.net",
    "a@example.org (comment)",
    "<a@example.org>",
    "a@example.org\x00",
    "a@",
    "@example.org",
    "a@@example.org",
    "a@localhost",
    "a..b@example.org",
    "ä@example.org",
    "a@" + "x" * 250 + ".org",
]


@pytest.mark.parametrize("bad", BAD_TO)
def test_bad_recipient_is_rejected_and_nothing_sent(ws, server, env, bad):
    line = error_line(email(ws, "ixabepilone", "--to", "ok@example.org", "--to", bad))
    assert line.startswith("Error: --to:")
    assert server.handler.messages == []


@pytest.mark.parametrize("bad", [
    "Your handout\r\nBcc: evil@example.net",
    "Your handout\nBcc: evil@example.net",
    "=?UTF-8?Q?=0A?=Bcc: evil@example.net",
    "Hello =?UTF-8?B?DQpCY2M6IGV2aWxAZXhhbXBsZS5uZXQ=?=",
    "tab\x0bvertical",
    "line\u2028separator",
    "",
    "x" * 201,
])
def test_bad_subject_is_rejected_and_nothing_sent(ws, server, env, bad):
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org", "--subject", bad))
    assert line.startswith("Error: --subject:")
    assert server.handler.messages == []


@pytest.mark.parametrize("title", ["=?UTF-8?Q?=0A?=Bcc: evil@example.net",
                                   "Evil =?UTF-8?B?DQpCY2M6IGV2aWw=?= drug"])
def test_encoded_word_in_a_title_is_rejected_for_the_file_name(ws, server, env, title):
    write_page(ws / "content", "evil", f"""
        ---
        title: '{title}'
        ---
        **Usage:** Something.
        """)
    line = error_line(email(ws, "evil", "--to", "a@example.org"))
    assert "evil.md: title (used in the attachment name): encoded words" in line
    assert server.handler.messages == []


def test_file_name_from_an_odd_title_is_cleaned(ws, server, env):
    write_page(ws / "content", "odd", """
        ---
        title: 'Trastuzumab/Pertuzumab: "IV" <b>'
        ---
        **Usage:** Something.
        """)
    assert email(ws, "odd", "--to", "a@example.org").exit_code == 0
    [got] = server.handler.messages
    [pdf] = parse(got["data"]).iter_attachments()
    assert pdf.get_filename() == "Trastuzumab Pertuzumab IV b - patient information.pdf"


def test_unknown_drug_sends_nothing_even_for_the_known_ones(ws, server, env):
    line = error_line(email(ws, "ixabepilone", "nosuchdrug", "--to", "a@example.org"))
    assert "no page named 'nosuchdrug'" in line and server.handler.messages == []


def test_same_recipient_twice_is_an_error(ws, server, env):
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org", "--to", "A@example.org"))
    assert "given twice" in line and server.handler.messages == []


def test_bad_sender_in_config_is_rejected(ws, server, env, monkeypatch):
    monkeypatch.setenv("HANDOUTS_SMTP_FROM", "Clinic =?UTF-8?Q?=0A?= <clinic@example.org>")
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org"))
    assert line.startswith("Error: HANDOUTS_SMTP_FROM:") and server.handler.messages == []


def test_message_file_and_control_characters(ws, server, env):
    note = ws / "note.txt"
    note.write_text("Dear patient,\r\n\r\nSee attached.\r\n", encoding="utf-8")
    assert email(ws, "ixabepilone", "--to", "a@example.org", "--message-file", note).exit_code == 0
    body = parse(server.handler.messages[0]["data"]).get_body(("plain",)).get_content()
    assert body.replace("\r\n", "\n") == "Dear patient,\n\nSee attached.\n"
    note.write_text("bell\x07", encoding="utf-8")
    line = error_line(email(ws, "ixabepilone", "--to", "b@example.org", "--message-file", note))
    assert "control characters" in line and len(server.handler.messages) == 1


# -- drafts ---------------------------------------------------------------------------

def test_eml_draft_needs_no_server_and_parses_back(ws, server, monkeypatch):
    for key in ("HOST", "PORT", "SECURITY", "USER", "FROM", "CAFILE", "PASSWORD"):
        monkeypatch.delenv(f"HANDOUTS_SMTP_{key}", raising=False)
    draft = ws / "drafts" / "handout.eml"
    result = email(ws, "ixabepilone", "--to", "patient@example.org", "--eml", draft)
    assert result.exit_code == 0, result.output
    assert "handout.eml: draft to patient@example.org: Ixabepilone" in result.output
    msg = parse(draft.read_bytes())
    assert msg["To"] == "patient@example.org" and msg["X-Unsent"] == "1" and msg["From"] is None
    [pdf] = msg.iter_attachments()
    assert pdf.get_filename() == "Ixabepilone - patient information.pdf"
    assert "Ixabepilone" in pdf_text(pdf.get_content())
    assert server.handler.messages == []


def test_eml_with_several_recipients_writes_one_file_each(ws, env):
    draft = ws / "handout.eml"
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--to", "b@example.org",
                   "--eml", draft)
    assert result.exit_code == 0, result.output
    assert not draft.exists()
    for n, person in ((1, "a@example.org"), (2, "b@example.org")):
        msg = parse((ws / f"handout-{n}.eml").read_bytes())
        assert msg["To"] == person and msg["From"] == SENDER
    assert sorted(p.name for p in ws.iterdir() if p.suffix == ".eml") == [
        "handout-1.eml", "handout-2.eml"]  # no temp files left behind


def test_eml_name_must_end_in_eml(ws, env):
    line = error_line(email(ws, "ixabepilone", "--to", "a@example.org", "--eml", ws / "x.txt"))
    assert "must end in .eml" in line


# -- the checks themselves, without click -------------------------------------------------

@pytest.mark.parametrize("good", ["a@example.org", "first.last+tag@mail.example.co.uk",
                                  "o'brien@example.ie", "x_y-z@sub-domain.example.org"])
def test_plain_addresses_are_accepted(good):
    assert mail.check_address(good) == good


@pytest.mark.parametrize("bad", BAD_TO)
def test_check_address_rejects(bad):
    with pytest.raises(HandoutError):
        mail.check_address(bad)


def test_compose_reads_back_exactly():
    sender = mail.check_sender(SENDER, "from")
    attachment = mail.Attachment("Ixabepilone - patient information.pdf", b"%PDF-1.4 x")
    data = mail.compose(sender, "a@example.org", "Hi", "Body", [attachment])
    msg = parse(data)
    assert set(msg.keys()) == {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                               "Content-Type"}
    assert msg["Message-ID"].endswith("@example.org>")


def test_compose_refuses_a_header_that_does_not_read_back():
    # The CLI rejects '=?' long before this; compose checks its own output regardless.
    with pytest.raises(HandoutError, match="does not read back as written"):
        mail.compose(None, "a@example.org", "Hi =?UTF-8?Q?=0A?=Bcc: evil@example.net", "b", [])


# -- a personalised copy, and pages not reviewed -------------------------------------------

def test_a_personalised_copy_is_emailed_and_kept_nowhere(ws, server, env):
    patient = "Ottoline Vexworthy"
    result = email(ws, "ixabepilone", "--to", "a@example.org", "--for", patient, "--note",
                   "Start on Monday")
    assert result.exit_code == 0, result.output
    assert patient not in result.output
    msg = parse(server.handler.messages[-1]["data"])
    assert patient not in msg["Subject"] and patient not in msg.get_body(("plain",)).get_content()
    [pdf] = list(msg.iter_attachments())
    assert patient not in pdf.get_filename()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages]
    assert f"For: {patient}" in pages[0] and "Start on Monday" in pages[0]
    assert all(patient not in text for text in pages[1:])
    for path in ws.rglob("*"):  # out/ and the manifest never see it
        assert not path.is_file() or patient.encode() not in path.read_bytes(), path


def test_an_unreviewed_page_warns_before_it_is_emailed(ws, server, env):
    result = email(ws, "ixabepilone", "--to", "a@example.org")
    assert result.exit_code == 0
    assert ("content/ixabepilone.md: Not yet reviewed by a clinician; it goes out "
            "all the same") in result.stderr
    assert len(server.handler.messages) == 1
