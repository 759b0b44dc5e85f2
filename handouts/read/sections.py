"""Read stage: a flat list of blocks -> titled sections in page order; side-effects
sections are grouped by effects.py, FAQ sections by faqs.py. Works on model blocks
only; knows nothing of Markdown or PDF.

A section opens at a heading (at the page's section level) or at a bold lead-in whose
label is a bare section name (`**Usage:** ...`) of another kind than the section it is
in (`**Contraindications:**` under `### Precautions` stays a paragraph there). A heading
that says more than the bare name ("Acebrophylline Side Effects") is classified by the
phrases it contains, side effects first: a heading that mentions them must never lose
its warning box. Only a bare name is `standard` (may print under the style's friendly
heading); anything more is the author's wording and prints as written.
"""

from __future__ import annotations

import re

from ..model import Heading, Notice, Paragraph, Run, Section, plain
from .effects import group_effects
from .explain import triage_of
from .faqs import group_faqs
from .prose import lead_in
from .triage import normalise_label

# Exact labels (lower case, no parenthetical) that open a section, by kind.
LABELS = {
    "generic": ("generic name", "generic names", "generic"),
    "usage": ("usage", "uses", "use", "indications", "what it is used for", "used for"),
    "dosage": ("dosage", "dose", "dosing", "administration", "dosage and administration",
               "how to take", "how it is given", "how to use"),
    "side_effects": ("side effects", "side effect", "adverse effects", "adverse reactions"),
    "mechanism": ("how it works", "mechanism of action", "mechanism", "how does it work"),
    "precautions": ("precautions", "warnings", "warnings and precautions",
                    "precautions and warnings", "contraindications"),
    "interactions": ("interactions", "drug interactions"),
    "faqs": ("faqs", "faq", "frequently asked questions", "faqs and answers"),
    "disclaimer": ("disclaimer",),
    "note": ("note",),
}
# Labels that open a section of their kind but say more than its friendly heading
# would: who must not take the medicine is not "Before and during treatment". They
# print as written.
OWN_WORDING = {"warnings", "warnings and precautions", "precautions and warnings",
               "contraindications"}
_EXACT = {label: kind for kind, labels in LABELS.items() for label in labels}
# Phrases that classify a heading that says more than the bare label
# ("Acebrophylline Side Effects", "Usage (Tranexamic Acid)"); side effects first,
# because a heading that mentions them must never lose its warning box.
_CONTAINS = [
    ("side_effects", re.compile(r"\b(side effects?|adverse (effects|reactions))\b")),
    ("usage", re.compile(r"\b(usage|uses|indications)\b")),
    ("dosage", re.compile(r"\b(dosage|dosing|administration)\b")),
    ("mechanism", re.compile(r"\b(how (it|they) works?|mechanism)\b")),
    ("precautions", re.compile(r"\b(precautions|warnings|contraindications)\b")),
    ("interactions", re.compile(r"\binteractions\b")),
    ("faqs", re.compile(r"\b(faqs?|frequently asked questions)\b")),
    ("generic", re.compile(r"\bgeneric name\b")),
]


def is_bare(title: str, kind: str) -> bool:
    """A bare standard label ("Usage", "Side Effects:"), which a style may print under
    its friendlier heading. Anything more ("FAQs (Combined Use)", "Contraindications")
    is the author's wording and prints as written."""
    bare = " ".join(title.lower().strip().removesuffix(":").split())
    return _EXACT.get(bare) == kind and bare not in OWN_WORDING


def kind_of_label(label: str) -> str | None:
    """Section kind for a bold lead-in: the label must be the bare section name."""
    return _EXACT.get(normalise_label(label))


def kind_of_heading(text: str) -> str:
    head = text.split(":", 1)[0] if ":" in text else text
    exact = _EXACT.get(normalise_label(head)) or _EXACT.get(normalise_label(text))
    if exact:
        return exact
    norm = normalise_label(text)
    return next((kind for kind, rx in _CONTAINS if rx.search(norm)), "other")


class _Open:
    """A section being collected."""

    def __init__(self, kind: str, title: str, label: str, line: int | None):
        self.kind, self.title, self.label, self.line = kind, title, label, line
        self.blocks: list = []


def build_sections(blocks: list, warnings: list[Notice]) -> tuple[Section, ...]:
    opened: list[_Open] = [_Open("other", "", "", None)]
    section_level = None
    for block in blocks:
        start = _section_start(block, opened[-1], section_level)
        if start is None:
            opened[-1].blocks.append(block)
            continue
        new, rest, level = start
        if level is not None and section_level is None:
            section_level = level
        opened.append(new)
        if rest is not None:
            new.blocks.append(rest)
    done = [_finish(s, warnings) for s in opened if s.blocks or s.title]
    _warn_missing(done, warnings)
    return tuple(done)


def _section_start(block, current: _Open, section_level):
    """(new section, leftover block, heading level) if `block` opens a section."""
    if isinstance(block, Heading):
        if section_level is not None and block.level > section_level:
            return None
        text = plain(block.inline).strip()
        kind = kind_of_heading(text)
        title, rest = text, None
        if ":" in text and kind != "other":
            head, tail = text.split(":", 1)
            if tail.strip() and _EXACT.get(normalise_label(head)):
                title, rest = head.strip(), Paragraph((Run(tail.strip()),), block.line)
        return _Open(kind, title.rstrip(":").strip(), text, block.line), rest, block.level
    lead = lead_in(block)
    if lead is None:
        return None
    label, rest = lead
    kind = kind_of_label(label)
    if kind is None or (kind == "note" and current.kind not in ("disclaimer", "note")):
        return None
    if kind == current.kind:
        # "**Contraindications:**" under "### Precautions" is a part of that section: it
        # stays a paragraph led by its own label, not a second "Precautions" heading.
        return None
    return _Open(kind, label.strip().rstrip(":").strip(), label, block.line), rest, None


def _finish(section: _Open, warnings: list[Notice]) -> Section:
    parts: tuple = tuple(section.blocks)
    standard = is_bare(section.title, section.kind)
    kind = section.kind
    if not parts and not standard:
        # "Repaglinide: Usage, Dosage, Side Effects" over labelled sections of its own
        # heads a part of the page; it is not a (blank) side-effects section.
        kind = "other"
    triage: tuple = ()
    if kind == "side_effects":
        parts = group_effects(parts)
        triage = triage_of(parts)
    elif kind == "faqs":
        parts = group_faqs(parts)
    return Section(kind, section.title, parts, section.line, standard, triage)


def _warn_missing(done: list[Section], warnings: list[Notice]) -> None:
    effects = [s for s in done if s.kind == "side_effects"]
    if effects and not any(g.severe for s in effects for g in s.groups):
        warnings.append(Notice("missing_section",
                               "no severe side-effect group found: the handout has no warning box"))
    if not effects:
        warnings.append(Notice("missing_section", "no side-effects section found"))


def summary_of(found: tuple[Section, ...]) -> str:
    """First sentence of the usage section, when it is short enough for a subtitle."""
    usage = next((s for s in found if s.kind == "usage"), None)
    first = next((p for p in (usage.parts if usage else ()) if isinstance(p, Paragraph)), None)
    if first is None or any(run.script for run in first.inline):
        return ""  # plain text would read 10<sup>6</sup> as "106"
    text = " ".join(plain(first.inline).split())
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    return sentence if 20 <= len(sentence) <= 160 else ""
