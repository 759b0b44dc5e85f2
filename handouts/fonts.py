"""Bundled TrueType fonts, registered with ReportLab once per process.

ReportLab's font registry is global state: this is the only module that touches it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
_registered: set[str] = set()


# Unicode values a ToUnicode map must never give a code (PDF/UA-1, ISO 14289-1 7.21.7).
NOT_TEXT = frozenset({0x0000, 0xFEFF, 0xFFFE})


def register(names) -> None:
    """Register bundled fonts by file stem (e.g. 'DejaVuSans'); parse each once."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics

    # ASCII85 makes every compressed stream a quarter larger for 7-bit mail transports
    # that no longer exist; attachments are base64-encoded anyway.
    rl_config.useA85 = 0
    for name in names:
        if name in _registered:
            continue
        pdfmetrics.registerFont(_font_class()(name, str(FONT_DIR / f"{name}.ttf")))
        _registered.add(name)


@lru_cache(maxsize=1)
def _font_class():
    """ReportLab's TTFont, with subset ToUnicode maps that map only real characters.

    ReportLab maps code 0 (.notdef) and the unused codes of a subset to U+0000, which
    PDF/UA forbids; those codes draw nothing here (characters the fonts lack are
    replaced before layout), so they are left out of the map rather than mapped.
    """
    from reportlab.pdfbase.ttfonts import TTFont

    class SubsetFont(TTFont):
        def addObjects(self, doc):
            state = self._assignState(doc)
            subsets = [list(subset) for subset in state.subsets]
            super().addObjects(doc)  # names its subsets state.internalName+N
            fonts = doc.idToObject["BasicFonts"].dict
            for n, subset in enumerate(subsets):
                font = fonts[f"{state.internalName}+{n}"]
                doc.idToObject[font.ToUnicode.name].content = to_unicode_cmap(
                    font.BaseFont, subset)

    return SubsetFont


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


def covered(name: str) -> set[int]:
    """Code points the bundled font `name` has glyphs for."""
    register([name])
    from reportlab.pdfbase import pdfmetrics

    return set(pdfmetrics.getFont(name).face.charToGlyph)


def font_files() -> list[Path]:
    return sorted(FONT_DIR.glob("*.ttf"))
