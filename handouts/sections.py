"""Parse stage, second half: a flat list of blocks -> titled sections, side-effect
groups and FAQs. Works on model blocks only; knows nothing of Markdown or PDF.

Severe detection (see README "Which side effects go in the warning box"):
a group goes into the warning box when its *label* uses a severity word
(serious, severe, life-threatening, emergency, fatal, "seek/get medical help",
"immediate medical attention", "call your doctor right away", boxed warning), unless the
word is negated ("not serious", "non-serious", "less severe"). Frequency words
(common, rare, less common) never decide severity: "Rare side effects" is not severe,
"Rare but serious side effects" is. Labels are headings, bold paragraphs, bold lead-ins,
plain sentences ending in a colon before a list, and bold lead-ins of list items that
name a group ("* **Serious:** ...").
"""

from __future__ import annotations

import re

from .model import (
    EffectGroup, Faq, Heading, ListBlock, ListItem, Notice, Paragraph, Run, Section, plain,
)

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

SEVERE = re.compile(
    r"\b(serious|severe|life[- ]threatening|emergenc\w*|fatal|dangerous|"
    r"immediate(ly)?|urgent(ly)?|right away|at once|boxed warning|black box|"
    r"(seek|get|requires?|need) (\w+ )?medical (help|attention|care)|"
    r"call (your|a) (doctor|healthcare|care team)\w*)\b"
)
NOT_SEVERE = re.compile(r"\b(not|non|less|rarely|usually not)[- ](serious|severe)\b")
# Words a group label may consist of (after dropping parentheses): anything else
# ("Severe allergic reactions") makes a list item's bold lead-in an effect, not a group.
_GROUP_WORDS = set(
    "very common commonly uncommon less more most frequent infrequent frequently rare rarely "
    "serious severe seriously potentially possibly possible life-threatening life threatening "
    "but and or other side effects effect adverse reactions reaction events include may "
    "mild moderate usually generally important warning warnings signs symptoms "
    "seek immediate immediately medical attention help emergency urgent call your doctor "
    "right away at once get occurring occur in of the with some".split()
)


def normalise_label(text: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", text.lower())
    text = re.sub(r"[^\w\s'-]", " ", text)
    return " ".join(text.split())


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


def is_severe(label: str) -> bool:
    text = NOT_SEVERE.sub(" ", label.lower())
    return bool(SEVERE.search(text))


def is_group_label(label: str) -> bool:
    words = normalise_label(label).replace("-", " ").split()
    return bool(words) and all(w in _GROUP_WORDS for w in words) and (
        is_severe(label) or any(w in ("common", "uncommon", "rare", "frequent", "infrequent",
                                      "mild", "moderate", "other") for w in words))


# -- sectioning ----------------------------------------------------------------

class _Open:
    """A section being collected."""

    def __init__(self, kind: str, title: str, label: str, line: int | None):
        self.kind, self.title, self.label, self.line = kind, title, label, line
        self.blocks: list = []


def build_sections(blocks: list, warnings: list[str]) -> tuple[Section, ...]:
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
    if kind == current.kind == "note":
        return None
    return _Open(kind, label.strip().rstrip(":").strip(), label, block.line), rest, None


def lead_in(block) -> tuple[str, Paragraph | None] | None:
    """`**Label:** rest` -> (label, rest paragraph or None); else None."""
    if not isinstance(block, Paragraph) or not block.inline or not block.inline[0].bold:
        return None
    first, tail = block.inline[0], list(block.inline[1:])
    label = first.text.strip()
    if label.endswith(":"):
        label = label[:-1]
    elif tail and tail[0].text.lstrip().startswith(":"):
        tail[0] = Run(tail[0].text.lstrip()[1:], tail[0].bold, tail[0].italic, tail[0].code)
    else:
        return None
    rest = _strip_inline(tuple(tail))
    return label.strip(), (Paragraph(rest, block.line) if rest else None)


def _strip_inline(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    runs = list(runs)
    while runs and not runs[0].text.strip():
        runs.pop(0)
    if runs:
        r = runs[0]
        runs[0] = Run(r.text.lstrip(), r.bold, r.italic, r.code)
    return tuple(runs)


def _finish(section: _Open, warnings: list[str]) -> Section:
    parts: tuple = tuple(section.blocks)
    if section.kind == "side_effects":
        parts = group_effects(parts)
    elif section.kind == "faqs":
        parts = group_faqs(parts)
    standard = _EXACT.get(normalise_label(section.title)) == section.kind
    return Section(section.kind, section.title, parts, section.line, standard)


def _warn_missing(done: list[Section], warnings: list[str]) -> None:
    effects = [s for s in done if s.kind == "side_effects"]
    if effects and not any(g.severe for s in effects for g in s.groups):
        warnings.append(Notice("missing_section",
                               "no severe side-effect group found: the handout has no warning box"))
    if not effects:
        warnings.append(Notice("missing_section", "no side-effects section found"))


# -- side-effect groups ----------------------------------------------------------

def group_effects(blocks: tuple) -> tuple:
    """Split a side-effects section into labelled groups (and loose blocks)."""
    parts: list = []
    group = None  # [label inline, blocks, took_list, owns_until_label, line]
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        label = _group_label(block, nxt, group)
        if label is not None:
            _close(group, parts)
            inline, rest, owns_all = label
            group = [inline, [rest] if rest else [], False, owns_all, block.line]
            continue
        if group is not None and _group_takes(group, block):
            group[1].append(block)
            group[2] = group[2] or isinstance(block, ListBlock)
            continue
        _close(group, parts)
        group = None
        parts.extend(_split_labelled_items(block))
    _close(group, parts)
    return tuple(parts)


def _group_takes(group, block) -> bool:
    if isinstance(block, ListBlock):
        return True
    # After its list, a group keeps only what a stand-alone label owns, and a severe
    # box never swallows the general advice that follows its list.
    if group[2]:
        return False
    return True


def _group_label(block, nxt, group):
    """(label inline, leftover block, owns-all) when `block` labels a group."""
    if isinstance(block, Heading):
        return block.inline, None, True
    if not isinstance(block, Paragraph) or not block.inline:
        return None
    text = plain(block.inline).strip()
    if all(r.bold for r in block.inline if r.text.strip()):
        return block.inline, None, True
    lead = lead_in(block)
    if lead is not None:
        label, rest = lead
        return (Run(label + ":", bold=True),), rest, True
    colon_intro = text.endswith(":") and isinstance(nxt, ListBlock)
    if colon_intro and (group is None or group[2]):
        return block.inline, None, False
    return None


def _close(group, parts: list) -> None:
    if group is None:
        return
    inline, blocks, _, _, line = group
    parts.append(EffectGroup(inline, is_severe(plain(inline)), tuple(blocks), line))


def _split_labelled_items(block) -> list:
    """`* **Serious:** a, b` items become groups; other items stay a list."""
    if not isinstance(block, ListBlock):
        return [block]
    out: list = []
    loose: list[ListItem] = []
    for item in block.items:
        grouped = _item_group(item)
        if grouped is None:
            loose.append(item)
            continue
        if loose:
            out.append(ListBlock(tuple(loose), block.ordered, block.start, block.line))
            loose = []
        out.append(grouped)
    if loose:
        out.append(ListBlock(tuple(loose), block.ordered, block.start, block.line))
    return out


def _item_group(item: ListItem):
    first = item.blocks[0] if item.blocks else None
    lead = lead_in(first) if isinstance(first, Paragraph) else None
    if lead is None or not is_group_label(lead[0]):
        return None
    label, rest = lead
    blocks = ([rest] if rest else []) + list(item.blocks[1:])
    return EffectGroup((Run(label + ":", bold=True),), is_severe(label), tuple(blocks),
                       first.line)


# -- FAQs --------------------------------------------------------------------------

_Q = re.compile(r"^\s*(q\s*[:.)]|question\b)", re.I)


def group_faqs(blocks: tuple) -> tuple:
    parts: list = []
    for block in blocks:
        if isinstance(block, ListBlock):
            parts.extend(_faq_items(block))
            continue
        question = _question(block)
        if question is not None:
            parts.append(Faq(*question))
        elif parts and isinstance(parts[-1], Faq) and not _is_label(block):
            last = parts[-1]
            parts[-1] = Faq(last.question, last.answer + (block,))
        else:
            parts.append(block)
    return tuple(parts)


def _is_label(block) -> bool:
    """A bold line ending in a colon ("**Regarding X:**") heads what follows."""
    return isinstance(block, Paragraph) and plain(block.inline).strip().endswith(":") and all(
        r.bold for r in block.inline if r.text.strip())


def _faq_items(block: ListBlock) -> list:
    out: list = []
    loose: list[ListItem] = []
    for item in block.items:
        first = item.blocks[0] if item.blocks else None
        question = _question(first) if first is not None else None
        if question is None:
            loose.append(item)
            continue
        if loose:
            out.append(ListBlock(tuple(loose), block.ordered, block.start, block.line))
            loose = []
        q, answer = question
        out.append(Faq(q, answer + tuple(item.blocks[1:])))
    if loose:
        out.append(ListBlock(tuple(loose), block.ordered, block.start, block.line))
    return out


def _question(block):
    """(question inline, answer blocks) when `block` starts with a bold question."""
    if isinstance(block, Heading):
        text = plain(block.inline).strip()
        return (block.inline, ()) if text.endswith("?") or _Q.match(text) else None
    if not isinstance(block, Paragraph) or not block.inline or not block.inline[0].bold:
        return None
    q = block.inline[0]
    if not (_Q.match(q.text) or q.text.strip().endswith("?")):
        return None
    rest = _strip_inline(block.inline[1:])
    return (q,), ((Paragraph(rest, block.line),) if rest else ())


def summary_of(found: tuple[Section, ...]) -> str:
    """First sentence of the usage section, when it is short enough for a subtitle."""
    usage = next((s for s in found if s.kind == "usage"), None)
    first = next((p for p in (usage.parts if usage else ()) if isinstance(p, Paragraph)), None)
    if first is None:
        return ""
    text = " ".join(plain(first.inline).split())
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    return sentence if 20 <= len(sentence) <= 160 else ""
