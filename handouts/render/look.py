"""Render stage: one Style -> the ReportLab paragraph styles a handout is set in.

Registers the style's bundled fonts and ties the four faces into one family so <b> and
<i> pick them. Knows ReportLab and the Style; never the drug model or Markdown.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from ..settings.style_schema import PAGE_SIZES, Style, faces
from . import fonts
from .glyphs import coverage

# Not a style choice: nested lists stop moving right at a third of the line, so the
# text of a deep item keeps room to wrap however many levels a page nests.
MAX_INDENT_DIVISOR = 3

class Look:
    """ReportLab paragraph styles built from one Style (cached per style)."""

    def __init__(self, style: Style):
        self.style = style
        four = faces(style)
        self.regular, self.bold, self.italic, self.bold_italic = four
        fonts.register(sorted(set(four)))
        fonts.register_family(*four)
        self.covered = coverage(four)
        self.width, self.height = PAGE_SIZES[style.page.size]
        page = style.page
        self.text_width = self.width - page.margin_left - page.margin_right
        self.title = self._para("title", style.title, bold=True)
        self.summary = self._para("summary", style.summary)
        self.generic = self._para("generic", style.generic)
        self.heading = self._para("heading", style.heading, bold=True)
        self.part = self._para("part", style.heading, bold=True,
                               size=style.heading.part_size)
        self.body = self._para("body", style.body)
        self.sub = self._para("sub", style.body, bold=True,
                              colour=style.heading.colour)
        self.question = self._para("question", style.body, bold=True,
                                   colour=style.faq.question_colour)
        w = style.warning
        self.box_label = self._para("box_label", style.body, bold=True, size=w.label_size,
                                    colour=w.label_colour, after=0)
        self.box_text = self._para("box_text", style.body, colour=w.text_colour, after=0)
        self.box_call = self._para("box_call", style.body, bold=True, colour=w.text_colour,
                                   after=0)
        n = style.note
        self.note = self._para("note", style.body, size=n.size, colour=n.colour, after=0)
        ft = style.footer
        self.footer = ParagraphStyle("footer", fontName=self.regular, fontSize=ft.size,
                                     leading=ft.leading, textColor=HexColor(ft.colour))

    def _para(self, name, block, bold=False, size=None, colour=None, after=None):
        size = size or block.size
        leading = block.leading * size / block.size
        return ParagraphStyle(
            name, fontName=self.bold if bold else self.regular, fontSize=size,
            leading=leading, textColor=HexColor(colour or block.colour),
            spaceBefore=block.space_before, spaceAfter=block.space_after if after is None else after,
            alignment=TA_LEFT, splitLongWords=1, allowWidows=0,
            allowOrphans=0)

    def bulleted(self, base: ParagraphStyle, depth: int, bullet_font: str) -> ParagraphStyle:
        """One indent step deeper than `base`; past a third of the line width deeper
        levels stop moving right, so the text keeps room to wrap."""
        step = self.style.list.indent
        indent = min(base.leftIndent + step, max(self.text_width / MAX_INDENT_DIVISOR, step))
        return ParagraphStyle(
            f"{base.name}-l{depth}", parent=base, leftIndent=indent,
            bulletIndent=indent - step * self.style.list.bullet_offset,
            bulletFontName=bullet_font,
            bulletFontSize=base.fontSize,  # numbers are text too
            spaceAfter=self.style.list.item_space, spaceBefore=0)


@lru_cache(maxsize=8)
def look_for(style: Style) -> Look:
    return Look(style)
