"""Render stage: the contents page of a print pack (titles and the pack page each
handout starts on), in the handouts' style and under the clinic's header.

Knows ReportLab and the style; never reads a page or a handout's PDF.
"""

from __future__ import annotations

import io

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Table

from .. import __version__
from .flowables import TaggedParagraph
from .glyphs import Glyphs
from .handover import handover_box
from .internals import usable_height
from .look import look_for
from .markup import escape
from .page import Header
from .tagging import Tags, TaggedCanvas

CONTENTS_TITLE = "Contents"
CONTENTS_NOTE = ("Page numbers count every page of this pack, starting with this one and "
                 "including blank pages; each handout also numbers its own pages.")


def draw_contents(rows, style, config, handover=None) -> tuple[bytes, int]:
    """The contents pages, in the handouts' style and header, tagged like a handout
    (H1, P, then a TOC with one TOCI per handout): (PDF bytes, pages)."""
    look = look_for(style)
    glyphs = Glyphs(look.covered)
    tags = Tags()  # the header draws through the tagging layer, as in every handout
    page, header = style.page, Header(config.clinic, look, tags.root, glyphs)
    frame = Frame(page.margin_left, page.margin_bottom, look.text_width,
                  look.height - page.margin_top - page.margin_bottom - header.height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(look.width, look.height), title=_pack_title(config),
        author="handouts", creator=f"handouts {__version__}",
        producer=f"handouts {__version__}", invariant=1, lang="en", displayDocTitle=1,
        initialFontName=look.regular, pageCompression=1)
    doc.addPageTemplates([PageTemplate("contents", [frame], onPage=lambda canv, d: (
        header.draw(canv, d.page, CONTENTS_TITLE)))])
    root = tags.root
    story = [TaggedParagraph(CONTENTS_TITLE, look.title, root.add("H1")),
             TaggedParagraph(escape(CONTENTS_NOTE), look.summary, root.add("P"))]
    if handover:
        story.append(handover_box(handover, look, glyphs, root, usable_height(frame)))
    story.append(_table(rows, look, glyphs, root.add("TOC"), style.contents.number_width))
    doc.build(story, canvasmaker=lambda *a, **k: TaggedCanvas(*a, tags=tags, **k))
    return buffer.getvalue(), doc.page


def _table(rows, look, glyphs, toc, number_width: float) -> Table:
    """Title and start page per handout; each row one TOCI of the TOC."""
    number = ParagraphStyle("number", parent=look.body, alignment=TA_RIGHT)
    cells = []
    for title, start in rows:
        item = toc.add("TOCI")
        cells.append([TaggedParagraph(escape(glyphs.fix(title)), look.body, item.add("P")),
                      TaggedParagraph(str(start), number, item.add("P"))])
    table = Table(cells, colWidths=[look.text_width - number_width, number_width],
                  repeatRows=0)
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    return table


def _pack_title(config) -> str:
    name = config.clinic.name
    return f"Patient handouts: {name}" if name else "Patient handouts"
