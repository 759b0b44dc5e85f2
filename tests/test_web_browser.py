"""The front desk in a real browser: Debian's chromium driven by Playwright, against the
real server on loopback. Search as you type, preview, download (compared with
`handouts build`), a patient's copy, email, a pack of three, signing in and out,
keyboard-only and JavaScript-free use, and axe-core's WCAG 2.1 AA rules on every page."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from conftest import PASSWORD, USER
from helpers import built_path, ROOT, run_cli_in
from web_helpers import HOSTILE_TITLE, run_axe, violations

SCREENSHOT = ROOT / "docs" / "front-desk.png"


def downloaded(page, click) -> tuple[bytes, str]:
    with page.expect_download() as info:
        click()
    download = info.value
    return Path(download.path()).read_bytes(), download.suggested_filename


def built(monkeypatch, root, tmp_path, name, *args) -> bytes:
    result = run_cli_in(monkeypatch, root, "build", name, "--out", tmp_path, *args)
    assert result.exit_code == 0, result.output
    return built_path(result).read_bytes()


def first_page_text(data: bytes) -> str:
    import pypdf

    return " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def test_search_cipro_open_it_and_download_the_same_pdf_as_build(page, desk_root,
                                                                 monkeypatch, tmp_path):
    page.goto("/")
    page.get_by_label("Medicine name").press_sequentially("cipro", delay=30)
    first = page.locator("ul.results li a.title").first
    first.wait_for()
    page.wait_for_function("location.search === '?q=cipro'")  # typed, not submitted
    assert first.inner_text() == "Ciprofloxacin (Systemic)"
    first.click()
    page.wait_for_url("**/handouts/ciprofloxacin-systemic")
    assert page.locator("h1").inner_text() == "Ciprofloxacin (Systemic)"
    images = page.locator(".preview img")
    assert images.count() >= 2
    assert page.evaluate("img => img.complete && img.naturalWidth > 500", images.first
                         .element_handle())
    page.get_by_label("Style").select_option("large-print")
    page.get_by_role("button", name="Show this style").click()
    page.wait_for_url("**style=large-print**")
    data, filename = downloaded(page, page.get_by_role("link", name="Download PDF").click)
    assert filename == "ciprofloxacin-systemic.large-print.pdf"
    assert data == built(monkeypatch, desk_root, tmp_path, "ciprofloxacin-systemic",
                         "--style", "large-print")


def test_personalise_and_download(page):
    page.goto("/handouts/ixabepilone")
    page.get_by_label("Patient's name").fill("Zebulon Quixotic-Marsh")
    page.get_by_label("Note").fill("Second cycle starts Monday")
    page.get_by_label("Date handed over").fill("2026-03-04")
    data, filename = downloaded(page, page.get_by_role("button", name="Download their copy")
                                .click)
    assert filename == "ixabepilone.for-patient.pdf"
    text = first_page_text(data)
    assert "Zebulon Quixotic-Marsh" in text and "Second cycle starts Monday" in text
    assert "2026-03-04" in text


def test_email_to_a_real_smtp_server(page, outbox):
    before = len(outbox.messages)
    page.goto("/handouts/ixabepilone")
    page.get_by_label("Patient's email address").fill("pat.browser@example.org")
    page.get_by_role("button", name="Email to the patient").click()
    page.wait_for_url("**/handouts/ixabepilone/email")
    assert page.locator("h1").inner_text() == "Email sent"
    assert "sent to pat.browser@example.org" in page.locator("main").inner_text()
    assert outbox.messages[before][1] == ["pat.browser@example.org"]


def test_pack_three_handouts_ticked_in_the_results(page):
    import pypdf

    page.goto("/?q=cipro")
    for name in ("Ciprofloxacin (Systemic)", "Ciprofloxacin + Dexamethasone",
                 "Ciprofloxacin + Phenazopyridine"):
        page.get_by_role("checkbox", name=f"Pack {name}").check()
    page.get_by_role("button", name="Make a print pack of the ticked handouts").click()
    page.wait_for_url("**/pack?names=**")
    assert page.get_by_label("Handouts, one per line").input_value().splitlines() == [
        "ciprofloxacin-systemic", "ciprofloxacin-dexamethasone",
        "ciprofloxacin-phenazopyridine"]
    data, filename = downloaded(page, page.get_by_role("button", name="Make pack PDF").click)
    reader = pypdf.PdfReader(io.BytesIO(data))
    contents = " ".join(reader.pages[0].extract_text().split())
    assert filename == "pack.pdf"
    assert [o.title for o in reader.outline if not isinstance(o, list)][1:] == [
        "Ciprofloxacin (Systemic)", "Ciprofloxacin + Dexamethasone",
        "Ciprofloxacin + Phenazopyridine"]
    assert "Ciprofloxacin + Phenazopyridine" in contents


def test_sign_in_and_out_on_a_non_loopback_bind(new_context, login_url):
    page = new_context(login_url).new_page()
    page.goto("/handouts/ixabepilone")
    page.wait_for_url("**/login?next=/handouts/ixabepilone")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/handouts/ixabepilone")
    cookie = page.context.cookies()[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("button", name=f"Sign out {USER}").click()
    page.wait_for_url("**/login")
    page.goto("/")
    assert page.url.endswith("/login?next=/")


def test_keyboard_only(page):
    page.goto("/")
    assert page.evaluate("document.activeElement.name") == "q"  # ready to type
    page.keyboard.type("ixabepilone")
    page.keyboard.press("Enter")  # the form submits without a mouse
    page.wait_for_url("**/?q=ixabepilone")
    tab_to(page, "a.title")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**/handouts/ixabepilone")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab_to(page, "a.button")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == "ixabepilone.pdf"


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focus is on an element matching `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} is not reachable with Tab")


def test_search_preview_and_download_work_without_javascript(new_context, desk_url):
    page = new_context(desk_url, java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_label("Medicine name").fill("levofloxacin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?q=levofloxacin")
    page.get_by_role("link", name="Levofloxacin + Azithromycin").click()
    assert page.locator(".preview img").count() >= 1
    data, _ = downloaded(page, page.get_by_role("link", name="Download PDF").click)
    assert data.startswith(b"%PDF-")


def test_hostile_title_shows_as_text_and_runs_nothing(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/?q=hostile")
    assert page.locator("ul.results a.title").first.inner_text() == HOSTILE_TITLE
    page.goto("/handouts/hostile")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert dialogs == []


def test_readable_on_a_tablet(new_context, desk_url):
    """Portrait tablet: one column, nothing wider than the screen, buttons big enough to
    touch (44 px). The README's screenshot is this view."""
    page = new_context(desk_url, viewport={"width": 820, "height": 1180},
                       device_scale_factor=1, has_touch=True).new_page()
    for url in ("/?q=cipro", "/handouts/ixabepilone"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 820, url
        small = page.evaluate("""[...document.querySelectorAll('button, .button, input')]
            .filter(e => e.type !== 'hidden' && e.type !== 'checkbox')
            .filter(e => e.getBoundingClientRect().height < 44).map(e => e.outerHTML)""")
        assert small == [], url
    page.goto("/?q=cipro")
    shot = page.screenshot(full_page=False)
    if os.environ.get("HANDOUTS_REFRESH_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(shot)
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the README's, committed


AXE_PAGES = ["/", "/?q=cipro", "/?q=ciprofloxasin", "/?q=zzzz", "/handouts/ixabepilone",
             "/handouts/hostile?style=large-print", "/pack", "/login", "/no-such-page",
             "/handouts/ixabepilone.pdf?style=../x"]


@pytest.mark.parametrize("url", AXE_PAGES)
def test_axe_finds_no_wcag_violation(page, url):
    page.goto(url)
    results = run_axe(page)
    assert len(results["passes"]) > 10  # axe really ran on the page
    assert results["violations"] == [], violations(results)


def test_axe_finds_no_violation_on_outcome_and_refused_pages(page):
    page.goto("/handouts/ixabepilone")
    page.get_by_label("Patient's email address").fill("pat.axe@example.org")
    page.get_by_role("button", name="Email to the patient").click()
    page.wait_for_url("**/email")
    assert run_axe(page)["violations"] == []
    page.goto("/pack")
    page.get_by_label("Handouts, one per line").fill("nothing-like-this")
    page.get_by_role("button", name="Make pack PDF").click()
    page.wait_for_selector(".problem")
    results = run_axe(page)
    assert results["violations"] == [], violations(results)


def test_axe_harness_reports_a_bad_page(page):
    """The check can fail: a page without a language, title, label or alt text."""
    page.set_content("<img src='x.png'><input type='text'>"
                     "<p style='color:#ccc;background:#fff'>faint</p>")
    found = {v["id"] for v in run_axe(page)["violations"]}
    assert {"image-alt", "label", "html-has-lang", "document-title",
            "color-contrast"} <= found
