"""One corpus page through the real pipeline, read back and checked.

Runs in worker processes for test_corpus.py, so everything here is picklable and
reads files itself. Text and positions come from pypdf (fast); pdfplumber opens only
the pages that show a warning box, where its drawn rectangles are needed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpers import renamed_label_words, source_words, text_in_boxes, words
from handouts.render.glyphs import FONT_DIR
from handouts.model import block_text, plain
from handouts.deliver.batch import build_one
from handouts.read.parse import read_page
from handouts.settings.style import load_style

NO_SEVERE = "no severe side-effect group found"
_style = lru_cache(maxsize=1)(load_style)  # once per worker, not once per page


@dataclass
class PageReport:
    """What one page's build and checks found; problems are 'check: detail'."""

    name: str
    failure: str = ""
    problems: list[str] = field(default_factory=list)
    words: int = 0
    missing: list[str] = field(default_factory=list)
    has_box: bool = False
    warned_none: bool = False
    pdf_pages: int = 0


@dataclass
class Line:
    """A line of drawn text: its height on the page and the fonts that drew it."""

    y: float
    text: str = ""
    fonts: list[tuple[str, str]] = field(default_factory=list)  # (font, text piece)


def check_page(page, out_dir: Path) -> PageReport:
    report = PageReport(page.name)
    style = _style()
    try:
        built = build_one(page.path, page.name, style, out_dir)
    except Exception as exc:  # the report names any failure; the test asserts none
        report.failure = f"{page.path}: {type(exc).__name__}: {exc}"
        return report
    drug = read_page(page.path, page.name)
    pages = read_lines(built.path)
    report.pdf_pages = len(pages)
    report.warned_none = any(NO_SEVERE in w for w in built.warnings)
    report.problems += [f"glyphs: {w}" for w in built.warnings if "cannot print" in w]
    _check_words(report, page.path, drug, pages)
    _check_footer(report, drug, pages, style)
    _check_glyphs(report, pages)
    _check_box(report, drug, built.path, pages, style)
    return report


# -- reading the PDF -------------------------------------------------------------------

def read_lines(path: Path) -> list[list[Line]]:
    """Each PDF page's text lines, top to bottom, with the fonts used."""
    from pypdf import PdfReader

    return [_page_lines(page) for page in PdfReader(path).pages]


def _page_lines(page) -> list[Line]:
    lines: dict[float, Line] = {}

    def visit(text, cm, tm, font, size):
        text = text.replace("\n", "")
        if not text:
            return
        y = round(tm[4] * cm[1] + tm[5] * cm[3] + cm[5], 1)
        line = lines.setdefault(y, Line(y))
        line.text += text  # pieces of one line arrive in drawing order
        line.fonts.append((_base_font(font), text))

    page.extract_text(visitor_text=visit)
    return sorted(lines.values(), key=lambda line: -line.y)


def _base_font(font) -> str:
    name = str(font.get("/BaseFont", "")) if font else ""
    return name.lstrip("/").split("+")[-1]  # drop the subset tag "AAAAAA+"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    """Text without any spaces: a long word broken across lines reads whole again."""
    return re.sub(r"\s+", "", text)


# -- checks ------------------------------------------------------------------------------

def _check_words(report, path, drug, pages) -> None:
    """Every body word of the page (found without our parser) is printed, as often as
    the page has it: a dropped paragraph is caught even when its words recur."""
    text = "\n".join(line.text for lines in pages for line in lines)
    expected = Counter(source_words(path))
    short = expected - Counter(words(text)) - renamed_label_words(drug)
    squeezed = _squeeze(text)  # a long word broken across lines counts whole
    report.words = sum(expected.values())
    report.missing = sorted(w for w, n in short.items() if squeezed.count(w) < expected[w])


def _check_footer(report, drug, pages, style) -> None:
    """The disclaimer is the last block of text on every page, above the page number,
    and every page has body text above it."""
    disclaimer = _norm(drug.disclaimer or style.footer.default_disclaimer)
    for number, lines in enumerate(pages, start=1):
        label = style.footer.page_label.format(page=number, pages=len(pages))
        texts = [_norm(line.text) for line in lines]
        if not texts or texts[-1] != label:
            report.problems.append(f"footer: page {number} does not end with {label!r}")
            continue
        above = texts[:-1]
        start = next((i for i in range(len(above)) if " ".join(above[i:]) == disclaimer), None)
        if start is None:
            report.problems.append(f"footer: page {number} lacks the disclaimer at its foot")
        elif above[int(number > 1):start] == []:  # after page 1 the header line comes first
            report.problems.append(f"layout: page {number} has no body text")


def _check_glyphs(report, pages) -> None:
    """Every drawn character has a glyph in the bundled font that drew it."""
    for number, lines in enumerate(pages, start=1):
        for line in lines:
            for font, piece in line.fonts:
                cmap = font_cmap(font)
                bad = {c for c in piece if not c.isspace() and ord(c) not in cmap}
                if bad:
                    shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(bad))
                    report.problems.append(f"glyphs: page {number}: {font} lacks {shown}")


@lru_cache(maxsize=None)
def font_cmap(name: str) -> frozenset[int]:
    """Code points of a bundled font, read from its own cmap (empty if not bundled)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    path = FONT_DIR / f"{name}.ttf"
    return frozenset(TTFontFile(str(path)).charToGlyph) if path.is_file() else frozenset()


def _check_box(report, drug, pdf_path, pages, style) -> None:
    """Each severe group's text lies inside the warning box; no other group's label does."""
    head = _norm(style.warning.label.removesuffix(":"))  # "(continued):" may follow
    boxed = [i for i, lines in enumerate(pages)
             if head in _norm(" ".join(line.text for line in lines))]
    inside = _boxed_text(pdf_path, style.warning.fill, boxed) if boxed else ""
    report.has_box = bool(inside)
    if report.has_box != bool(drug.severe_groups):
        report.problems.append(f"box: drawn={report.has_box}, "
                               f"severe groups={len(drug.severe_groups)}")
    for group in drug.severe_groups:
        lost = _first_not_in_order(words(block_text(group)), _squeeze(inside))
        if lost is not None:
            report.problems.append(f"box: severe group line {group.line} not boxed "
                                   f"(from {lost!r})")
    unbulleted = _squeeze(inside.replace(style.list.bullet, ""))
    for section in drug.sections:
        for group in section.groups:
            if not group.severe and group.label and group.blocks \
                    and _opening(group) in unbulleted:
                report.problems.append(f"box: non-severe group line {group.line} boxed")


def _boxed_text(pdf_path, fill: str, indexes: list[int]) -> str:
    """The boxed text of the given pages only: pdfplumber parses no other page (and,
    unlike the tests' read_back, nothing is kept: a worker reads hundreds of PDFs)."""
    import pdfplumber

    with pdfplumber.open(pdf_path) as pdf:
        return text_in_boxes([pdf.pages[i] for i in indexes], fill)


def _opening(group) -> str:
    """A group's label and the start of its first item, as one string without spaces:
    a label alone ("Common Side Effects:") also ends "Less Common Side Effects:"."""
    return _squeeze(plain(group.label) + block_text(group.blocks[0])[:40])


def _first_not_in_order(wanted: list[str], text: str) -> str | None:
    """The first word not found after the previous one in `text` (None: all found)."""
    at = 0
    for word in wanted:
        found = text.find(word, at)
        if found < 0:
            return word
        at = found + len(word)
    return None
