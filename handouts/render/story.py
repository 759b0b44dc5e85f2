"""Render stage: the drug model's blocks -> ReportLab flowables, in reading order.

One small method per block type; each flowable gets its structure element as it is made
(tagging.py), so the tree is in story order. Severe groups go into the warning box with
whom to call at its foot. Knows the model and ReportLab; never Markdown or YAML.
"""

from __future__ import annotations

from contextlib import contextmanager

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak

from ..model import (
    Drug, EffectGroup, Faq, Handover, Heading, ListBlock, Paragraph as PPara, Preformatted,
    Rule, Run, Section, plain,
)
from ..settings.config_schema import Config
from ..settings.style_schema import Style
from .flowables import Box, BoxLook, BookmarkedParagraph, Rule as RuleLine, TaggedParagraph
from .glyphs import Glyphs
from .handover import handover_box
from .look import Look
from .markup import chunk_inline, escape, markup
from .tagging import Element, Tags


# Not a style choice: a generic-name line longer than this is a description, not the
# name of a combination's part.
NAME_CHARS = 80


class Story:
    """Turns model blocks into flowables; one small method per block type.

    Each flowable gets its structure element as it is made, so the tree is in story
    order: `parent` is the element new ones go into, `level` the current heading level.
    """

    def __init__(self, look: Look, frame_height: float, glyphs: Glyphs, call: str,
                 tags: Tags):
        self.look = look
        self.call = call  # whom to call, printed at the foot of every warning box
        self.glyphs = glyphs
        self.frame_height = frame_height  # boxes that fit it move whole to a new page
        self.style = look.style
        self.italics = bool(self.style.body.italic_emphasis)
        self.flow: list = []
        self.parent: Element = tags.root
        self.level = 0
        self._keys = 0
        self.box_groups: list = []  # the severe groups the warning box is still to hold

    @contextmanager
    def within(self, role: str, levels: int = 0):
        """New elements go into a new `role` element; headings inside go `levels` deeper."""
        saved = self.parent, self.level
        self.parent, self.level = self.parent.add(role), self.level + levels
        try:
            yield self.parent
        finally:
            self.parent, self.level = saved

    def sub_role(self, deeper: int = 1) -> str:
        return f"H{min(self.level + deeper, 6)}"

    def para(self, inline, pstyle, bullet=None, role: str = "P", label: Element | None = None):
        text = markup(inline, self.italics, self.glyphs.fix)
        return self.tagged(text, pstyle, role, bulletText=bullet, label=label)

    def tagged(self, text: str, pstyle, role: str = "P", **kwargs) -> TaggedParagraph:
        """A paragraph of markup `text`, drawn as a new `role` element."""
        return TaggedParagraph(text, pstyle, self.parent.add(role), **kwargs)

    def paras(self, inline, pstyle, bullet=None, label: Element | None = None) -> list:
        """Paragraphs for one block; a huge one is cut at sentence ends first, because
        ReportLab re-wraps the rest of a paragraph at every page split (quadratic)."""
        pieces = chunk_inline(inline, int(self.style.body.max_paragraph_chars))
        return [self.para(piece, pstyle, bullet, label=label) if i == 0 else
                self.para(piece, pstyle) for i, piece in enumerate(pieces)]

    def text(self, text: str) -> str:
        """Page text (not markup) made safe and printable for a paragraph."""
        return escape(self.glyphs.fix(text))

    def heading(self, text: str, pstyle, level: int = 1):
        """A bookmarked heading; outline `level` 0 is the title (H1), 1 a section (H2)."""
        self._keys += 1
        self.level = level + 1
        return BookmarkedParagraph(self.text(text), pstyle, self.parent.add(f"H{level + 1}"),
                                   f"s{self._keys}", text, level)

    def keep_room(self, pstyle) -> CondPageBreak:
        """Start a new page unless a heading and heading.keep_lines lines after it fit.

        (keepWithNext would move a heading's whole section, leaving half-empty pages.)
        """
        lines = self.style.heading.keep_lines
        return CondPageBreak(pstyle.spaceBefore + pstyle.leading
                             + lines * self.style.body.leading)

    # blocks -> flowables (into a list, so boxes can hold them too)
    def blocks(self, blocks, pstyle, out: list, depth: int = 0) -> list:
        for block in blocks:
            handler = getattr(self, "_" + type(block).__name__.lower())
            handler(block, pstyle, out, depth)
        return out

    def _paragraph(self, block: PPara, pstyle, out, depth):
        out.extend(self.paras(block.inline, pstyle))

    def _heading(self, block: Heading, pstyle, out, depth):
        out.append(self.para(block.inline, self.look.sub, role=self.sub_role()))

    def _preformatted(self, block: Preformatted, pstyle, out, depth):
        out.append(self.tagged(self.text(block.text).replace("\n", "<br/>"), pstyle))

    def _rule(self, block: Rule, pstyle, out, depth):
        out.append(RuleLine(width="100%", thickness=self.style.body.rule_width,
                            color=HexColor(self.style.footer.rule_colour)))

    def _listblock(self, block: ListBlock, pstyle, out, depth):
        item_style = self.look.bulleted(pstyle, depth, pstyle.fontName)
        with self.within("L"):
            for number, item in enumerate(block.items, start=block.start):
                bullet = f"{number}." if block.ordered else self.glyphs.fix(self.style.list.bullet)
                self._list_item(item, item_style, bullet, out, depth)
        if out and hasattr(out[-1], "style"):  # (a list can end in a rule: no style)
            out[-1].style = _with_space_after(out[-1].style, pstyle.spaceAfter)

    def _list_item(self, item, item_style, bullet, out, depth):
        """An LI: the bullet or number as its Lbl, the item's blocks in its LBody."""
        with self.within("LI") as li:
            label = li.add("Lbl")
            with self.within("LBody"):
                self._item_blocks(item, item_style, bullet, label, out, depth)

    def _item_blocks(self, item, item_style, bullet, label, out, depth):
        bullet_only = lambda: TaggedParagraph("", item_style, None, label, bulletText=bullet)
        first = True
        for block in item.blocks:
            if first and isinstance(block, PPara):
                out.extend(self.paras(block.inline, item_style, bullet, label=label))
            elif isinstance(block, ListBlock):
                self._listblock(block, item_style, out, depth + 1)
            else:
                if first:  # an item that opens with a non-paragraph still shows its bullet
                    out.append(bullet_only())
                self.blocks([block], item_style, out, depth)
            first = False
        if first:
            out.append(bullet_only())

    def _effectgroup(self, group: EffectGroup, pstyle, out, depth):
        if group.label:  # a group found in prose has none: its sentence says it
            out.extend([self.keep_room(self.look.sub),
                        self.para(group.label, self.look.sub, role=self.sub_role())])
        self.blocks(group.blocks, pstyle, out, depth)

    def _faq(self, faq: Faq, pstyle, out, depth):
        out.extend([self.keep_room(self.look.question),
                    self.para(faq.question, self.look.question, role=self.sub_role())])
        self.blocks(faq.answer, pstyle, out, depth)


def _with_space_after(pstyle: ParagraphStyle, space: float) -> ParagraphStyle:
    if pstyle.spaceAfter >= space:
        return pstyle
    return ParagraphStyle(pstyle.name + "-end", parent=pstyle, spaceAfter=space)


def build_story(drug: Drug, look: Look, frame_height: float, glyphs: Glyphs,
                call: str, tags: Tags, handover: Handover | None = None) -> list:
    story = Story(look, frame_height, glyphs, call, tags)
    flow = story.flow
    flow.append(story.heading(drug.title, look.title, level=0))
    if drug.summary:
        flow.append(story.tagged(story.text(drug.summary), look.summary))
    if handover:  # a personalised copy: who it is for, on page 1, under the title
        flow.append(handover_box(handover, look, glyphs, tags.root, frame_height))
    story.box_groups = box_groups(drug)
    for section in drug.sections:
        if section is drug.disclaimer_section:
            continue  # printed in the footer of every page
        _section(story, section)
    return flow


def _section(story: Story, section: Section) -> None:
    look, flow = story.look, story.flow
    if section.kind == "generic" and _short(section, story.style):
        label = story.style.headings.generic if section.standard else section.title
        text = " ".join(plain(p.inline) for p in section.parts)
        flow.append(story.tagged(f"<b>{story.text(label)}:</b> {story.text(text)}", look.generic))
        return
    if section.kind == "note":
        _note(story, section)
        return
    title = _heading_text(story, section)
    with story.within("Sect"):
        if title:
            pstyle = look.part if section.kind == "other" and not section.parts else look.heading
            flow.extend([story.keep_room(pstyle), story.heading(title, pstyle)])
        _parts(story, section.parts)


def _short(section: Section, style: Style) -> bool:
    return len(section.parts) == 1 and isinstance(section.parts[0], PPara) and len(
        plain(section.parts[0].inline)) < style.generic.inline_max_chars


def _heading_text(story: Story, section: Section) -> str:
    friendly = story.style.headings.for_kind(section.kind) if section.standard else None
    return friendly or section.title


def _parts(story: Story, parts) -> None:
    """Flow a section's parts; the handout's one warning box stands where its first
    severe group does, and holds every severe group of the page."""
    for n, part in enumerate(parts):
        if _heads_only_boxed(part, parts[n + 1:]):
            continue  # "Azithromycin:" over groups that all went into the box, under it
        if not (isinstance(part, EffectGroup) and part.severe):
            story.blocks([part], story.look.body, story.flow)
        elif story.box_groups:
            story.flow.append(_warning_box(story, story.box_groups))
            story.box_groups = []  # later severe groups are in it already


def _heads_only_boxed(part, after) -> bool:
    """A heading whose groups (up to the next heading) are all severe and print it as
    their label inside the box: left where it was, it would head nothing."""
    if not isinstance(part, Heading):
        return False
    headed = []
    for later in after:
        if isinstance(later, Heading):
            break
        headed.append(later)
    return bool(headed) and all(isinstance(g, EffectGroup) and g.severe
                                and part.inline in g.context for g in headed)


def call_text(style: Style, config: Config) -> str:
    """Whom to call, from the clinic's config, worded by the style; never a blank slot."""
    w = style.warning
    parts = [w.call_phone.replace("{phone}", config.phones.care_team)
             if config.phones.care_team else w.call]
    if config.phones.after_hours:
        parts.append(w.after_hours.replace("{phone}", config.phones.after_hours))
    parts.append(config.emergency)
    return " ".join(p.strip() for p in parts if p.strip())


def box_groups(drug: Drug) -> list[tuple[tuple, EffectGroup]]:
    """(labels to print over it, group) for every severe group of the page, in page
    order. Each group is printed under its own label and the labels it stands in
    ("Azithromycin:"); when the groups come from several side-effects sections, whose
    they are too: the section's own title ("Cefalexin Side Effects"), else the part of
    the page it is in ("### Cefixime", or the generic name above it)."""
    found, part = [], None
    for section in drug.sections:
        part = _part_name(section) or part
        if section is not drug.disclaimer_section:
            found += [(section, part, g) for g in section.groups if g.severe]
    several = len({id(s) for s, _, _ in found}) > 1
    out = []
    for section, part, group in found:
        whose = section.title if not section.standard else part
        own = ((Run(whose),),) if several and whose else ()
        out.append((own + group.context + ((group.label,) if group.label else ()), group))
    return out


def _part_name(section: Section) -> str | None:
    """The drug a part of a combination page is about: a heading with nothing under it
    but sections ("### Cefixime"), or a short generic name ("Racecadotril")."""
    if section.kind == "other" and section.title and not section.parts:
        return section.title
    if section.kind == "generic" and len(section.parts) == 1 \
            and isinstance(section.parts[0], PPara):
        name = plain(section.parts[0].inline).strip()
        return name if len(name) <= NAME_CHARS else None
    return None


def _warning_box(story: Story, groups: list[tuple[tuple, EffectGroup]]) -> Box:
    """The severe-symptom box: one Sect with its label as a heading, each group under
    its labels (a heading one level down, not repeated when the group before had the
    same), and whom to call once, at the end. A part of the box on a later page shows
    the current group's labels again, "(continued)"."""
    look, w = story.look, story.style.warning
    items: list = []
    repeats: list = []
    label_style = _bold_of(look.box_text, look.bold)
    shown = None
    with story.within("Sect", levels=1):
        label = story.tagged(story.text(w.label), look.box_label, story.sub_role(0))
        for labels, group in groups:
            heading = joined_label(labels)
            repeat = None
            # a group's own label always prints; one it only inherits (the rest of a
            # group after advice that left the box) does not print twice in a row
            if heading and (group.label or plain(heading) != shown):
                items.append(story.para(heading, label_style, role=story.sub_role()))
                repeats.append(None)  # a part that starts here shows the label itself
            if heading:
                text = w.continued_group.replace("{label}", plain(heading).rstrip(": "))
                repeat = TaggedParagraph(story.text(text), label_style)  # an artifact
            shown = plain(heading) if heading else None
            made = story.blocks(group.blocks, look.box_text, [])
            items += made
            repeats += [repeat] * len(made)
        tail = story.tagged(story.text(story.call), look.box_call)
    box_look = BoxLook(w.fill, w.border_colour, w.border_width, w.padding,
                       story.style.list.item_space, w.label_fill, w.label_padding)
    continued = TaggedParagraph(story.text(w.continued), look.box_label)  # always an artifact
    box = Box(items, box_look, label, continued, story.frame_height, tail, repeats)
    box.spaceBefore, box.spaceAfter = w.space_before, w.space_after
    return box


def joined_label(labels: tuple) -> tuple:
    """Labels as one line, each as written and ended by a colon when it has none
    ("Azithromycin: Less Common but Serious:", "Cefixime:")."""
    out: list[Run] = []
    for n, label in enumerate(labels):
        if n:
            out.append(Run(" "))
        out += list(label)
        if not plain(label).rstrip().endswith(":"):
            out.append(Run(":"))
    return tuple(out)


def _bold_of(pstyle: ParagraphStyle, bold_font: str) -> ParagraphStyle:
    return ParagraphStyle(pstyle.name + "-b", parent=pstyle, fontName=bold_font)


def _note(story: Story, section: Section) -> None:
    look, n = story.look, story.style.note
    title = _heading_text(story, section)
    with story.within("Sect"):
        items = [story.tagged(f"<b>{story.text(title)}</b>", look.note, "H2")] if title else []
        story.blocks(section.parts, look.note, items)
    box = Box(items, BoxLook(n.fill, n.border_colour, n.border_width, n.padding, n.gap),
              None, None,
              story.frame_height)
    box.spaceBefore = story.style.warning.space_before
    story.flow.append(box)
