"""Settings stage: what a style says, as typed, frozen dataclasses: one class per block
of styles/*.yaml, one documented field per key, each with its range.

The YAML spec (STYLE_SPEC) is derived from these classes, so a key exists in exactly one
place. Values have no defaults here: styles/default.yaml states every one, and a style
extends it. Never draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import schema as s
from .schema import setting

FONT_NAMES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")
_FACE = s.choice(*(f.lower() for f in FONT_NAMES))
_FONT_BY_LOWER = {name.lower(): name for name in FONT_NAMES}
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.2756, 841.8898)}
HEADING_KINDS = ("generic", "usage", "dosage", "side_effects", "mechanism", "precautions",
                 "interactions", "faqs", "note")


@dataclass(frozen=True)
class Page:
    """Paper and margins."""

    size: str = setting(s.choice("letter", "a4"), "Paper size.")
    margin_top: float = setting(s.length(18, 288), "Space above the header.")
    margin_bottom: float = setting(s.length(18, 288), "Space below the footer.")
    margin_left: float = setting(s.length(18, 288), "Left margin.")
    margin_right: float = setting(s.length(18, 288), "Right margin.")


@dataclass(frozen=True)
class Fonts:
    """The four bundled faces text is set in."""

    regular: str = setting(_FACE, "Face for body text.")
    bold: str = setting(_FACE, "Face for bold text and headings.")
    italic: str = setting(_FACE, "Face for emphasis.")
    bold_italic: str = setting(_FACE, "Face for bold emphasis.")


@dataclass(frozen=True)
class Text:
    """A block of text: size, line spacing, colour and the space around it."""

    size: float = setting(s.number(10, 72, " pt"), "Type size.")
    leading: float = setting(s.number(10, 108, " pt"), "Baseline to baseline.")
    colour: str = setting(s.colour(), "Text colour.")
    space_before: float = setting(s.length(0, 144), "Space above the block.")
    space_after: float = setting(s.length(0, 144), "Space below the block.")


@dataclass(frozen=True)
class Title(Text):
    """The drug's name at the top of page 1."""

    size: float = setting(s.number(14, 72, " pt"), "Type size.")
    leading: float = setting(s.number(14, 108, " pt"), "Baseline to baseline.")


@dataclass(frozen=True)
class Generic(Text):
    """The "Generic name: ..." line in the title block."""

    inline_max_chars: int = setting(
        s.integer(0, 2000), "A generic-name section shorter than this prints as one line "
        "in the title block; a longer one as a section.")


@dataclass(frozen=True)
class Heading(Text):
    """Section headings."""

    size: float = setting(s.number(12, 72, " pt"), "Type size.")
    leading: float = setting(s.number(12, 108, " pt"), "Baseline to baseline.")
    part_size: float = setting(s.number(12, 72, " pt"),
                               "Size of per-ingredient part headings on combination pages.")
    keep_lines: int = setting(s.integer(1, 10), "Body lines that must fit below a heading "
                              "on its page; otherwise it starts the next page.")


@dataclass(frozen=True)
class Body(Text):
    """Body text, lists and sub-headings."""

    italic_emphasis: bool = setting(s.flag(), "false prints *emphasis* upright.")
    max_paragraph_chars: float = setting(
        s.number(200, 20000), "Longer paragraphs are cut at sentence ends (layout speed).")
    rule_width: float = setting(s.number(0.25, 6, " pt"), "Thickness of a '---' rule.")


@dataclass(frozen=True)
class Lists:
    """Bulleted and numbered lists."""

    indent: float = setting(s.length(6, 72), "Indent of each list level.")
    bullet: str = setting(s.text(4, allow_empty=False), "The bullet character.")
    item_space: float = setting(s.length(0, 36), "Space between items.")
    bullet_offset: float = setting(
        s.number(0.1, 1), "How far left of the text the bullet sits, as a share of indent.")


@dataclass(frozen=True)
class FaqStyle:
    """Questions and answers."""

    question_colour: str = setting(s.colour(), "Colour of the questions.")


@dataclass(frozen=True)
class Warning:
    """The severe-symptom box: wording, colours and spacing."""

    label: str = setting(s.text(120, allow_empty=False), "The box's heading.")
    continued: str = setting(s.text(120, allow_empty=False),
                             "The heading of a box's part on a later page.")
    continued_group: str = setting(
        s.text(200, allow_empty=False),
        "Above the first item of a box's part on a later page: {label} is the label of "
        "the group that item belongs to.")
    call: str = setting(s.text(300, allow_empty=False),
                        "Whom to call, without a configured phone.")
    call_phone: str = setting(s.text(300, allow_empty=False),
                              "Whom to call; {phone} is phones.care_team.")
    after_hours: str = setting(s.text(300, allow_empty=False),
                               "After-hours line; {phone} is phones.after_hours.")
    label_size: float = setting(s.number(12, 48, " pt"), "Type size of the label.")
    label_colour: str = setting(s.colour(), "Colour of the label text.")
    label_fill: str = setting(s.colour(), "Colour of the label bar.")
    text_colour: str = setting(s.colour(), "Colour of the box's text.")
    fill: str = setting(s.colour(), "Colour of the box.")
    border_colour: str = setting(s.colour(), "Colour of the border.")
    border_width: float = setting(s.number(1, 12, " pt"), "Thickness of the border.")
    padding: float = setting(s.length(4, 36), "Space inside the border.")
    label_padding: float = setting(
        s.number(0, 2), "Space above and below the label, as a share of padding.")
    space_before: float = setting(s.length(0, 72), "Space above the box.")
    space_after: float = setting(s.length(0, 72), "Space below the box.")


@dataclass(frozen=True)
class Note:
    """The page's closing note box."""

    size: float = setting(s.number(10, 72, " pt"), "Type size.")
    colour: str = setting(s.colour(), "Text colour.")
    fill: str = setting(s.colour(), "Colour of the box.")
    border_colour: str = setting(s.colour(), "Colour of the border.")
    border_width: float = setting(s.number(0.25, 12, " pt"), "Thickness of the border.")
    padding: float = setting(s.length(0, 36), "Space inside the border.")
    gap: float = setting(s.length(0, 36), "Space between the note's paragraphs.")


@dataclass(frozen=True)
class HandoverBox(Note):
    """The box of a personalised copy (print/email --for, --note), on its page 1 only:
    a note box's look, its own wording and spacing."""

    patient: str = setting(s.text(120, allow_empty=False),
                           "Line naming the patient; {name} is filled in.")
    given: str = setting(s.text(120, allow_empty=False),
                         "Line with the day it was handed over; {date} is filled in.")
    note: str = setting(s.text(120, allow_empty=False),
                        "Line before the note; {note} is filled in.")
    space_before: float = setting(s.length(0, 144), "Space above the box.")
    space_after: float = setting(s.length(0, 144), "Space below the box.")


@dataclass(frozen=True)
class Header:
    """The clinic's name, address and logo at the top of every page."""

    size: float = setting(s.number(8, 24, " pt"), "Type size.")
    line_spacing: float = setting(s.number(1, 3), "Line height as a multiple of size.")
    colour: str = setting(s.colour(), "Text colour.")
    rule_colour: str = setting(s.colour(), "Colour of the rule under the header.")
    height: float = setting(s.length(12, 144), "Least height of the header.")
    logo_height: float = setting(s.length(12, 144), "Height the logo is scaled to.")
    padding: float = setting(s.length(0, 72), "Space between the header's text or logo "
                             "and the top of the body.")
    rule_gap: float = setting(s.length(0, 72), "How far the rule sits above the body.")


@dataclass(frozen=True)
class Footer:
    """The disclaimer and page number at the foot of every page."""

    size: float = setting(s.number(8, 24, " pt"), "Type size.")
    leading: float = setting(s.number(8, 36, " pt"), "Baseline to baseline.")
    colour: str = setting(s.colour(), "Text colour.")
    rule_colour: str = setting(s.colour(), "Colour of the rule above the footer.")
    rule_width: float = setting(s.number(0.25, 6, " pt"), "Thickness of that rule.")
    gap: float = setting(s.length(0, 72), "Space between the body and the footer: the "
                         "rule sits at half of it, the review mark at a quarter.")
    page_label: str = setting(s.text(60, allow_empty=False),
                              "Page number text; {page} and {pages} are filled in.")
    page_label_raise: float = setting(s.length(0, 36),
                                      "How far the page label sits above the margin.")
    default_disclaimer: str = setting(s.text(1000, allow_empty=False),
                                      "Disclaimer for pages that have none.")


@dataclass(frozen=True)
class ReviewMark:
    """The review status above the footer on every page."""

    unreviewed: str = setting(s.text(200, allow_empty=False), "Mark of an unreviewed page.")
    overdue: str = setting(s.text(200, allow_empty=False),
                           "Mark of an overdue review; {due} is when it fell due.")
    reviewed: str = setting(s.text(200, allow_empty=False),
                            "Line of a current review; {name} and {date} are filled in.")
    size: float = setting(s.number(8, 24, " pt"), "Type size.")
    line_spacing: float = setting(s.number(1, 3), "Line height as a multiple of size.")
    colour: str = setting(s.colour(), "Text colour of the mark.")
    fill: str = setting(s.colour(), "Colour of the mark's band.")
    border_colour: str = setting(s.colour(), "Colour of the band's border.")
    border_width: float = setting(s.number(0.25, 6, " pt"), "Thickness of that border.")
    reviewed_colour: str = setting(s.colour(), "Text colour of a current review's line.")
    padding: float = setting(s.length(0, 36), "Space inside the band.")


@dataclass(frozen=True)
class Headings:
    """Patient-friendly names printed for the bare standard section labels."""

    generic: str = setting(s.text(80, allow_empty=False), "For 'Generic name'.")
    usage: str = setting(s.text(80, allow_empty=False), "For 'Usage'.")
    dosage: str = setting(s.text(80, allow_empty=False), "For 'Dosage'.")
    side_effects: str = setting(s.text(80, allow_empty=False), "For 'Side Effects'.")
    mechanism: str = setting(s.text(80, allow_empty=False), "For 'How it works'.")
    precautions: str = setting(s.text(80, allow_empty=False), "For 'Precautions'.")
    interactions: str = setting(s.text(80, allow_empty=False), "For 'Interactions'.")
    faqs: str = setting(s.text(80, allow_empty=False), "For 'FAQs'.")
    note: str = setting(s.text(80, allow_empty=False), "For 'Note'.")

    def for_kind(self, kind: str) -> str | None:
        """The heading printed for a bare standard label of `kind`, if the style has one."""
        return getattr(self, kind) if kind in HEADING_KINDS else None


@dataclass(frozen=True)
class Contents:
    """The contents page of a print pack."""

    number_width: float = setting(s.length(24, 144), "Width of the page-number column.")


@dataclass(frozen=True)
class Style:
    """A resolved style: every block, plus its name and the files it came from."""

    page: Page
    fonts: Fonts
    title: Title
    summary: Text
    generic: Generic
    heading: Heading
    body: Body
    list: Lists
    faq: FaqStyle
    warning: Warning
    note: Note
    handover: HandoverBox
    header: Header
    footer: Footer
    review: ReviewMark
    headings: Headings
    contents: Contents
    name: str = ""
    chain: tuple[Path, ...] = ()


STYLE_SPEC = s.spec_of(Style)


def faces(style: Style) -> tuple[str, str, str, str]:
    """The bundled font files (stems) of the style's regular, bold, italic and bold
    italic faces."""
    f = style.fonts
    return tuple(_FONT_BY_LOWER[name] for name in (f.regular, f.bold, f.italic,
                                                   f.bold_italic))
