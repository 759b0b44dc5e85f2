"""The seed page as given (mojibake included) becomes a complete, checkable handout."""

from __future__ import annotations

import re
import subprocess
import sys

import pikepdf

from handouts.read.parse import read_page
from handouts.settings.style import load_style
from helpers import (
    ROOT, SEED, boxed_text, modules_loaded_by, pdf_text, pdf_words, read_back,
    qpdf_check, renamed_label_words, run_cli, sha256, source_words,
)


def _seed_items():
    """The seed's common and severe list items, read from the page source itself."""
    text = SEED.read_text(encoding="utf-8")
    common_part = text.split("**Side Effects:**")[1].split("**Severe side effects")[0]
    severe_part = text.split("**Severe side effects")[1].split("**How it Works")[0]
    items = lambda part: [re.match(r"\* \*\*(.+?):?\*\*", line).group(1)
                          for line in part.splitlines() if line.startswith("* ")]
    return items(common_part), items(severe_part)


def test_pdf_is_structurally_valid(seed_pdf):
    with pikepdf.open(seed_pdf) as pdf:
        assert pdf.check_pdf_syntax() == []
    qpdf_check(seed_pdf)


def test_every_body_word_is_printed_with_mojibake_repaired(seed_pdf):
    printed = pdf_words(seed_pdf)
    expected = set(source_words(SEED)) - renamed_label_words(read_page(SEED)).keys()
    missing = sorted(expected - printed)
    assert missing == []
    assert "m²" in pdf_text(seed_pdf) and "Â" not in pdf_text(seed_pdf)


def test_disclaimer_and_page_numbers_on_every_page(seed_pdf):
    disclaimer = " ".join(read_page(SEED).disclaimer.split())
    pages = read_back(seed_pdf).pages
    total = len(pages)
    assert total >= 2  # the check below must see more than one page
    for number, page in enumerate(pages, start=1):
        footer = page.text_crossing((0, page.height * 0.8, page.width, page.height))
        text = " ".join(footer.split())
        assert disclaimer in text, f"page {number}"
        assert f"Page {number} of {total}" in text


def test_body_never_overlaps_footer(seed_pdf):
    for page in read_back(seed_pdf).pages:
        rules = [l for l in page.lines if abs(l["top"] - l["bottom"]) < 0.5]
        footer_rule = max(rules, key=lambda l: l["top"])
        body = [w for w in page.words if w["bottom"] < footer_rule["top"]]
        below = [w for w in page.words if w["top"] > footer_rule["top"]]
        assert body and below
        assert max(w["bottom"] for w in body) < footer_rule["top"]


def test_severe_items_in_box_and_common_items_not(seed_pdf):
    common, severe = _seed_items()
    assert (len(common), len(severe)) == (10, 4)
    inside = boxed_text(seed_pdf, load_style().warning.fill)
    outside = pdf_text(seed_pdf)
    assert "Get medical help right away" in inside
    for item in severe:
        assert item in inside, item
    for item in common:
        assert item not in inside, item
        assert item in " ".join(outside.replace("•", " ").split()), item


def test_all_fonts_embedded(seed_pdf):
    with pikepdf.open(seed_pdf) as pdf:
        fonts = {}
        for page in pdf.pages:
            for name, font in page.Resources.get("/Font", {}).items():
                fonts[str(font.get("/BaseFont"))] = font
        assert fonts
        for base, font in fonts.items():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert descriptor is not None, base
            assert "/FontFile2" in descriptor, f"{base} is not embedded"


def test_metadata_and_bookmarks(seed_pdf):
    with pikepdf.open(seed_pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Ixabepilone"
        assert "metastatic breast cancer" in str(info["/Subject"])
        assert str(info["/Author"])
        assert str(pdf.Root.Lang) == "en"
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            titles += [c.title for item in outline.root for c in item.children]
    assert "Ixabepilone" in titles and "Possible side effects" in titles


def test_two_builds_are_byte_identical(tmp_path):
    first = run_cli("build", "ixabepilone", "--content", ROOT / "content", "--out", tmp_path / "a")
    second = run_cli("build", "ixabepilone", "--content", ROOT / "content", "--out", tmp_path / "b")
    assert first.exit_code == second.exit_code == 0
    assert sha256(tmp_path / "a" / "ixabepilone.pdf") == sha256(tmp_path / "b" / "ixabepilone.pdf")


def test_source_date_epoch_sets_the_dates(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000", "TZ": "Asia/Tokyo"}
    done = subprocess.run(
        [sys.executable, "-m", "handouts", "build", "ixabepilone", "--out", str(tmp_path)],
        cwd=ROOT, env={**_base_env(), **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pikepdf.open(tmp_path / "ixabepilone.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20231114")


def _base_env():
    import os

    return {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TZ")}


def test_real_process_builds_into_out(tmp_path):
    """The README command, as a real process: writes out/NAME.pdf and says so."""
    done = subprocess.run([sys.executable, "-m", "handouts", "build", "ixabepilone",
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "ixabepilone.pdf (" in done.stdout
    assert "repaired mis-encoded text" in done.stderr and "ixabepilone.md" in done.stderr


def test_help_does_not_import_reportlab():
    assert modules_loaded_by(["build", "--help"], ("reportlab", "markdown_it")) == []


def test_bookmarks_point_at_the_page_of_their_heading(seed_pdf):
    texts = [page.text for page in read_back(seed_pdf).pages]
    with pikepdf.open(seed_pdf) as pdf:
        with pdf.open_outline() as outline:
            items = [c for item in outline.root for c in item.children]
            targets = {c.title: pdf.pages.index(pikepdf.Page(c.destination[0])) for c in items}
    assert len(set(targets.values())) > 1  # headings sit on different pages
    for title, index in targets.items():
        first = next(i for i, text in enumerate(texts) if title in text)
        assert index == first, title
