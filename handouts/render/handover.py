"""Render stage: the box of a personalised copy (who it is for, the day it is handed
over, a note), drawn on page 1 of that copy only and tagged like the page's text.

Knows ReportLab and the style; never reads a page, never writes a file.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle

from ..model import Handover
from .flowables import Box, BoxLook, TaggedParagraph
from .glyphs import Glyphs
from .look import Look
from .markup import escape
from .tagging import Element


def handover_box(handover: Handover, look: Look, glyphs: Glyphs, parent: Element,
                 frame_height: float) -> Box:
    """A Sect of one paragraph per line: 'For: NAME', 'Given on DATE', 'Note: ...'."""
    h = look.style.handover
    pstyle = ParagraphStyle("handover", parent=look.body, fontSize=h.size,
                            leading=h.size * look.body.leading / look.body.fontSize,
                            textColor=HexColor(h.colour), spaceBefore=0, spaceAfter=0)
    lines = []
    if handover.patient:
        lines.append(_fill(h.patient, "{name}", handover.patient, glyphs, bold=True))
    if handover.on is not None:
        lines.append(escape(h.given.replace("{date}", handover.on.isoformat())))
    if handover.note:
        lines.append(_fill(h.note, "{note}", handover.note, glyphs))
    sect = parent.add("Sect")
    items = [TaggedParagraph(text, pstyle, sect.add("P")) for text in lines]
    box = Box(items, BoxLook(h.fill, h.border_colour, h.border_width, h.padding, h.gap),
              page_height=frame_height)
    box.spaceBefore, box.spaceAfter = h.space_before, h.space_after
    return box


def _fill(template: str, slot: str, value: str, glyphs: Glyphs, bold: bool = False) -> str:
    """The style's wording around the value; only the value is bold."""
    before, _, after = template.partition(slot)
    text = escape(glyphs.fix(value))
    return escape(before) + (f"<b>{text}</b>" if bold else text) + escape(after)
