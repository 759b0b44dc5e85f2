"""Hostile text and settings: what reaches a PDF or a terminal goes through one filter,
every drawn character through the glyph check, and input the parsers cannot take is one
line naming the file and key or line, never a traceback or "internal error"."""

from __future__ import annotations

import struct
import zlib

import pytest

from helpers import (
    build_page, built_path, make_logo, read_back, run_cli, run_cli_in, write_page,
)

GOOD = "---\ntitle: Good\n---\n\n### Usage\n\nFor testing.\n"
HIDDEN = {"\u202e", "\u00ad", "\u200b", "\u200f", "\u200d", "\ufeff", "\x1b", "\x07"}


def _one_error(result, needle: str) -> str:
    lines = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert needle in lines[0], lines[0]
    return lines[0]


# -- parsers' limits ---------------------------------------------------------------------------

DEEP = "[" * 400 + "]" * 400


@pytest.mark.parametrize("where", ["front matter", "config", "style"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_400_nested_brackets_in_any_yaml_file_are_one_line(tmp_path, monkeypatch, where,
                                                            command):
    page = f"---\ntitle: Deep\nsources: {DEEP}\n---\n\n### Usage\n\nx\n" \
        if where == "front matter" else GOOD
    write_page(tmp_path / "content", "deep", page)
    if where == "config":
        (tmp_path / "handouts.yaml").write_text(f"clinic: {DEEP}\n")
    if where == "style":
        (tmp_path / "styles").mkdir()
        (tmp_path / "styles" / "deep.yaml").write_text(f"extends: default\nbody: {DEEP}\n")
    extra = ("--style", "deep") if where == "style" else ()
    result = run_cli_in(monkeypatch, tmp_path, command, "deep", *extra)
    file = {"front matter": "deep.md", "config": "handouts.yaml", "style": "deep.yaml"}[where]
    if command == "check" and where == "front matter":
        assert result.exit_code == 1 and "nested more than 20 levels deep" in result.output
        assert f"{file}:" in result.output and "Traceback" not in result.output
    else:
        assert file in _one_error(result, "invalid YAML: nested more than 20 levels deep")


def test_deep_emphasis_in_a_body_is_one_line_with_its_line(tmp_path):
    body = "*" * 500 + "x" + "*" * 500
    result, pdf = build_page(tmp_path, "stars", f"---\ntitle: S\n---\n\n### Usage\n\n{body}\n")
    _one_error(result, "stars.md:7: emphasis or links nested deeper than 20 levels")
    assert not pdf.exists()


def test_a_surrogate_in_the_title_is_removed_with_a_warning(tmp_path):
    result, pdf = build_page(tmp_path, "surr",
                             '---\ntitle: "Bad \\ud800 title"\n---\n\n### Usage\n\nText.\n')
    assert result.exit_code == 0, result.output
    assert "surr.md: front matter 'title': removed invisible or control characters U+D800" \
        in result.output
    assert read_back(pdf).title == "Bad title"


def test_a_style_whose_frame_cannot_hold_a_line_names_the_key(tmp_path):
    (tmp_path / "tight.yaml").write_text(
        "extends: default\npage: {margin_top: 240, margin_bottom: 240}\n"
        "header: {height: 144, padding: 72}\ntitle: {size: 72, leading: 108}\n")
    result, pdf = build_page(tmp_path, "t", GOOD, "--style", tmp_path / "tight.yaml")
    _one_error(result, "style 'tight': title.leading (108 pt) is taller than the")
    assert "LayoutError" not in result.output and "0x" not in result.output


def test_a_binary_title_is_named_as_binary(tmp_path):
    result, _ = build_page(tmp_path, "b", "---\ntitle: !!binary aGVsbG8=\n---\n\nx\n")
    _one_error(result, "front matter 'title': expected text, found binary data (!!binary)")


# -- logos ------------------------------------------------------------------------------------

def _png_header(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                 0, 0, 0)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("logo", ["bomb-1bit", "header-2^31", "100-megapixels"])
def test_a_logo_bomb_is_refused_from_its_header(tmp_path, monkeypatch, logo):
    from PIL import Image

    write_page(tmp_path / "content", "good", GOOD)
    path = tmp_path / "logo.png"
    if logo == "bomb-1bit":
        Image.new("1", (20_000, 20_000)).save(path)
        assert path.stat().st_size < 100_000
    elif logo == "header-2^31":
        path.write_bytes(_png_header(2 ** 31, 2 ** 31))
        assert path.stat().st_size == 45
    else:
        Image.new("1", (10_000, 10_000)).save(path)
    (tmp_path / "handouts.yaml").write_text("clinic:\n  name: C\n  logo: logo.png\n")
    result = run_cli_in(monkeypatch, tmp_path, "build", "good")
    line = _one_error(result, "handouts.yaml: clinic.logo:")
    assert "Warning" not in result.output and "DecompressionBomb" not in result.output
    assert "more than 25 megapixels" in line


def test_a_logo_outside_the_workspace_is_refused(tmp_path, monkeypatch):
    make_logo(tmp_path / "logo.png")
    ws = tmp_path / "ws"
    write_page(ws / "content", "good", GOOD)
    (ws / "handouts.yaml").write_text(f"clinic:\n  logo: {tmp_path / 'logo.png'}\n")
    _one_error(run_cli_in(monkeypatch, ws, "build", "good"), "is outside the workspace")


# -- invisible and bidi characters --------------------------------------------------------------

def test_entities_and_front_matter_never_put_hidden_characters_in_the_pdf(tmp_path):
    page = ('---\ntitle: "Evil\\u202egnp.exe"\nsummary: "Sum\\u200bmary"\n'
            'reviewed_by: "Dr\\u202e X"\nreviewed_on: 2025-01-01\n---\n\n### Usage\n\n'
            "A &#8238;B &shy;C &ZeroWidthSpace;D &#x200F;E &zwj;F &#xFEFF;G\n")
    result, pdf = build_page(tmp_path, "ent", page)
    assert result.exit_code == 0, result.output
    doc = read_back(pdf)
    assert not HIDDEN & set(doc.text) and not HIDDEN & set(doc.title)
    assert doc.title == "Evilgnp.exe" and "A B C D E F G" in " ".join(doc.text.split())
    assert "Reviewed by Dr X" in doc.text
    for key in ("title", "summary", "reviewed_by"):
        assert f"ent.md: front matter '{key}': removed invisible" in result.output
    assert "ent.md:10: removed invisible or control characters U+00AD, U+200B, U+200D, " \
           "U+200F, U+202E, U+FEFF" in result.output
    xmp = pdf.read_bytes()
    assert "\u202e".encode("utf-16-be") not in xmp and "\u202e".encode() not in xmp


@pytest.mark.parametrize("key, yaml", [
    ("clinic.name", 'clinic:\n  name: "Evil\\u202eClinic"\n'),
    ("phones.care_team", 'phones:\n  care_team: "555\\u200b-0100"\n'),
    ("emergency", 'emergency: "Call\\x1b[2J 911"\n')])
def test_hidden_characters_in_the_config_are_an_error_naming_the_key(tmp_path, monkeypatch,
                                                                     key, yaml):
    write_page(tmp_path / "content", "good", GOOD)
    (tmp_path / "handouts.yaml").write_text(yaml)
    line = _one_error(run_cli_in(monkeypatch, tmp_path, "build", "good"),
                      f"handouts.yaml: {key}: expected text without control or invisible "
                      "characters, found U+")
    assert not HIDDEN & set(line)


def test_hidden_characters_in_style_wording_are_an_error(tmp_path):
    (tmp_path / "s.yaml").write_text('extends: default\nwarning: {label: "Get help\\u202e"}\n')
    result, _ = build_page(tmp_path, "good", GOOD, "--style", tmp_path / "s.yaml")
    _one_error(result, "warning.label: expected text without control or invisible")


# -- glyphs outside the body -------------------------------------------------------------------

def test_a_cjk_clinic_name_and_bullet_print_as_code_points_with_a_warning(tmp_path,
                                                                          monkeypatch):
    import page as validator

    write_page(tmp_path / "content", "bul", GOOD + "\n* one\n* two\n")
    (tmp_path / "handouts.yaml").write_text('clinic:\n  name: "中文 Clinic"\n')
    (tmp_path / "cjk.yaml").write_text('extends: default\nlist: {bullet: "中"}\n')
    result = run_cli_in(monkeypatch, tmp_path, "build", "bul", "--style", "cjk.yaml")
    assert result.exit_code == 0, result.output
    assert "cannot print, shown as [U+XXXX]: U+4E2D, U+6587" in result.output
    pdf = built_path(result)
    assert pdf.name == "bul.cjk.pdf"  # a style other than the clinic's names the file
    text = read_back(pdf).text
    assert "[U+4E2D][U+6587] Clinic" in text and "[U+4E2D] one" in text
    report = validator.validate_pdf(pdf, profile="ua1")
    assert report.is_compliant and not report.rules.failed


# -- the terminal ---------------------------------------------------------------------------------

ESCAPES = "\x1b]0;OWNED\x07\x1b[2J"


def test_escapes_in_file_names_and_titles_never_reach_the_terminal(tmp_path, monkeypatch):
    content = tmp_path / "content"
    write_page(content, "good", GOOD)
    write_page(content, "evil", '---\ntitle: "Evil\\e]0;OWNED\\a\\e[2J"\n---\n\n'
                                "### Usage\n\nx\n")
    (content / f"{ESCAPES}.md").write_text(GOOD)
    listed = run_cli_in(monkeypatch, tmp_path, "list")
    built = run_cli_in(monkeypatch, tmp_path, "build", "--all")
    for output in (listed.output, built.output):
        assert "\x1b" not in output and "\x07" not in output
    assert "\\x1b]0;OWNED\\x07" in listed.output
    assert "error: content/\\x1b]0;OWNED\\x07\\x1b[2J.md:" in built.output


def test_jobs_has_an_upper_bound(tmp_path):
    from handouts.deliver.parallel import max_jobs

    result = run_cli("build", "--all", "--content", tmp_path, "--jobs", max_jobs() + 1)
    assert result.exit_code == 2 and f"at most {max_jobs()}" in result.output
