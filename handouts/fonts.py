"""Bundled TrueType fonts, registered with ReportLab once per process.

ReportLab's font registry is global state: this is the only module that touches it.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
_registered: set[str] = set()


def register(names) -> None:
    """Register bundled fonts by file stem (e.g. 'DejaVuSans'); parse each once."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name in names:
        if name in _registered:
            continue
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
        _registered.add(name)


def covered(name: str) -> set[int]:
    """Code points the bundled font `name` has glyphs for."""
    register([name])
    from reportlab.pdfbase import pdfmetrics

    return set(pdfmetrics.getFont(name).face.charToGlyph)


def font_files() -> list[Path]:
    return sorted(FONT_DIR.glob("*.ttf"))
