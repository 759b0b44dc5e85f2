"""The front desk over HTTP: the real app on real uvicorn (127.0.0.1), driven with httpx.
Search, byte-identical PDFs, a patient's copy, email to a real SMTP server, packs,
printing, and every hostile request answered with a clear 4xx page."""

from __future__ import annotations

import html
import io
import re

import pytest

from helpers import CLINIC, built_path, run_cli_in
from web_helpers import (CIPRO, HOSTILE_TITLE, ServeProcess, csrf_of, form_post,
                         inline_scripts)

PATIENT, NOTE = "Zebulon Quixotic-Marsh", "Take with food; zinc-free diet"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="/handouts/([^"/?.]+)"', html)


def pdf_pages(data: bytes) -> list[str]:
    import pypdf

    return [" ".join((p.extract_text() or "").split())
            for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_healthz_and_search_form(client):
    assert client.get("/healthz").text == "ok"
    home = client.get("/")
    assert home.status_code == 200
    assert re.search(r'<input type="search"[^>]*name="q"', home.text)


def test_cipro_finds_systemic_ciprofloxacin_first_by_its_brand_name(client):
    text = client.get("/", params={"q": "cipro"}).text
    found = hrefs(text.split("Spelled similarly")[0])
    assert found[0] == "ciprofloxacin-systemic"
    assert sorted(found) == sorted(CIPRO)  # every page whose name has it, once each
    assert re.search(r'<span class="meta">ciprofloxacin-systemic · alias', text)


def test_levofloxacin_lists_every_page_named_with_it(client, desk_root):
    named = sorted(p.stem for p in (desk_root / "content").glob("*.md")
                   if "levofloxacin" in p.stem)
    assert len(named) == 2
    html = client.get("/", params={"q": "levofloxacin"}).text
    assert sorted(hrefs(html.split("Spelled similarly")[0])) == named


def test_misspelling_shows_only_marked_suggestions(client):
    html = client.get("/", params={"q": "ciprofloxasin"}).text
    before, after = html.split("Spelled similarly", 1) if "Spelled similarly" in html \
        else (html, "")
    assert hrefs(before) == []  # no answer is claimed
    assert "ciprofloxacin" in hrefs(after)
    assert "spelled similarly: check the name" in after


def test_results_show_review_status(client):
    html = client.get("/", params={"q": "i"}).text + client.get(
        "/", params={"q": "levofloxacin-ambroxol"}).text
    row = lambda name, text: text.split(f'href="/handouts/{name}"', 1)[1].split("</li>")[0]
    assert "Reviewed" in row("ixabepilone", client.get("/", params={"q": "ixa"}).text)
    assert "Review overdue" in row("levofloxacin-ambroxol", html)
    assert "Not reviewed" in row("ciprofloxacin", client.get("/", params={"q": "cipro"}).text)


@pytest.mark.parametrize("style", ["", "default", "large-print", "monochrome", "clinic"])
def test_pdf_is_byte_identical_to_handouts_build(client, desk_root, style, monkeypatch,
                                                 tmp_path):
    served = client.get("/handouts/ciprofloxacin-systemic.pdf", params={"style": style})
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    args = ["--style", style] if style else []
    result = run_cli_in(monkeypatch, desk_root, "build", "ciprofloxacin-systemic", "--out",
                        tmp_path, *args)
    assert result.exit_code == 0, result.output
    assert served.content == built_path(result).read_bytes()


def test_paper_choice_changes_the_page_size(client):
    import pypdf

    a4 = client.get("/handouts/ixabepilone.pdf", params={"paper": "a4"}).content
    box = pypdf.PdfReader(io.BytesIO(a4)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_preview_shows_every_page_image_and_the_check_warnings(client):
    html = client.get("/handouts/ciprofloxacin-systemic").text
    pages = len(pdf_pages(client.get("/handouts/ciprofloxacin-systemic.pdf").content))
    images = re.findall(r'<img src="(/handouts/ciprofloxacin-systemic/page-\d+\.png)"', html)
    assert len(images) == pages > 1
    png = client.get(images[0])
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Not yet reviewed by a clinician" in html  # `check`'s review warning
    assert client.get(f"/handouts/ciprofloxacin-systemic/page-{pages + 1}.png").status_code == 404


@pytest.mark.parametrize("path", [
    "/handouts/..%2f..%2fetc%2fpasswd", "/handouts/..%2F..%2Fetc%2Fpasswd.pdf",
    "/handouts/%2e%2e/%2e%2e/etc/passwd", "/handouts/....//etc/passwd",
    "/handouts/CON", "/handouts/%00", "/handouts/" + "a" * 400,
    "/static/..%2f..%2fcli.py", "/handouts/ixabepilone/page-0.png"])
def test_paths_outside_the_workspace_are_a_clear_404(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert "<h1>Not found</h1>" in answer.text
    assert "root:" not in answer.text and "import" not in answer.text


@pytest.mark.parametrize("query,status", [
    ({"style": "../../etc/passwd"}, 400), ({"style": "/etc/passwd"}, 400),
    ({"style": "default.yaml"}, 400), ({"paper": "legal"}, 400)])
def test_style_or_paper_that_is_not_a_choice_is_a_400(client, query, status):
    answer = client.get("/handouts/ixabepilone.pdf", params=query)
    assert answer.status_code == status and "text/html" in answer.headers["content-type"]
    assert "choose" in answer.text.lower()


def test_hostile_title_is_shown_as_text(client):
    for url in ("/?q=hostile", "/handouts/hostile"):
        html = client.get(url).text
        assert HOSTILE_TITLE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_inline_script_anywhere_and_a_strict_csp(client):
    for url in ("/", "/?q=cipro", "/handouts/hostile", "/pack", "/login", "/nothing"):
        answer = client.get(url)
        assert inline_scripts(answer.text) == [], url
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_post_without_the_right_csrf_token_is_refused(client, token):
    client.get("/handouts/ixabepilone")  # a session with a token exists
    data = {"for": PATIENT} | ({} if token is None else {"csrf": token})
    answer = client.post("/handouts/ixabepilone/personal.pdf", data=data)
    assert answer.status_code == 403
    assert "did not come from this site" in answer.text


def test_forged_session_cookie_is_refused(desk_url):
    import httpx

    with httpx.Client(base_url=desk_url) as client:
        token = csrf_of(client.get("/handouts/ixabepilone").text)
        client.cookies.set("handouts_session", "eyJjc3JmIjogIngifQ==.forged.sig")
        answer = client.post("/handouts/ixabepilone/personal.pdf",
                             data={"csrf": token, "for": PATIENT})
    assert answer.status_code == 403


def test_personal_copy_is_streamed_not_stored(client, desk_root):
    answer = form_post(client, "/handouts/ixabepilone", "/handouts/ixabepilone/personal.pdf",
                       **{"for": PATIENT, "note": NOTE, "day": "2026-03-04"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert PATIENT not in answer.headers["content-disposition"]
    pages = pdf_pages(answer.content)
    assert PATIENT in pages[0] and NOTE in pages[0] and "2026-03-04" in pages[0]
    assert not any(PATIENT in p for p in pages[1:])
    assert_nowhere_on_disk(desk_root, PATIENT)
    entries = desk_audit(desk_root)
    assert entries[-1]["action"] == "personal" and entries[-1]["pages"] == ["ixabepilone"]


def assert_nowhere_on_disk(root, *secrets):
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path


def desk_audit(root):
    from handouts.web.audit import AuditLog

    return AuditLog(root / "handouts-audit.log").lines()


def test_personal_copy_is_pdf_ua_and_tags_the_patient_box(client, tmp_path):
    import page

    answer = form_post(client, "/handouts/ixabepilone?style=large-print",
                       "/handouts/ixabepilone/personal.pdf", style="large-print",
                       **{"for": PATIENT, "note": NOTE})
    path = tmp_path / "copy.pdf"  # the test's own copy, to validate it
    path.write_bytes(answer.content)
    report = page.validate_pdf(path, profile="ua1")
    assert report.is_compliant, report
    from helpers import read_back

    spoken = " ".join(read_back(path).tree_words())  # what a screen reader reads
    assert "For Zebulon Quixotic Marsh Given on" in spoken
    assert "Note Take with food" in spoken


def test_personal_copy_needs_a_name_and_a_real_date(client):
    for fields, words in (({"for": ""}, "patient's name"),
                          ({"for": "A", "day": "2026-02-30"}, "date"),
                          ({"for": "x" * 500}, "120 characters")):
        answer = form_post(client, "/handouts/ixabepilone",
                           "/handouts/ixabepilone/personal.pdf", **fields)
        assert answer.status_code == 400 and words in html.unescape(answer.text)


def test_email_goes_to_a_real_smtp_server_with_the_patients_copy(client, outbox, desk_root):
    address = "zebulon.patient@example.org"
    before = len(outbox.messages)
    answer = form_post(client, "/handouts/ixabepilone", "/handouts/ixabepilone/email",
                       to=address, **{"for": PATIENT})
    assert answer.status_code == 200, answer.text
    assert f"sent to {address}: Ixabepilone - patient information.pdf" in answer.text
    sender, recipients, data = outbox.messages[before]
    assert recipients == [address] and sender == "clinic@example.org"
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    attachment = next(message.iter_attachments())
    assert PATIENT in pdf_pages(attachment.get_content())[0]
    assert CLINIC in str(message["Subject"])
    assert_nowhere_on_disk(desk_root, PATIENT, address)
    assert desk_audit(desk_root)[-1] | {"at": ""} == {
        "at": "", "user": "local", "action": "email", "pages": ["ixabepilone"],
        "outcome": "ok", "personal": True}


@pytest.mark.parametrize("address", ["not an address", "a@b.org\r\nBcc: x@y.org",
                                     "=?UTF-8?Q?=0A?=@x.org", "Pat <pat@example.org>"])
def test_bad_address_is_refused_with_the_mail_modules_words(client, outbox, address):
    before = len(outbox.messages)
    answer = form_post(client, "/handouts/ixabepilone", "/handouts/ixabepilone/email",
                       to=address)
    assert answer.status_code == 400
    assert "the patient&#39;s address" in answer.text
    assert len(outbox.messages) == before


def test_pack_of_three_is_the_same_as_handouts_pack(client, desk_root, monkeypatch, tmp_path):
    names = ["ixabepilone", "ciprofloxacin-systemic", "levofloxacin-azithromycin"]
    answer = form_post(client, "/pack", "/pack.pdf", names="\n".join(names))
    assert answer.status_code == 200, answer.text
    result = run_cli_in(monkeypatch, desk_root, "pack", *names, "-o", tmp_path / "p.pdf")
    assert result.exit_code == 0, result.output
    assert answer.content == (tmp_path / "p.pdf").read_bytes()
    assert desk_audit(desk_root)[-1]["pages"] == names


def test_pack_names_each_line_it_cannot_resolve(client):
    answer = form_post(client, "/pack", "/pack.pdf",
                       names="ixabepilone\nciprofloxasin\nciproflox\ncipro")
    assert answer.status_code == 400
    assert "No handout is named “ciprofloxasin”" in answer.text
    assert "Did you mean: ciprofloxacin" in answer.text
    assert "“ciproflox” is not the name of one handout; it matches ciprofloxacin," \
        in answer.text
    assert "“cipro”" not in answer.text  # the brand name names one handout exactly


def test_print_sends_the_pdf_to_the_clinics_queue(client, desk_root, cups_env):
    """The queue handouts.yaml names (print: queue: frontdesk) on a real, private CUPS
    server: the job is the handout's own bytes, titled with the drug, never a patient."""
    if "frontdesk" not in cups_env.run("lpstat", "-p", check=False).stdout:
        cups_env.add_queue("frontdesk")
    answer = form_post(client, "/handouts/ixabepilone", "/handouts/ixabepilone/print")
    assert answer.status_code == 200, answer.text
    found = re.search(r"job frontdesk-(\d+), one-sided", answer.text)
    assert found, answer.text
    job = cups_env.wait_job(int(found.group(1)))
    assert job.data == client.get("/handouts/ixabepilone.pdf").content
    assert job.attributes["job-name"] == "Ixabepilone"
    assert desk_audit(desk_root)[-1]["action"] == "print"


@pytest.mark.parametrize("method,url,status", [
    ("GET", "/handouts/ixabepilone/personal.pdf", 405),
    ("GET", "/handouts/no-such-medicine", 404), ("GET", "/handouts/no-such.pdf", 404),
    ("PUT", "/", 405)])
def test_every_refusal_is_a_clear_page(client, method, url, status):
    answer = client.request(method, url)
    assert answer.status_code == status
    assert "<h1>" in answer.text and "Traceback" not in answer.text


def test_a_broken_page_is_a_422_naming_the_file(client):
    for url in ("/handouts/broken", "/handouts/broken.pdf", "/handouts/broken/page-1.png"):
        answer = client.get(url)
        assert answer.status_code == 422, url
        assert "This handout cannot be made: content/broken.md" in html.unescape(answer.text)


def test_a_broken_config_is_a_clear_503_and_the_desk_recovers(tmp_path):
    import httpx

    from conftest import _desk_app
    from web_helpers import ThreadServer, desk_workspace

    root = desk_workspace(tmp_path)
    with ThreadServer(_desk_app(root, "127.0.0.1")) as url:
        config = root / "handouts.yaml"
        good = config.read_text()
        config.write_text(good + "colour: blue\n")
        broken = httpx.get(url + "/handouts/ixabepilone")
        config.write_text(good)
        fixed = httpx.get(url + "/handouts/ixabepilone")
    assert broken.status_code == 503
    assert "handouts.yaml: colour: unknown key" in html.unescape(broken.text)
    assert fixed.status_code == 200


def test_huge_or_odd_requests_are_4xx(client):
    token = csrf_of(client.get("/pack").text)
    big = client.post("/pack.pdf", data={"csrf": token, "names": "x" * 400_000})
    assert big.status_code == 413
    long_query = client.get("/", params={"q": "a" * 5000})
    assert long_query.status_code == 200 and "at most 300" in long_query.text
    control = client.get("/", params={"q": "cipro\x1b[31m"})
    assert control.status_code == 200 and "\x1b" not in control.text


def test_handouts_serve_command_line_serves(desk_root):
    """The real entry point: `handouts serve --fd N` in its own process."""
    import httpx

    with ServeProcess(desk_root) as url:
        assert httpx.get(url + "/healthz").text == "ok"
        text = httpx.get(url + "/", params={"q": "cipro"}).text
        assert hrefs(text)[0] == "ciprofloxacin-systemic"
        with httpx.Client(base_url=url) as client:
            copy = form_post(client, "/handouts/ixabepilone",
                             "/handouts/ixabepilone/personal.pdf", **{"for": PATIENT})
    assert copy.status_code == 200 and PATIENT in pdf_pages(copy.content)[0]
    log = (desk_root / "serve.log").read_text()
    assert "no login (this computer only)" in log
    assert '"POST /handouts/ixabepilone/personal.pdf HTTP/1.1" 200' in log  # access log on
    assert PATIENT not in log
    (desk_root / "serve.log").unlink()
