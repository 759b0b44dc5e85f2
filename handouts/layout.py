"""Layout stage: Drug + Style -> PDF bytes, with ReportLab platypus.

Page text never reaches ReportLab as markup: every run is escaped and only the tags
made here (<b>, <i>, <br/>, <font>) exist. Knows nothing of Markdown or YAML.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Frame, PageTemplate, Paragraph
from reportlab.platypus.flowables import HRFlowable

from . import __version__, fonts
from .errors import HandoutError
from .flowables import Box, BoxLook, BookmarkedParagraph, numbered_canvas
from .model import (
    Drug, EffectGroup, Faq, Heading, ListBlock, Paragraph as PPara, Preformatted, Rule,
    Section, plain,
)
from .style import FONT_NAMES, PAGE_SIZES, Style

MAX_FOOTER_SHARE = 0.35  # a disclaimer taller than this share of the page is an error
_FONT_BY_LOWER = {name.lower(): name for name in FONT_NAMES}


# -- text to safe markup -----------------------------------------------------------

def escape(text: str) -> str:
    """Make page text inert for ReportLab's paragraph parser."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Glyphs:
    """Replaces characters the fonts cannot draw with a visible [U+XXXX] and counts
    them, so nothing prints as a blank box and nothing vanishes silently."""

    def __init__(self, covered: frozenset[int]):
        self.covered = covered
        self.missing: dict[str, int] = {}

    def fix(self, text: str) -> str:
        if all(ord(c) in self.covered or c in "\n\t" for c in text):
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


def markup(inline, italics: bool = True, fix=lambda t: t) -> str:
    out = []
    for run in inline:
        piece = escape(fix(run.text)).replace("\n", "<br/>")
        if run.italic and italics:
            piece = f"<i>{piece}</i>"
        if run.bold:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


# -- styles --------------------------------------------------------------------------

class Look:
    """ReportLab paragraph styles built from one Style (cached per style)."""

    def __init__(self, style: Style):
        self.style = style
        f = style.fonts
        self.regular, self.bold = _FONT_BY_LOWER[f.regular], _FONT_BY_LOWER[f.bold]
        self.italic, self.bold_italic = _FONT_BY_LOWER[f.italic], _FONT_BY_LOWER[f.bold_italic]
        fonts.register(sorted({self.regular, self.bold, self.italic, self.bold_italic}))
        _family(self)
        # Outside the BMP ReportLab writes wrong ToUnicode entries (text extraction and
        # screen readers get another character), so those count as not printable.
        both = fonts.covered(self.regular) & fonts.covered(self.bold)
        self.covered = frozenset(c for c in both if c <= 0xFFFF)
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
        indent = self.style.list.indent * (depth + 1)
        return ParagraphStyle(
            f"{base.name}-l{depth}", parent=base, leftIndent=indent + base.leftIndent,
            bulletIndent=indent - self.style.list.indent * 0.8 + base.leftIndent,
            bulletFontName=bullet_font, spaceAfter=self.style.list.item_space, spaceBefore=0)


def _family(look: Look) -> None:
    """Tie the four faces together so <b> and <i> pick the bundled fonts."""
    from reportlab.lib.fonts import addMapping

    addMapping(look.regular, 0, 0, look.regular)
    addMapping(look.regular, 1, 0, look.bold)
    addMapping(look.regular, 0, 1, look.italic)
    addMapping(look.regular, 1, 1, look.bold_italic)


@lru_cache(maxsize=8)
def look_for(style: Style) -> Look:
    return Look(style)


# -- story -----------------------------------------------------------------------------

class Story:
    """Turns model blocks into flowables; one small method per block type."""

    def __init__(self, look: Look, frame_height: float, glyphs: Glyphs):
        self.look = look
        self.glyphs = glyphs
        self.frame_height = frame_height  # boxes that fit it move whole to a new page
        self.style = look.style
        self.italics = bool(self.style.body.italic_emphasis)
        self.flow: list = []
        self._keys = 0

    def para(self, inline, pstyle, bullet=None):
        text = markup(inline, self.italics, self.glyphs.fix)
        return Paragraph(text, pstyle, bulletText=bullet)

    def text(self, text: str) -> str:
        """Page text (not markup) made safe and printable for a paragraph."""
        return escape(self.glyphs.fix(text))

    def heading(self, text: str, pstyle, level: int = 1):
        self._keys += 1
        return BookmarkedParagraph(self.text(text), pstyle, f"s{self._keys}", text, level)

    def keep_room(self, pstyle) -> CondPageBreak:
        """Start a new page unless a heading and three lines after it still fit.

        (keepWithNext would move a heading's whole section, leaving half-empty pages.)
        """
        return CondPageBreak(pstyle.spaceBefore + pstyle.leading + 3 * self.style.body.leading)

    # blocks -> flowables (into a list, so boxes can hold them too)
    def blocks(self, blocks, pstyle, out: list, depth: int = 0) -> list:
        for block in blocks:
            handler = getattr(self, "_" + type(block).__name__.lower())
            handler(block, pstyle, out, depth)
        return out

    def _paragraph(self, block: PPara, pstyle, out, depth):
        out.append(self.para(block.inline, pstyle))

    def _heading(self, block: Heading, pstyle, out, depth):
        out.append(self.para(block.inline, self.look.sub))

    def _preformatted(self, block: Preformatted, pstyle, out, depth):
        out.append(Paragraph(self.text(block.text).replace("\n", "<br/>"), pstyle))

    def _rule(self, block: Rule, pstyle, out, depth):
        out.append(HRFlowable(width="100%", thickness=0.75,
                              color=HexColor(self.style.footer.rule_colour)))

    def _listblock(self, block: ListBlock, pstyle, out, depth):
        item_style = self.look.bulleted(pstyle, depth, pstyle.fontName)
        for number, item in enumerate(block.items, start=block.start):
            bullet = f"{number}." if block.ordered else self.style.list.bullet
            self._list_item(item, item_style, bullet, out, depth)
        if out:
            out[-1].style = _with_space_after(out[-1].style, pstyle.spaceAfter)

    def _list_item(self, item, item_style, bullet, out, depth):
        first = True
        for block in item.blocks:
            if first and isinstance(block, PPara):
                out.append(self.para(block.inline, item_style, bullet))
            elif isinstance(block, ListBlock):
                self._listblock(block, item_style, out, depth + 1)
            else:
                if first:  # an item that opens with a non-paragraph still shows its bullet
                    out.append(Paragraph("", item_style, bulletText=bullet))
                self.blocks([block], item_style, out, depth)
            first = False
        if first:
            out.append(Paragraph("", item_style, bulletText=bullet))

    def _effectgroup(self, group: EffectGroup, pstyle, out, depth):
        if group.label:  # a group found in prose has none: its sentence says it
            out.extend([self.keep_room(self.look.sub), self.para(group.label, self.look.sub)])
        self.blocks(group.blocks, pstyle, out, depth)

    def _faq(self, faq: Faq, pstyle, out, depth):
        out.extend([self.keep_room(self.look.question), self.para(faq.question, self.look.question)])
        self.blocks(faq.answer, pstyle, out, depth)


def _with_space_after(pstyle: ParagraphStyle, space: float) -> ParagraphStyle:
    if pstyle.spaceAfter >= space:
        return pstyle
    return ParagraphStyle(pstyle.name + "-end", parent=pstyle, spaceAfter=space)


def build_story(drug: Drug, look: Look, frame_height: float, glyphs: Glyphs) -> list:
    story = Story(look, frame_height, glyphs)
    flow = story.flow
    flow.append(story.heading(drug.title, look.title, level=0))
    if drug.summary:
        flow.append(Paragraph(story.text(drug.summary), look.summary))
    for section in drug.sections:
        if section is drug.disclaimer_section:
            continue  # printed in the footer of every page
        _section(story, section)
    return flow


def _section(story: Story, section: Section) -> None:
    look, flow = story.look, story.flow
    if section.kind == "generic" and _short(section):
        label = story.style.headings.generic if section.standard else section.title
        text = " ".join(plain(p.inline) for p in section.parts)
        flow.append(Paragraph(f"<b>{escape(label)}:</b> {story.text(text)}", look.generic))
        return
    if section.kind == "note":
        _note(story, section)
        return
    title = _heading_text(story, section)
    if title:
        pstyle = look.part if section.kind == "other" and not section.parts else look.heading
        flow.extend([story.keep_room(pstyle), story.heading(title, pstyle)])
    _parts(story, section.parts)


def _short(section: Section) -> bool:
    return len(section.parts) == 1 and isinstance(section.parts[0], PPara) and len(
        plain(section.parts[0].inline)) < 200


def _heading_text(story: Story, section: Section) -> str:
    if section.standard and section.kind in story.style.headings.as_dict():
        return getattr(story.style.headings, section.kind)
    return section.title


def _parts(story: Story, parts) -> None:
    """Flow a section's parts; consecutive severe groups share one warning box."""
    pending: list[EffectGroup] = []
    for part in parts:
        if isinstance(part, EffectGroup) and part.severe:
            pending.append(part)
            continue
        if pending:
            story.flow.append(_warning_box(story, pending))
            pending = []
        story.blocks([part], story.look.body, story.flow)
    if pending:
        story.flow.append(_warning_box(story, pending))


def _warning_box(story: Story, groups: list[EffectGroup]) -> Box:
    look, w = story.look, story.style.warning
    items: list = []
    for group in groups:
        if group.label:
            items.append(story.para(group.label, _bold_of(look.box_text, look.bold)))
        story.blocks(group.blocks, look.box_text, items)
    box_look = BoxLook(w.fill, w.border_colour, w.border_width, w.padding,
                       story.style.list.item_space, w.label_fill)
    label = Paragraph(escape(w.label), look.box_label)
    continued = Paragraph(escape(w.continued), look.box_label)
    tail = Paragraph(escape(w.call), look.box_call) if w.call else None
    box = Box(items, box_look, label, continued, story.frame_height, tail)
    box.spaceBefore, box.spaceAfter = w.space_before, w.space_after
    return box


def _bold_of(pstyle: ParagraphStyle, bold_font: str) -> ParagraphStyle:
    return ParagraphStyle(pstyle.name + "-b", parent=pstyle, fontName=bold_font)


def _note(story: Story, section: Section) -> None:
    look, n = story.look, story.style.note
    title = _heading_text(story, section)
    items = [Paragraph(f"<b>{story.text(title)}</b>", look.note)] if title else []
    story.blocks(section.parts, look.note, items)
    box = Box(items, BoxLook(n.fill, n.border_colour, 1, n.padding, 4), None, None,
              story.frame_height)
    box.spaceBefore = story.style.warning.space_before
    story.flow.append(box)


# -- pages -------------------------------------------------------------------------------

def _footer_paragraph(drug: Drug, look: Look, glyphs: Glyphs) -> Paragraph:
    text = drug.disclaimer or look.style.footer.default_disclaimer
    return Paragraph(escape(glyphs.fix(text)), look.footer)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    warnings: tuple[str, ...] = ()


def render(drug: Drug, style: Style) -> Rendered:
    """Lay out one drug page: the PDF bytes and its page count."""
    look = look_for(style)
    page = style.page
    glyphs = Glyphs(look.covered)
    footer = _footer_paragraph(drug, look, glyphs)
    footer_h = footer.wrap(look.text_width, 1e6)[1] + style.footer.leading + style.footer.gap
    header_h = style.header.height
    text_height = look.height - page.margin_top - page.margin_bottom
    if footer_h > MAX_FOOTER_SHARE * text_height:
        raise HandoutError(
            f"the disclaimer needs {footer_h:.0f} pt of footer on every page; "
            f"at most {MAX_FOOTER_SHARE * text_height:.0f} pt fits", drug.source)
    frame = Frame(page.margin_left, page.margin_bottom + footer_h, look.text_width,
                  text_height - footer_h - header_h, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(look.width, look.height), title=drug.title,
        subject=drug.summary or f"Patient information: {drug.title}",
        author="handouts", creator=f"handouts {__version__}", producer=f"handouts {__version__}",
        keywords=["patient information", drug.title], invariant=1, lang=drug.lang,
        displayDocTitle=1, initialFontName=look.regular, initialFontSize=style.body.size,
        pageCompression=1,
    )
    decorate = _decorate(glyphs.fix(drug.title), footer, look)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=decorate)])
    story = build_story(drug, look, frame._aH, glyphs)
    doc.build(story, canvasmaker=numbered_canvas(_page_label(look)))
    return Rendered(buffer.getvalue(), doc.page, glyphs.warnings())


def _decorate(title: str, footer: Paragraph, look: Look):
    """Header (drug name after page 1) and disclaimer footer on every page."""
    style = look.style

    def draw(canv, doc):
        page, ft, hd = style.page, style.footer, style.header
        canv.saveState()
        left, right = page.margin_left, look.width - page.margin_right
        if doc.page > 1:
            top = look.height - page.margin_top
            canv.setFont(look.regular, hd.size)
            canv.setFillColor(HexColor(hd.colour))
            canv.drawString(left, top - hd.size, title)
            canv.setStrokeColor(HexColor(hd.rule_colour))
            canv.line(left, top - hd.height + 4, right, top - hd.height + 4)
        h = footer.wrap(look.text_width, 1e6)[1]
        base = page.margin_bottom + ft.leading
        canv.setStrokeColor(HexColor(ft.rule_colour))
        canv.setLineWidth(0.75)
        canv.line(left, base + h + ft.gap / 2, right, base + h + ft.gap / 2)
        footer.drawOn(canv, left, base)
        canv.restoreState()

    return draw


def _page_label(look: Look):
    ft = look.style.footer

    def draw(canv, page: int, pages: int):
        canv.saveState()
        canv.setFont(look.regular, ft.size)
        canv.setFillColor(HexColor(ft.colour))
        text = ft.page_label.replace("{page}", str(page)).replace("{pages}", str(pages))
        canv.drawRightString(look.width - look.style.page.margin_right,
                             look.style.page.margin_bottom + 2, text)
        canv.restoreState()

    return draw
