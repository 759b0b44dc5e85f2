"""Render stage: the bundled TrueType fonts, registered with ReportLab once per process.

ReportLab's font registry is global state: this is the only module that touches it.
"""

from __future__ import annotations

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .glyphs import FONT_DIR
from .internals import font_subsets, object_named

_registered: set[str] = set()


# Unicode values a ToUnicode map must never give a code (PDF/UA-1, ISO 14289-1 7.21.7).
NOT_TEXT = frozenset({0x0000, 0xFEFF, 0xFFFE})


def register(names) -> None:
    """Register bundled fonts by file stem (e.g. 'DejaVuSans'); parse each once."""
    # ASCII85 makes every compressed stream a quarter larger for 7-bit mail transports
    # that no longer exist; attachments are base64-encoded anyway.
    rl_config.useA85 = 0
    for name in names:
        if name in _registered:
            continue
        pdfmetrics.registerFont(SubsetFont(name, str(FONT_DIR / f"{name}.ttf")))
        _registered.add(name)


def register_family(regular: str, bold: str, italic: str, bold_italic: str) -> None:
    """Tie four faces together so <b> and <i> in a paragraph pick the bundled fonts."""
    addMapping(regular, 0, 0, regular)
    addMapping(regular, 1, 0, bold)
    addMapping(regular, 0, 1, italic)
    addMapping(regular, 1, 1, bold_italic)


class SubsetFont(TTFont):
    """ReportLab's TTFont, with subset ToUnicode maps that map only real characters.

    ReportLab maps code 0 (.notdef) and the unused codes of a subset to U+0000, which
    PDF/UA forbids; those codes draw nothing here (characters the fonts lack are
    replaced before layout), so they are left out of the map rather than mapped.
    """

    def addObjects(self, doc):
        internal, subsets = font_subsets(self, doc)
        super().addObjects(doc)  # names its subsets internal+N
        fonts = object_named(doc, "BasicFonts").dict
        for n, subset in enumerate(subsets):
            font = fonts[f"{internal}+{n}"]
            object_named(doc, font.ToUnicode.name).content = to_unicode_cmap(
                font.BaseFont, subset)


def to_unicode_cmap(name: str, subset: list[int]) -> str:
    """A ToUnicode CMap for a one-byte subset: code i -> subset[i], real characters only,
    in blocks of at most 100 entries as the CMap format requires."""
    pairs = [f"<{code:02X}> <{_utf16(value)}>" for code, value in enumerate(subset)
             if value not in NOT_TEXT]
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo", f"<< /Registry ({name})", f"/Ordering ({name})", "/Supplement 0",
        ">> def", f"/CMapName /{name} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        *blocks, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


def _utf16(value: int) -> str:
    return chr(value).encode("utf-16-be").hex().upper()
