"""Render stage: every use of ReportLab's private API, in this one module.

ReportLab has no public hooks for marked content, extra page-dictionary keys, a font
subset's characters, the page count at save time or a frame's usable height; these few
private names are what the renderer relies on. tests/test_boundaries.py checks each of
them on the installed ReportLab and fails loudly when an upgrade removes one, and
pyproject.toml bounds the ReportLab version.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

# (what, attribute) pairs this module reads or writes; the test checks every one.
PRIVATE_NAMES = (
    ("Canvas", "_code"), ("Canvas", "_doc"), ("Canvas", "_startPage"),
    ("Canvas", "_setAnnotations"), ("PDFDocument", "_pdfVersion"),
    ("PDFDocument", "_timeStamp"), ("PDFDocument", "idToObject"),
    ("PDFPage", "__NoDefault__"), ("TTFont", "_assignState"), ("Frame", "_aH"),
)


def append_operator(canv: Canvas, operator: str) -> None:
    """Add a raw content-stream operator (BDC/EMC for marked content) to the page."""
    canv._code.append(operator)


def page_has_content(canv: Canvas) -> bool:
    return bool(canv._code)


def document_of(canv: Canvas):
    """The canvas's PDFDocument (where the structure tree is written at save time)."""
    return canv._doc


def start_page(canv: Canvas) -> None:
    """Begin a fresh page without emitting the current one (pages are held for Y)."""
    canv._startPage()


def raise_pdf_version(doc, version: tuple[int, int]) -> None:
    doc._pdfVersion = max(doc._pdfVersion, version)


def time_stamp(doc):
    """The document's creation stamp (SOURCE_DATE_EPOCH or the invariant date)."""
    return doc._timeStamp


def object_named(doc, name: str):
    return doc.idToObject[name]


def add_page_keys(page, entries: dict) -> None:
    """ReportLab writes only the page keys it knows; extend that list for this page."""
    for key, value in entries.items():
        setattr(page, key, value)
    known = page.__NoDefault__
    page.__NoDefault__ = known + [k for k in entries if k not in known]


def font_subsets(font, doc) -> tuple[str, list[list[int]]]:
    """(internal name, characters of each subset) of a TrueType font in `doc`."""
    state = font._assignState(doc)
    return state.internalName, [list(subset) for subset in state.subsets]


def usable_height(frame) -> float:
    """The frame's height inside its padding, as platypus measures it."""
    return frame._aH


class PageHookCanvas(Canvas):
    """A canvas told about each page dictionary ReportLab makes (page_made)."""

    def _setAnnotations(self, page):  # called once for each page ReportLab makes
        super()._setAnnotations(page)
        self.page_made(self.getPageNumber(), page)

    def page_made(self, number: int, page) -> None:
        pass
