"""Hostile page content prints as text: nothing evaluated, no file opened, no crash."""

from __future__ import annotations

import sys
import time

import pikepdf
import pytest

from helpers import build_page, fast_text, pdf_text, words

HOSTILE = [
    '<font color="[[[getattr(pow, Word(\'__globals__\'))[\'os\'].system(\'touch /tmp/pwned\') '
    'for Word in [ orgTypeFun( \'Word\', (str,), { \'mutated\': 1 } ) ] ]]] and \'red\'">x</font>',
    '<img src="/etc/passwd"/>',
    '<onDraw name="showPage"/>',
    '<a href="file:///etc/passwd">click</a>',
    "S&P and AT&T",
    "dose <5 mg & >2 mg",
    "neutrophils <1500/mm³",
    "HLA-B*5701 testing",
    "unclosed <i> italic and </para> end",
    "&amp; &#60; &copy;",  # Markdown entities: printed decoded, exactly once
]


def _page(lines):
    body = "\n\n".join(lines)
    return f"---\ntitle: Hostile\n---\n\n### Usage\n\n{body}\n"


def test_markup_prints_literally_and_opens_no_file(tmp_path):
    opened = []

    def audit(event, args):
        if event == "open" and isinstance(args[0], str) and args[0].startswith(("/etc", "file:")):
            opened.append(args[0])

    sys.addaudithook(audit)
    result, pdf = build_page(tmp_path, "hostile", _page(HOSTILE))
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(pdf).split())
    for line in HOSTILE:
        expected = " ".join(line.split())
        if line.startswith("<font"):  # Markdown reads __globals__ as bold; the rest is literal
            for piece in ('<font color="[[[getattr(pow', ".system('touch /tmp/pwned')", "</font>"):
                assert piece in text
            continue
        if line.startswith("&amp;"):
            expected = "& < ©"
        assert expected in text, line
    assert opened == []
    from pathlib import Path

    assert not Path("/tmp/pwned").exists()


def test_markdown_html_is_not_passed_through(tmp_path):
    result, pdf = build_page(tmp_path, "html", _page(["<script>alert(1)</script>",
                                                      "<div><b>bold?</b></div>"]))
    assert result.exit_code == 0
    text = pdf_text(pdf)
    # only the safe inline tags are formatting; <div> is not on the list: it is text
    assert "<script>alert(1)</script>" in text and "<div>bold?</div>" in text
    assert _faces(pdf, "bold?") == {"DejaVuSans-Bold"}


SAFE_HTML = [
    "Doses of 10<sup>6</sup> PFU per mL",
    "Histamine H<sub>1</sub> blockers",
    "A <i>Clostridioides difficile</i> infection and an <em>emphasised</em> word",
    "A <strong>strong</strong> and a <b class=\"x\" onclick=\"steal()\">heavy</b> word",
    "Line one<br>line two<br/>line three",
    "Left as typed: <b>never closed and </i> never opened",
    "Escaped: \\<b>not bold</b>, in code: `<i>code</i>`",
]


def test_safe_inline_html_is_formatting_and_the_rest_text(tmp_path):
    import page

    result, pdf = build_page(tmp_path, "safe", _page(SAFE_HTML))
    assert result.exit_code == 0, result.output
    # in drawing order: a raised or lowered character is on a line of its own for
    # pdfplumber's extract_text, but drawn right after the text before it
    text = " ".join("".join(c["text"] for c in _chars(pdf)).split())
    for shown in ("Doses of 106 PFU", "Histamine H1 blockers",
                  "A Clostridioides difficile infection", "A strong and a heavy word",
                  "Left as typed: <b>never closed and </i> never opened",
                  "Escaped: <b>not bold</b>, in code: <i>code</i>"):
        assert shown in text
    assert "class" not in text and "steal" not in text  # attributes are never honoured
    assert _faces(pdf, "Clostridioides") == {"DejaVuSans-Oblique"}
    assert _faces(pdf, "strong") == _faces(pdf, "heavy") == {"DejaVuSans-Bold"}
    assert _faces(pdf, "never") == {"DejaVuSans"}
    six, base = _char(pdf, "6", after="10"), _char(pdf, "0", after="1")
    assert six["size"] < base["size"] and six["bottom"] < base["bottom"]  # raised
    one, h = _char(pdf, "1", after="H"), _char(pdf, "H")
    assert one["size"] < h["size"] and one["bottom"] > h["bottom"]  # lowered
    lines = [ln for ln in pdf_text(pdf).splitlines() if ln.startswith("line ")]
    assert lines == ["line two", "line three"]  # <br> breaks the line
    report = page.validate_pdf(pdf, profile="ua1")
    assert report.is_compliant and not report.rules.failed


def _chars(pdf):
    from helpers import read_back

    return [c for pg in read_back(pdf).pages for c in pg.chars]


def _faces(pdf, word: str) -> set[str]:
    """The fonts (subset tag dropped) that drew every occurrence of `word`."""
    chars, faces = _chars(pdf), set()
    text = "".join(c["text"] for c in chars)
    at = text.find(word)
    while at >= 0:
        faces |= {c["fontname"].split("+")[-1] for c in chars[at:at + len(word)]}
        at = text.find(word, at + 1)
    return faces


def _char(pdf, char: str, after: str = ""):
    """The first drawn `char` that follows `after` (the first `char` without it)."""
    chars = _chars(pdf)
    text = "".join(c["text"] for c in chars)
    return chars[text.index(after + char) + len(after)]


def test_control_and_invisible_characters_removed_with_warning(tmp_path):
    line = "A\u202egnp.exe B\u200bC D\x00E F\x07G"
    result, pdf = build_page(tmp_path, "ctrl", _page([line]))
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf)
    assert "Agnp.exe BC DE FG" in text
    assert "U+0000" in result.output and "U+202E" in result.output and "ctrl.md:7" in result.output


def test_scripts_the_fonts_lack_are_shown_as_code_points(tmp_path):
    result, pdf = build_page(tmp_path, "cjk", _page(["Привет мир, Ελληνικά, 中文, e\u0301"]))
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf)
    assert "Привет мир" in text and "Ελληνικά" in text and "é" in text
    assert "[U+4E2D][U+6587]" in text
    assert "U+4E2D" in result.output and "cannot print" in result.output


def _pages(pdf) -> int:
    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


@pytest.mark.parametrize("case", ["long-paragraph", "long-token", "tall-item", "tall-box"])
def test_oversized_content_splits_across_pages(tmp_path, case):
    para = " ".join(f"word{i}" for i in range(50_000))
    bodies = {
        "long-paragraph": f"### Usage\n\n{para}\n",
        "long-token": "### Usage\n\n" + "x" * 5_000 + "\n",
        "tall-item": "### Usage\n\n* " + " ".join(["tall"] * 3_000) + "\n* after\n",
        "tall-box": "### Side Effects\n\n**Serious side effects:**\n\n"
                    + "".join(f"* severe item {i}\n" for i in range(200)),
    }
    start = time.monotonic()
    result, pdf = build_page(tmp_path, case, f"---\ntitle: Big\n---\n\n{bodies[case]}")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start < 120  # bounded, not a benchmark
    text = fast_text(pdf)
    pages = _pages(pdf)
    assert pages >= 2
    if case == "long-paragraph":
        assert set(words(para)) <= set(words(text))
    if case == "long-token":
        assert text.replace("\n", "").count("x") >= 5_000
    if case == "tall-box":
        assert "severe item 199" in text
        assert "(continued)" in text
        assert pages < 30  # no runaway blank pages


def test_deep_nesting_is_a_clear_error_not_lost_text(tmp_path):
    for name, deep in (("lists", "* " * 10_000 + "level\n"), ("quotes", ">" * 10_000 + " q\n")):
        start = time.monotonic()
        result, pdf = build_page(tmp_path, name, f"---\ntitle: Deep\n---\n\n### Usage\n\n"
                                                 f"{deep}\nafter\n")
        assert time.monotonic() - start < 30
        assert result.exit_code != 0 and not pdf.exists()
        assert f"{name}.md:7: lists or quotes nested deeper than" in result.output


def test_moderate_nesting_keeps_every_word(tmp_path):
    nested = "".join("  " * i + f"* level{i}\n" for i in range(15))
    result, pdf = build_page(tmp_path, "nested", f"---\ntitle: N\n---\n\n### Usage\n\n{nested}"
                                                 "\nafter the list\n")
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf)
    assert all(f"level{i}" in text for i in range(15)) and "after the list" in text


def test_huge_line_and_oversized_page(tmp_path):
    result, pdf = build_page(tmp_path, "wide", "---\ntitle: Wide\n---\n\n### Usage\n\n"
                             + "abc " * 250_000 + "\n")
    assert result.exit_code == 0, result.output
    assert fast_text(pdf).count("abc") == 250_000  # every word printed, none cut
    assert _pages(pdf) > 100
    result, pdf = build_page(tmp_path, "huge", "---\ntitle: Huge\n---\n\n" + "a" * 3_000_000)
    assert result.exit_code != 0 and not pdf.exists()
    assert "huge.md: page is 3000021 bytes; the limit is" in result.output, result.output
