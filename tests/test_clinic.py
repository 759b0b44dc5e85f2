"""Clinic branding from handouts.yaml, read back from real PDFs: the header on every page,
the logo scaled into it, whom to call in the warning box, neutral wording without a
config, and config errors that name file, key, expected and found."""

from __future__ import annotations

import pytest

from handouts.settings.style import load_style
from helpers import (
    ADDRESS, AFTER_HOURS, CLINIC, EMERGENCY, PHONE, SEED, box_rects, clinic_workspace,
    make_logo, read_back, run_cli_in, write_config,
)

STYLE = load_style()
TOP_OF_BODY = STYLE.page.margin_top  # the header sits between the page top and the body


def _build(monkeypatch, workspace, *extra):
    result = run_cli_in(monkeypatch, workspace, "build", "ixabepilone", *extra)
    assert result.exit_code == 0, result.output
    return workspace / "out" / "ixabepilone.pdf"


def _box_text(pdf_path) -> str:
    inside = []
    for page in read_back(pdf_path).pages:
        for rect in box_rects(page, STYLE.warning.fill):
            inside.append(page.text_within((rect["x0"], rect["top"], rect["x1"], rect["bottom"])))
    return " ".join(" ".join(inside).split())


def _header_words(page, below: float) -> str:
    return " ".join(w["text"] for w in page.words if w["bottom"] <= below)


@pytest.fixture(scope="module")
def branded(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _build(monkeypatch, clinic_workspace(tmp_path_factory.mktemp("clinic")))


def test_clinic_name_heads_every_page_and_address_the_first(branded):
    pages = read_back(branded).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        logo = page.images[0]
        header = _header_words(page, logo["bottom"] + 1)
        assert header.startswith(CLINIC), f"page {number}: {header!r}"
        assert (ADDRESS in header) == (number == 1), f"page {number}"
        if number > 1:  # later pages name the drug under the clinic
            assert "Ixabepilone" in header


def test_logo_is_on_every_page_scaled_into_the_header(branded):
    right = STYLE.page.margin_right
    height = STYLE.header.logo_height
    for number, page in enumerate(read_back(branded).pages, start=1):
        assert len(page.images) == 1, f"page {number}"
        logo = page.images[0]
        assert logo["height"] == pytest.approx(height, abs=0.5)
        assert logo["width"] == pytest.approx(2 * height, abs=0.5)  # 240x120: kept 2:1
        assert logo["x1"] == pytest.approx(page.width - right, abs=0.5)
        assert logo["top"] == pytest.approx(TOP_OF_BODY, abs=0.5)
        body = [w for w in page.words if w["top"] > logo["bottom"]]
        assert body, f"page {number}: no body below the logo"
        overlapping = [w["text"] for w in page.words
                       if w["x1"] > logo["x0"] and w["top"] < logo["bottom"]
                       and w["bottom"] > logo["top"]]
        assert overlapping == [], f"page {number}: text under the logo"


def test_warning_box_says_whom_to_call(branded):
    text = _box_text(branded)
    assert f"Call your care team at {PHONE} right away." in text
    assert f"After hours, call {AFTER_HOURS}." in text
    assert text.endswith(EMERGENCY)
    assert "Call your doctor or care team" not in text  # the neutral line is replaced


def test_without_config_neutral_wording_and_no_empty_slots(tmp_path, monkeypatch):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "ixabepilone.md").write_bytes(SEED.read_bytes())
    pdf_path = _build(monkeypatch, tmp_path)
    text = _box_text(pdf_path)
    assert text.endswith("Call your doctor or care team right away. Call 911 or go to the "
                         "nearest emergency department.")
    doc = read_back(pdf_path)
    first = doc.pages[0]
    assert first.images == ()
    header = _header_words(first, TOP_OF_BODY + STYLE.header.height - 2)
    assert header == ""  # no clinic: nothing above the title on page 1
    everything = " ".join(page.text for page in doc.pages)
    for placeholder in ("{phone}", "None", "555", " at  right", "call ."):
        assert placeholder not in everything


def test_after_hours_alone_keeps_the_neutral_care_team_line(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    write_config(tmp_path, f"phones: {{after_hours: '{AFTER_HOURS}'}}\n")
    text = _box_text(_build(monkeypatch, tmp_path))
    assert (f"Call your doctor or care team right away. After hours, call {AFTER_HOURS}. "
            "Call 911 or go to the nearest emergency department.") in text


def test_config_given_with_option_from_another_folder(tmp_path, monkeypatch):
    workspace = clinic_workspace(tmp_path / "ws")
    result = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone", "--content",
                        workspace / "content", "--out", tmp_path / "out", "--config",
                        workspace / "handouts.yaml")
    assert result.exit_code == 0, result.output
    assert f"at {PHONE}" in _box_text(tmp_path / "out" / "ixabepilone.pdf")


@pytest.mark.parametrize("config, expected", [
    ("phones: {care_team: [555, 100]}\n",
     "phones.care_team: expected a phone number (text of at most 40 characters, with at "
     "least 3 digits), found a list"),
    ("phones:\n  care_team: TBD\n", "phones.care_team: expected a phone number"),
    ("phones:\n  after_hours: {night: '555-0100'}\n",
     "phones.after_hours: expected a phone number"),
    ("clinc:\n  name: X\n", "clinc: unknown key (expected one of: clinic, emergency,"),
    ("clinic:\n  name: X\n  colour: red\n",
     "clinic.colour: unknown key (expected one of: address, logo, logo_alt, name)"),
    ("paper: legal\n", "paper: expected one of 'letter', 'a4', found 'legal'"),
    ("clinic:\n  logo: missing.png\n", "clinic.logo: file not found: 'missing.png'"),
    ("clinic:\n  logo: logo.gif\n",
     "clinic.logo: expected a .png or .jpg file, found 'logo.gif'"),
    ("clinic:\n  logo: fake.png\n",
     "clinic.logo: expected a PNG or JPEG image, found 'fake.png', which is neither"),
    ("clinic:\n  logo: really-a-gif.png\n",
     "clinic.logo: expected a PNG or JPEG image, found 'really-a-gif.png', which is GIF"),
])
def test_config_errors_name_file_key_expected_and_found(tmp_path, monkeypatch, config, expected):
    clinic_workspace(tmp_path)
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    (tmp_path / "fake.png").write_text("not an image")
    make_logo(tmp_path / "really.gif").rename(tmp_path / "really-a-gif.png")
    write_config(tmp_path, config)
    result = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone")
    assert result.exit_code == 2
    assert result.output.startswith("Error: handouts.yaml: "), result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "ixabepilone.pdf").exists()


def test_every_config_error_is_reported_at_once(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    write_config(tmp_path, "phones: {care_team: TBD}\nclinc: {}\npaper: legal\n")
    result = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone")
    assert result.exit_code == 2
    for key in ("phones.care_team", "clinc", "paper"):
        assert f"{key}: " in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_jpeg_logo_works_and_a_damaged_one_is_a_config_error(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    make_logo(tmp_path / "logo.jpg", size=(100, 100))
    write_config(tmp_path, "clinic: {name: X, logo: logo.jpg}\n")
    image = read_back(_build(monkeypatch, tmp_path)).pages[0].images[0]
    assert image["width"] == pytest.approx(image["height"], abs=0.5)
    (tmp_path / "logo.jpg").write_bytes((tmp_path / "logo.jpg").read_bytes()[:200])
    result = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone")
    assert result.exit_code == 2
    assert result.output.startswith("Error: handouts.yaml: clinic.logo: cannot read image "
                                    "'logo.jpg': ")
    assert len(result.output.strip().splitlines()) == 1
