"""Drug model: what a page says, as plain dataclasses.

Built by parse, read by layout and check. It must never import ReportLab or Markdown code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Union


@dataclass(frozen=True)
class Run:
    """A stretch of text with one emphasis; text is literal, never markup."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    script: str = ""  # "sup" or "sub": raised or lowered (10<sup>6</sup>, H<sub>1</sub>)


Inline = tuple[Run, ...]


def plain(inline: Inline) -> str:
    """The text of an inline sequence without emphasis."""
    return "".join(run.text for run in inline)


@dataclass(frozen=True)
class Paragraph:
    inline: Inline
    line: int | None = None


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section (the section's own title is not one)."""

    inline: Inline
    level: int = 3
    line: int | None = None


@dataclass(frozen=True)
class ListItem:
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False
    start: int = 1
    line: int | None = None


@dataclass(frozen=True)
class Preformatted:
    """Code or fenced text, printed as-is."""

    text: str
    line: int | None = None


@dataclass(frozen=True)
class Rule:
    line: int | None = None


Block = Union[Paragraph, Heading, ListBlock, Preformatted, Rule]


@dataclass(frozen=True)
class Effect:
    """One side effect: an optional bold label and its description."""

    label: str | None
    description: str


@dataclass(frozen=True)
class EffectGroup:
    """Side effects under one label; severe groups go into the warning box."""

    label: Inline
    severe: bool
    blocks: tuple[Block, ...]
    line: int | None = None
    # The labels of the groups it stands in, outermost first ("Azithromycin:" over
    # "Less common but serious:"): the warning box prints them so a reader knows
    # whose side effects these are.
    context: tuple[Inline, ...] = ()
    rule: str = ""  # why it is severe or not, in plain words ("label says 'serious'")

    @property
    def effects(self) -> tuple[Effect, ...]:
        return tuple(effect for block in self.blocks for effect in _effects(block))


def _effects(block: Block):
    if not isinstance(block, ListBlock):
        return
    for item in block.items:
        first = item.blocks[0] if item.blocks else None
        if isinstance(first, Paragraph) and first.inline:
            lead = first.inline[0]
            if lead.bold and len(first.inline) > 1:
                yield Effect(lead.text.strip().rstrip(":"), plain(first.inline[1:]).strip())
            elif lead.bold:
                yield Effect(lead.text.strip().rstrip(":"), "")
            else:
                yield Effect(None, plain(first.inline).strip())


@dataclass(frozen=True)
class Verdict:
    """One triage decision, for the reviewer: a side-effect group's label (or a prose
    sentence), its line, whether it is in the warning box, and why."""

    label: str
    line: int | None
    boxed: bool
    rule: str

    def as_json(self) -> dict:
        return {"label": self.label, "line": self.line, "boxed": self.boxed,
                "rule": self.rule}


@dataclass(frozen=True)
class Faq:
    question: Inline
    answer: tuple[Block, ...]


# Section kinds the parser recognises; anything else is "other" and keeps its title.
KINDS = (
    "generic",
    "usage",
    "dosage",
    "side_effects",
    "mechanism",
    "precautions",
    "interactions",
    "faqs",
    "disclaimer",
    "note",
    "other",
)


Part = Union[Block, EffectGroup, "Faq"]


@dataclass(frozen=True)
class Section:
    """A titled part of the page, in page order.

    `parts` are blocks, labelled side-effect groups and FAQs, in page order.
    `title` is the label as the page wrote it; `standard` says it is the bare
    section name ("Usage"), which a style may print as a friendlier heading.
    """

    kind: str
    title: str
    parts: tuple[Part, ...] = ()
    line: int | None = None
    standard: bool = False
    triage: tuple[Verdict, ...] = ()  # side-effects sections: every verdict, in order

    @property
    def groups(self) -> tuple[EffectGroup, ...]:
        return tuple(p for p in self.parts if isinstance(p, EffectGroup))

    @property
    def faqs(self) -> tuple["Faq", ...]:
        return tuple(p for p in self.parts if isinstance(p, Faq))


@dataclass(frozen=True)
class Notice:
    """A warning about a page: what kind, what it says, and the line when known."""

    kind: str
    message: str
    line: int | None = None

    def located(self, source) -> str:
        """`FILE:LINE: message`, or `FILE: message` without a line."""
        where = f"{source}:{self.line}" if self.line else str(source)
        return f"{where}: {self.message}"

    def as_json(self) -> dict:
        return {"kind": self.kind, "message": self.message, "line": self.line}


@dataclass(frozen=True)
class Handover:
    """Who one copy is for, a note, and the day it is handed over. Personal health
    information: it goes into that copy's PDF only, never into a file name, a log,
    the manifest or out/, so its repr shows none of it."""

    patient: str = ""
    note: str = ""
    on: date | None = None

    def __repr__(self) -> str:
        return "Handover(<personal details>)"

    def __bool__(self) -> bool:
        return bool(self.patient or self.note)


@dataclass(frozen=True)
class Review:
    """Who checked the page and when, from its front matter; empty when nobody has."""

    reviewed_by: str = ""
    reviewed_on: date | None = None
    every_months: int | None = None  # None: the workspace's review.review_every
    sources: tuple[str, ...] = ()
    updated: date | None = None


@dataclass(frozen=True)
class Drug:
    name: str  # file stem, used for output names
    title: str
    source: str  # path as given, for messages
    sections: tuple[Section, ...]
    summary: str = ""
    lang: str = "en"
    meta: dict = field(default_factory=dict)
    warnings: tuple[Notice, ...] = ()
    review: Review = field(default_factory=Review)

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def disclaimer_section(self) -> Section | None:
        """The page's disclaimer, printed in every footer: the last one, because an
        earlier one ("The information above is illustrative") speaks of its place."""
        return next((s for s in reversed(self.sections) if s.kind == "disclaimer"), None)

    @property
    def disclaimer(self) -> str:
        section = self.disclaimer_section
        if section is None:
            return ""
        return " ".join(block_text(b) for b in section.parts).strip()

    @property
    def severe_groups(self) -> tuple[EffectGroup, ...]:
        return tuple(g for s in self.sections for g in s.groups if g.severe)


def _block_text(block) -> str:
    if isinstance(block, (Paragraph, Heading)):
        return plain(block.inline)
    if isinstance(block, Preformatted):
        return block.text
    if isinstance(block, ListBlock):
        return " ".join(_block_text(b) for item in block.items for b in item.blocks)
    if isinstance(block, EffectGroup):
        return " ".join([plain(block.label)] + [_block_text(b) for b in block.blocks])
    return ""


def block_text(block) -> str:
    """Plain text of any block, group or FAQ (for checks and word counts)."""
    if isinstance(block, Faq):
        return " ".join([plain(block.question)] + [_block_text(b) for b in block.answer])
    return _block_text(block)
