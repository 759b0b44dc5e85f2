"""Render stage: assemble one handout: Drug + Style + Config -> PDF bytes.

Builds the story and the page template, lays the document out with ReportLab platypus
and packs the result into object streams. Every handout is a tagged PDF/UA-1 document.
Same inputs, same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from .. import __version__
from ..errors import HandoutError
from ..model import Drug, Handover
from ..settings.config_schema import Config
from ..settings.style_schema import Style
from .flowables import numbered_canvas
from .glyphs import Glyphs
from .internals import usable_height
from .look import look_for
from .page import Header, ReviewMark, decorate, footer_paragraph, page_label
from .story import build_story, call_text
from .tagging import Tags

# Not a style choice: a disclaimer that takes more than this share of every page leaves
# too little for the handout itself, so it is an error naming the page.
MAX_FOOTER_SHARE = 0.35


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    warnings: tuple[str, ...] = ()


def render(drug: Drug, style: Style, config: Config = Config(),
           handover: Handover | None = None) -> Rendered:
    """Lay out one drug page: the PDF bytes and its page count. With `handover` the
    copy is personalised (a box on page 1): those bytes must go nowhere but where the
    user sends them."""
    look = look_for(style)
    page = style.page
    glyphs = Glyphs(look.covered)
    tags = Tags()
    footer = footer_paragraph(drug, look, glyphs)
    footer_h = footer.wrap(look.text_width, 1e6)[1] + style.footer.leading + style.footer.gap
    header = Header(config.clinic, look, tags.root, glyphs)
    header_h = header.height
    text_height = look.height - page.margin_top - page.margin_bottom
    if footer_h > MAX_FOOTER_SHARE * text_height:
        raise HandoutError(
            f"the disclaimer needs {footer_h:.0f} pt of footer on every page; "
            f"at most {MAX_FOOTER_SHARE * text_height:.0f} pt fits", drug.source)
    mark = ReviewMark(drug, config, look, glyphs)
    footer_h += mark.height  # the review mark sits between the body and the footer
    frame = Frame(page.margin_left, page.margin_bottom + footer_h, look.text_width,
                  text_height - footer_h - header_h, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    _check_room(text_height - footer_h - header_h, style, drug.source)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(look.width, look.height), title=drug.title,
        subject=drug.summary or f"Patient information: {drug.title}",
        author="handouts", creator=f"handouts {__version__}", producer=f"handouts {__version__}",
        keywords=["patient information", drug.title], invariant=1, lang=drug.lang,
        displayDocTitle=1, initialFontName=look.regular, initialFontSize=style.body.size,
        pageCompression=1,
    )
    on_page = decorate(glyphs.fix(drug.title), header, footer, look, mark)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page)])
    story = build_story(drug, look, usable_height(frame), glyphs, call_text(style, config), tags,
                        handover)
    if mark.para is not None:  # read where it stands: after the body, before the footer
        mark.para.tag = tags.root.add("P")
    footer.tag = tags.root.add("P")
    try:
        doc.build(story, canvasmaker=numbered_canvas(page_label(look, glyphs), tags))
    except LayoutError:  # its message names a Python object, not what to change
        raise HandoutError(f"style {style.name!r}: something on this page does not fit the "
                           f"{usable_height(frame):.0f} pt of text area the style leaves between header "
                           "and footer (page.margin_*, header.*, footer.*, type sizes)",
                           drug.source) from None
    return Rendered(compact(buffer.getvalue()), doc.page, glyphs.warnings())


# The blocks whose one line must fit the text area (the keys to name if it does not).
_LINES = ("title", "heading", "summary", "generic", "body")


def _check_room(height: float, style: Style, source) -> None:
    """The text area must hold at least one line of every kind of text."""
    for block in _LINES:
        leading = getattr(style, block).leading
        if leading > height:
            raise HandoutError(
                f"style {style.name!r}: {block}.leading ({leading:g} pt) is taller than the "
                f"{height:.0f} pt of text area left between header and footer; reduce it, "
                "page.margin_top/margin_bottom or header.height", source)


def compact(data: bytes) -> bytes:
    """Pack the small objects (structure elements, fonts' dictionaries) into compressed
    object streams with an xref stream: about 40% smaller for a 3 ms rewrite. Streams
    are copied as they are; the /ID is derived from the content, so output stays
    byte-identical for the same input."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 recompress_flate=False, deterministic_id=True)
    return out.getvalue()
