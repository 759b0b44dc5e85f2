"""Render stage: page furniture drawn by the page template on every page: the clinic
header, the review mark, the disclaimer footer and "Page X of Y".

Page 1's header, mark and disclaimer are tagged where a reader meets them; their repeats
on later pages are pagination artifacts. Knows ReportLab; never Markdown or YAML.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader

from .. import review
from ..errors import HandoutError
from ..model import Drug
from ..settings.config_schema import Clinic, Config
from .flowables import TaggedParagraph
from .glyphs import Glyphs
from .look import Look
from .markup import escape
from .tagging import FOOTER, HEADER, LAYOUT, Element


def footer_paragraph(drug: Drug, look: Look, glyphs: Glyphs) -> TaggedParagraph:
    """The disclaimer; its element is added to the tree last (it is read once, last)."""
    text = drug.disclaimer or look.style.footer.default_disclaimer
    return TaggedParagraph(escape(glyphs.fix(text)), look.footer)


class Header:
    """Clinic name, address and logo at the top of every page (drug name after page 1).

    Page 1's header is read first (a Div: name, address, the logo as a Figure with its
    alternative text); on later pages the header is a pagination artifact.
    """

    def __init__(self, clinic: Clinic, look: Look, parent: Element, glyphs: Glyphs):
        self.clinic, self.look = clinic, look
        # drawn with drawString, outside any paragraph: checked here like the body
        self.name, self.address = glyphs.fix(clinic.name), glyphs.fix(clinic.address)
        hd = look.style.header
        lines = (1 if clinic.name else 0) + (1 if clinic.address else 0)
        text_h = max(lines, 1) * hd.size * hd.line_spacing
        logo_h = hd.logo_height if clinic.logo else 0
        self.height = max(hd.height, text_h + hd.padding, logo_h + hd.padding)
        self.logo = _image(clinic.logo) if clinic.logo else None
        div = parent.add("Div") if clinic.name or clinic.address or clinic.logo else None
        self.tags = {key: div.add(role, alt) for key, role, alt in (
            ("name", "P", None), ("address", "P", None), ("logo", "Figure", logo_alt(clinic)))
            if div is not None and getattr(clinic, key)}

    def draw(self, canv, page: int, title: str) -> None:
        look, hd, tags = self.look, self.look.style.header, canv.tags
        page_style = look.style.page
        left, right = page_style.margin_left, look.width - page_style.margin_right
        top = look.height - page_style.margin_top
        with tags.once(canv, page == 1, HEADER):
            canv.setFillColor(HexColor(hd.colour))
            line = top - hd.size
            if self.clinic.name:
                canv.setFont(look.bold, hd.size)
                with tags.content(canv, self.tags["name"]):
                    canv.drawString(left, line, self.name)
                line -= hd.size * hd.line_spacing
            if page > 1 and title:
                canv.setFont(look.regular, hd.size)
                canv.drawString(left, line, title)
            elif page == 1 and self.clinic.address:
                canv.setFont(look.regular, hd.size)
                with tags.content(canv, self.tags["address"]):
                    canv.drawString(left, line, self.address)
            if self.logo is not None:
                with tags.content(canv, self.tags["logo"]):
                    self._draw_logo(canv, right, top)
        if page > 1 or self.clinic.name or self.logo is not None:
            with tags.artifact(canv, LAYOUT):
                canv.setStrokeColor(HexColor(hd.rule_colour))
                rule = top - self.height + hd.rule_gap
                canv.line(left, rule, right, rule)

    def _draw_logo(self, canv, right: float, top: float) -> None:
        width, height = self.logo.getSize()
        h = self.look.style.header.logo_height
        w = width * h / height
        canv.drawImage(self.logo, right - w, top - h, w, h, mask="auto")


def logo_alt(clinic: Clinic) -> str:
    """The logo's alternative text: the config's logo_alt, else one made from the name."""
    if clinic.logo_alt:
        return clinic.logo_alt
    return f"{clinic.name} logo" if clinic.name else "Clinic logo"


def _image(path):
    try:
        return ImageReader(str(path))
    except Exception as exc:  # a damaged logo must name the file, not crash the batch
        raise HandoutError(f"cannot read logo image: {exc}", path) from None


class ReviewMark:
    """Review status just above the footer on every page: a tinted band while the page
    is not reviewed or its review is overdue, a plain line naming the reviewer once it is.
    `height` is the room it takes from the body frame (nothing when there is no text)."""

    def __init__(self, drug: Drug, config: Config, look: Look, glyphs: Glyphs):
        r = look.style.review
        text, self.alert = review.mark_text(drug.review, config, r)
        self.look, self.pad = look, (r.padding if self.alert else 0.0)
        pstyle = ParagraphStyle(
            "review", fontName=look.bold if self.alert else look.regular, fontSize=r.size,
            leading=r.size * r.line_spacing, textColor=HexColor(r.colour if self.alert else r.reviewed_colour))
        # Tagged where a reader meets it (page 1, read first); an artifact on later pages.
        self.para = TaggedParagraph(escape(glyphs.fix(text)), pstyle) if text else None
        self.band = self.para.wrap(look.text_width - 2 * self.pad, 1e6)[1] + 2 * self.pad \
            if text else 0.0
        self.height = self.band + look.style.footer.gap / 4 if text else 0.0

    def draw(self, canv, left: float, bottom: float, page: int) -> None:
        if self.para is None:
            return
        r, tags = self.look.style.review, canv.tags
        if self.alert:
            with tags.artifact(canv, LAYOUT):
                canv.setFillColor(HexColor(r.fill))
                canv.setStrokeColor(HexColor(r.border_colour))
                canv.setLineWidth(r.border_width)
                canv.rect(left, bottom, self.look.text_width, self.band, fill=1, stroke=1)
        with tags.once(canv, page == 1, FOOTER):
            self.para.drawOn(canv, left + self.pad, bottom + self.pad)


def decorate(title: str, header: Header, footer: TaggedParagraph, look: Look,
              mark: ReviewMark):
    """Header, review mark and disclaimer footer on every page."""
    style = look.style

    h = footer.wrap(look.text_width, 1e6)[1]  # once: the same footer on every page

    def draw(canv, doc):
        page, ft, tags = style.page, style.footer, canv.tags
        canv.saveState()
        left, right = page.margin_left, look.width - page.margin_right
        header.draw(canv, doc.page, title)
        base = page.margin_bottom + ft.leading
        rule = base + h + mark.height + ft.gap / 2  # the footer: review mark, disclaimer
        with tags.artifact(canv, LAYOUT):
            canv.setStrokeColor(HexColor(ft.rule_colour))
            canv.setLineWidth(ft.rule_width)
            canv.line(left, rule, right, rule)
        mark.draw(canv, left, base + h + ft.gap / 4, doc.page)
        with tags.once(canv, doc.page == 1, FOOTER):  # the disclaimer is read once
            footer.drawOn(canv, left, base)
        canv.restoreState()

    return draw


def page_label(look: Look, glyphs: Glyphs):
    ft = look.style.footer
    wording = glyphs.fix(ft.page_label)

    def draw(canv, page: int, pages: int):
        canv.saveState()
        canv.setFont(look.regular, ft.size)
        canv.setFillColor(HexColor(ft.colour))
        text = wording.replace("{page}", str(page)).replace("{pages}", str(pages))
        with canv.tags.artifact(canv, FOOTER):
            canv.drawRightString(look.width - look.style.page.margin_right,
                                 look.style.page.margin_bottom + ft.page_label_raise, text)
        canv.restoreState()

    return draw
