"""Render stage: which characters the style's fonts can draw, and the [U+XXXX] stand-in
for the rest, so nothing prints as a blank box and nothing vanishes silently.

Reads the bundled fonts' cmap tables with fontTools, not ReportLab: `handouts check`
reports what a build would print without loading the layout engine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).parent.parent / "fonts"


def font_files() -> list[Path]:
    """The bundled font files (their bytes are inputs of every build)."""
    return sorted(FONT_DIR.glob("*.ttf"))


@lru_cache(maxsize=None)
def font_coverage(name: str) -> frozenset[int]:
    """Code points the bundled font `name` (a file stem, e.g. 'DejaVuSans') has glyphs for."""
    return frozenset(TTFont(str(FONT_DIR / f"{name}.ttf"), lazy=True).getBestCmap())


def coverage(names) -> frozenset[int]:
    """Code points every one of the fonts `names` can draw.

    A character any face lacks counts as not printable: an italic run would print
    .notdef, which PDF/UA forbids. (Outside the BMP is fine: fonts.py writes the
    ToUnicode entries as UTF-16 surrogate pairs, so extraction gets the character.)
    """
    return frozenset.intersection(*(font_coverage(n) for n in names))


class Glyphs:
    """Replaces characters the fonts cannot draw with a visible [U+XXXX] and counts
    them, so nothing prints as a blank box and nothing vanishes silently."""

    def __init__(self, covered: frozenset[int]):
        self.covered = covered
        self.missing: dict[str, int] = {}

    def fix(self, text: str) -> str:
        if text.isascii() or set(map(ord, text)) <= self.covered:  # the usual case, fast
            return text
        out = []
        for c in text:
            if ord(c) in self.covered or c in "\n\t":
                out.append(c)
            else:
                self.missing[c] = self.missing.get(c, 0) + 1
                out.append(f"[U+{ord(c):04X}]")
        return "".join(out)

    def warnings(self) -> tuple[str, ...]:
        if not self.missing:
            return ()
        shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(self.missing)[:20])
        more = " ..." if len(self.missing) > 20 else ""
        return (f"{len(self.missing)} character(s) the fonts cannot print, shown as "
                f"[U+XXXX]: {shown}{more}",)
