"""Read stage: the triage of a side-effects section, explained for the reviewer.

Lists, in page order, every label (group, heading, category inside a severe group) and
every prose sentence the triage considered, whether it is in the warning box and why,
from the verdicts effects.py recorded and triage.py's own rules. Works on model blocks
only; knows nothing of Markdown or PDF.
"""

from __future__ import annotations

from ..model import EffectGroup, Heading, ListBlock, Paragraph, Verdict, block_text, plain
from .prose import lead_in, sentence_spans
from .triage import NOTHING, is_group_label, label_rule, sentence_verdicts


def triage_of(parts) -> tuple[Verdict, ...]:
    out: list[Verdict] = []
    for part in parts:
        if isinstance(part, EffectGroup):
            out.append(_group(part))
            for block in part.blocks if part.label else ():  # else: its words are its label
                out += _within(block, part)
        elif isinstance(part, Heading):
            text = plain(part.inline).strip()
            out.append(Verdict(text, part.line, False, label_rule(text)))
        else:
            out += _within(part, None)
    return tuple(out)


def _group(group: EffectGroup) -> Verdict:
    """A labelled group under its labels ("Azithromycin: Less Common but Serious:"); a
    group found in prose under its own words."""
    if not group.label:
        return Verdict(" ".join(block_text(group).split()), group.line, group.severe,
                       group.rule)
    labels = [plain(label).strip() for label in group.context + (group.label,)]
    return Verdict(" ".join(t for t in labels if t), group.line, group.severe, group.rule)


def _within(block, group: EffectGroup | None) -> list[Verdict]:
    """The sentences of a paragraph, and of each list item's first paragraph."""
    if isinstance(block, Paragraph):
        return _sentences(block, group)
    if not isinstance(block, ListBlock):
        return []
    out: list[Verdict] = []
    for item in block.items:
        for n, inner in enumerate(item.blocks):
            if isinstance(inner, ListBlock):
                out += _within(inner, group)
            elif n == 0 and isinstance(inner, Paragraph):
                out += _category(inner, group) + _sentences(inner, group)
    return out


def _category(para: Paragraph, group: EffectGroup | None) -> list[Verdict]:
    """A category lead-in inside a severe group ("Other:", "Cardiovascular:") stays in
    that group: it names no tier."""
    lead = lead_in(para)
    if group is None or not group.severe or lead is None or is_group_label(lead[0]):
        return []
    where = plain(group.label).strip() or "the group before"
    return [Verdict(lead[0], para.line, True,
                    f"category inside the severe group '{where}': names no tier")]


def _sentences(para: Paragraph, group: EffectGroup | None) -> list[Verdict]:
    text = plain(para.inline)
    sentences = [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]
    if group is not None and group.severe:  # its advice sentences left it (effects.py)
        where = plain(group.label).strip() or "the sentence's own words"
        verdicts = [(True, f"in the severe group '{where}'")] * len(sentences)
    else:
        verdicts = sentence_verdicts(sentences)
        if group is not None and group.label:  # what decided: the group's label
            verdicts = [(boxed, rule if boxed or rule != NOTHING else
                         f"in the group '{plain(group.label).strip()}', not a severe one")
                        for boxed, rule in verdicts]
    return [Verdict(s, para.line, boxed, rule) for s, (boxed, rule) in zip(sentences, verdicts)]
