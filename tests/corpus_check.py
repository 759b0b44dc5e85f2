"""One corpus page through the real pipeline, read back and checked.

Runs in worker processes for test_corpus.py, so everything here is picklable and
reads files itself. Text and positions for the word, footer and glyph checks come from
pypdf (fast); the labels, headings and the warning box's drawn rectangles from one
pdfplumber parse, against the labels markdown-it reads from the page (label_check.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpers import SAFE_INLINE_TAG, renamed_label_words, source_words, words
from label_check import (
    box_count, headings, hex_colour, labelled_lists, lost_labels, page_labels, raw_tags,
    read_pdf, repeated_headings,
)
from handouts.errors import HandoutError
from handouts.render.glyphs import FONT_DIR
from handouts.model import block_text, plain
from handouts.deliver.batch import build_one
from handouts.read.parse import read_page
from handouts.read.triage import is_group_label, is_severe
from handouts.settings.style import load_style

NO_SEVERE = "no severe side-effect group found"
NOT_DRUG = "not drug information"
EFFECTS_LABEL = re.compile(r"\b(side[- ]effects?|adverse)\b", re.I)
USAGE_OR_EFFECTS = re.compile(r"\b(usage|uses|indications|side[- ]effects?|adverse)\b", re.I)
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
    refused: str = ""  # the one-line error of a page the content gate refuses
    labels: int = 0  # non-standard labels the page's author wrote
    lost: list[str] = field(default_factory=list)  # of those, not printed as written
    repeated: list[str] = field(default_factory=list)  # headings printed twice in a row
    raw_tags: list[str] = field(default_factory=list)  # <sup> etc. printed as text
    boxes: int = 0


@dataclass
class Line:
    """A line of drawn text: its height on the page and the fonts that drew it."""

    y: float
    text: str = ""
    fonts: list[tuple[str, str]] = field(default_factory=list)  # (font, text piece)


def check_page(page, out_dir: Path) -> PageReport:
    report = PageReport(page.name)
    style = _style()
    labels = page_labels(page.path)
    try:
        built = build_one(page.path, page.name, style, out_dir)
    except HandoutError as exc:
        if NOT_DRUG in exc.reason:
            report.refused = exc.format_message()
            _check_refusal(report, labels)
            return report
        report.failure = f"{page.path}: {type(exc).__name__}: {exc}"
        return report
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
    lines, boxed = read_pdf(built.path, style.warning.fill)
    _check_labels(report, labels, lines, style)
    _check_box(report, drug, boxed, style)
    _check_severe_lists(report, page.path, boxed)
    return report


def _check_severe_lists(report, path, inside: str) -> None:
    """Read with markdown-it, not with our parser: every item of a list right under a
    severe side-effects label ("**Less Common but Serious Side Effects:**") is inside
    the box, its category lead-in ("Other: Fever.") too; only an item whose lead-in
    names a tier of its own ("Common: ...") may leave the group."""
    squeezed = _squeeze(inside)
    for label, line, items in labelled_lists(path):
        if not (is_severe(label) and EFFECTS_LABEL.search(label)):
            continue
        for item in items:
            head, colon, _ = item.partition(":")
            if colon and is_group_label(head) and not is_severe(head):
                continue
            lost = _first_not_in_order(words(SAFE_INLINE_TAG.sub(" ", item)), squeezed)
            if lost is not None:
                report.problems.append(f"box: item of {label!r} (line {line}) not boxed "
                                       f"(from {lost!r})")


def _check_refusal(report, labels) -> None:
    """A page refused as not drug information says so in one line, and the author
    wrote no usage or side-effects label anywhere on it (read with markdown-it)."""
    if "\n" in report.refused:
        report.problems.append(f"refused: not one line: {report.refused!r}")
    named = [label.text for label in labels if USAGE_OR_EFFECTS.search(label.text)]
    if named:
        report.problems.append(f"refused: the page has {named[0]!r}")


def _check_labels(report, labels, lines, style) -> None:
    """Every label the author wrote is printed as written (in bold), no heading twice
    in a row, no safe HTML tag printed as text, at most one warning box."""
    report.labels = sum(1 for label in labels if not label.standard)
    report.lost = [f"line {label.line}: {label.text!r}" for label in lost_labels(labels, lines)]
    names = headings(lines, style.heading.size, hex_colour(style.heading.colour))
    report.repeated = repeated_headings(names)
    report.raw_tags = raw_tags(lines)
    report.boxes = box_count(lines, style.warning.label)
    report.problems += [f"labels: lost {lost}" for lost in report.lost]
    report.problems += [f"headings: {name!r} twice in a row" for name in report.repeated]
    report.problems += [f"html: {tag!r} printed as text" for tag in report.raw_tags]
    if report.boxes > 1:
        report.problems.append(f"box: {report.boxes} warning boxes")


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


def _check_box(report, drug, inside: str, style) -> None:
    """Each severe group's text lies inside the warning box; no other group's label does."""
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
