"""Read stage: a side-effects section's blocks -> labelled groups, each severe or not.

Finds the labels the author wrote (headings, bold lines, lead-ins, a paragraph ending in
a colon before a list, labelled list items, severe prose sentences) and asks triage.py
whether each is severe. Works on model blocks only; knows nothing of Markdown or PDF.

1. Labels are: headings; bold lines that end in a colon, stand before a list or
   consist of group words; bold lead-ins (`**Label:** text`); a plain paragraph
   ending in a colon before a list, whose label is its last sentence together with the
   sentences it leans on ("Serious side effects can occur. These include:") but not
   one that lists its own members ("Common side effects include a, b.") or follows a
   turn ("However, ..."); and list items led, bold or plain, by a label that names a
   tier (`* **Serious:** a, b`, `* Less common but serious: a`), also over a nested
   list. A lead-in that names no tier (`* **Other:** Fever.`) is a category: it stays
   in the group it stands in. A lead-in with its own prose takes only a list after it.
2. A group holding a group of the other kind is split so each lands on its own side
   of the box: an ingredient's label over "Serious side effects include:", a "Common:"
   item under a severe label, or general advice that names no effect under a severe
   label. Each inner group keeps the labels it stands in (`context`); a name label
   with nothing of its own under it heads the tier groups after it. A label with
   nothing under it is no group.
3. Not severe: bold advice that ends in a full stop and names no effect, and an item
   that calls itself serious ("Heart failure (rare but serious)") in an unlabelled
   list. Every group records why it is severe or not (`rule`, for check --explain).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from ..model import EffectGroup, Heading, ListBlock, ListItem, Paragraph, Run, plain
from .prose import cut, lead_in, sentence_spans, strip_inline
from .triage import (
    ADVICE, advice_only, all_group_words, is_group_label, is_severe, label_rule, leans_back, members,
    sentence_verdicts,
)


class _Group:
    """A group being collected: its label and the block that carried the label."""

    def __init__(self, label: tuple[Run, ...], source, blocks=()):
        self.label, self.source = label, source
        self.blocks = list(blocks)
        # A lead-in with its own prose (`**Serious:** a, b.`) said what it labels: only a
        # list may follow it into the group.
        self.took_list = bool(self.blocks)

    def takes(self, block) -> bool:
        # After its list (or its own prose) a group takes only further lists: a severe
        # box never swallows the general advice that follows.
        return isinstance(block, ListBlock) or not self.took_list

    def add(self, block) -> None:
        self.blocks.append(block)
        self.took_list = self.took_list or isinstance(block, ListBlock)

    def close(self) -> list:
        """The group, split where a group inside it belongs on the other side of the
        box: an ingredient's label over "Serious side effects include:", or a "Common:"
        item under a severe label. What follows such an inner group stays on this
        group's side. A label with nothing under it is not a group."""
        severe, rule = is_severe(plain(self.label)), label_rule(plain(self.label))
        inner = [p for b in self.blocks for p in _severe_parts(b)] if severe \
            else list(group_effects(tuple(self.blocks)))
        if not any(isinstance(p, EffectGroup) and p.severe != severe for p in inner):
            inner = self.blocks
        line = self.source.line
        out: list = []
        for is_group, run in groupby(inner, key=lambda p: isinstance(p, EffectGroup)):
            run = list(run)
            if is_group:  # an inner group says whose it is: "Azithromycin:", "Serious:"
                out += [replace(g, context=(self.label,) + g.context) for g in run]
            elif not out:  # what comes before any inner group is this group's own
                out.append(EffectGroup(self.label, severe, tuple(run), line, rule=rule))
            else:
                out += [EffectGroup((), True, tuple(run), line, (self.label,), rule)] \
                    if severe else run
        if inner and isinstance(inner[0], EffectGroup) and inner[0].severe and not (
                severe or inner[0].label):
            # "**Important Note:** Seek help now if you have chest pain.": the label heads
            # its severe sentence inside the box, not a heading left outside it.
            out[0] = replace(out[0], label=self.label, context=inner[0].context)
        elif not inner or isinstance(inner[0], EffectGroup):
            out.insert(0, self._as_written())
        return out

    def _as_written(self):
        """The bare label: a bold label still heads what follows, so it stays a heading."""
        if isinstance(self.source, Heading):
            return self.source
        if _all_bold(self.label):
            return Heading(self.label, line=self.source.line)
        return Paragraph(self.label, self.source.line)


def group_effects(blocks: tuple) -> tuple:
    """Split a side-effects section into labelled groups (and loose blocks)."""
    parts: list = []
    group, heads = None, _Heads()
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        opened = _open_group(block, nxt, group)
        if opened is not None:
            parts.extend(heads.close(group))
            lead, group = opened
            parts.extend(p for b in lead for p in _refine(b))
        elif group is not None and group.takes(block):
            group.add(block)
        else:
            parts.extend(heads.close(group))
            group = None
            parts.extend(_refine(block))
    parts.extend(heads.close(group))
    return tuple(parts)


class _Heads:
    """A name label with nothing of its own under it (`**Azithromycin:**` right before
    `**Serious side effects:**`) heads the tier groups that follow, until another
    group names something else: each of them says whose it is, inside the box too."""

    def __init__(self):
        self.name: tuple | None = None

    def close(self, group: _Group | None) -> list:
        if group is None:
            return []
        parts, label = group.close(), plain(group.label)
        if not group.blocks and _names_something(label):
            self.name = group.label
        elif not is_group_label(label):
            self.name = None
        elif self.name is not None:
            parts = [replace(p, context=(self.name,) + p.context)
                     if isinstance(p, EffectGroup) else p for p in parts]
        return parts


def _names_something(label: str) -> bool:
    """A label with a word beyond the words of groups ("Azithromycin", "Oral side
    effects"), not a bare "Side Effects:"."""
    return not is_group_label(label) and not all_group_words(label)


def _open_group(block, nxt, group):
    """(blocks before the label, new group) when `block` labels a group, else None."""
    if isinstance(block, Heading):
        return [], _Group(block.inline, block)
    if not isinstance(block, Paragraph) or not block.inline:
        return None
    text = plain(block.inline).strip()
    before_list = isinstance(nxt, ListBlock)
    # A bold line is a label when it reads as one; a bold sentence ending in a full
    # stop is emphasised advice, not a group.
    if _all_bold(block.inline) and (text.endswith(":") or before_list
                                    or is_group_label(text)):
        return _intro_group(block)
    lead = lead_in(block)
    if lead is not None:
        label, rest = lead
        return [], _Group((Run(label + ":", bold=True),), block, [rest] if rest else [])
    if text.endswith(":") and before_list and (group is None or group.took_list):
        return _intro_group(block)
    return None


def _all_bold(inline) -> bool:
    return all(r.bold for r in inline if r.text.strip())


def _intro_group(block: Paragraph):
    """A paragraph introducing a list: its last sentence labels the group, together
    with the sentences before it that say which group it is ("Serious side effects can
    occur. These need urgent care. Seek help if you have:"). A sentence that lists its
    own members ("Common side effects include a, b.") or a turn ("However, ...") ends
    the label; what comes before the label prints as a paragraph."""
    text = plain(block.inline)
    spans = sentence_spans(text)
    texts = [text[a:b] for a, b in spans]
    first = len(spans) - 1
    while first > 0 and leans_back(texts[first]) and members(texts[first - 1]) is None:
        first -= 1
    label = cut(block.inline, spans[first][0], len(text))
    lead = [Paragraph(cut(block.inline, 0, spans[first - 1][1]), block.line)] if first else []
    return lead, _Group(label, block)


def _refine(block) -> list:
    """Severe groups a loose block holds: labelled list items, or prose sentences."""
    if isinstance(block, Paragraph):
        return _split_prose(block)
    return _split_list(block)


def _split_list(block) -> list:
    """Items labelled with a group (`* **Serious:** a, b`) become groups, and a severe
    sentence inside an item ("* **Aspirin:** ... Less common but serious side effects
    include a.") moves out to follow its item; the other items stay lists, in order."""
    if not isinstance(block, ListBlock):
        return [block]
    out: list = []
    loose: list[tuple[int, ListItem]] = []
    for number, item in enumerate(block.items, start=block.start):
        for piece in _item_parts(item):
            if isinstance(piece, ListItem):
                loose.append((number, piece))
                continue
            out.extend(_list_of(loose, block))
            loose = []
            out.append(piece)
    return out + _list_of(loose, block)


def _list_of(loose: list, block: ListBlock) -> list:
    if not loose:
        return []
    # A list split by a box goes on numbering where it left off.
    return [ListBlock(tuple(i for _, i in loose), block.ordered, loose[0][0], block.line)]


def _item_parts(item: ListItem) -> list:
    """The item as it stays (a ListItem) and what moves out of it, in order."""
    grouped = _item_group(item)
    if grouped is not None:
        return [grouped]
    first = item.blocks[0] if item.blocks else None
    pieces = _split_prose(first) if isinstance(first, Paragraph) else [first]
    if len(pieces) == 1 and not isinstance(pieces[0], EffectGroup):
        return [item]
    head = [ListItem((pieces.pop(0),))] if not isinstance(pieces[0], EffectGroup) else []
    return head + pieces + list(item.blocks[1:])


def _item_group(item: ListItem):
    first = item.blocks[0] if item.blocks else None
    lead = _item_lead(first) if isinstance(first, Paragraph) else None
    if lead is None:
        return None
    label, rest = lead
    blocks = ([rest] if rest else []) + list(item.blocks[1:])
    if not blocks:
        return None
    return EffectGroup((Run(label + ":", bold=True),), is_severe(label), tuple(blocks),
                       first.line, rule=label_rule(label))


def _item_lead(first: Paragraph):
    """(label, rest) when a list item opens with a group label, bold or plain
    (`* **Serious:** a, b` or `* Less common but serious: a, b`)."""
    lead = lead_in(first)
    if lead is None:
        text = plain(first.inline)
        head, colon, _ = text.partition(":")
        if not colon:
            return None
        rest = strip_inline(cut(first.inline, len(head) + 1, len(text)))
        lead = head.strip(), (Paragraph(rest, first.line) if rest else None)
    return lead if is_group_label(lead[0]) else None


def _severe_parts(block) -> list:
    """A severe group's block: its labelled items (`* Common: a` leaves the box), and
    its prose with general advice that names no effect set apart ("It's crucial to
    report any concerning side effects ..." is not a symptom to get help for)."""
    if not isinstance(block, Paragraph):
        return _split_list(block)
    text = plain(block.inline)
    spans = sentence_spans(text)
    verdicts = [(advice_only(text[a:b]), ADVICE) for a, b in spans]
    if not any(flag for flag, _ in verdicts) or all(flag for flag, _ in verdicts):
        return [block]  # all advice: a bold advice line, or the label's own words
    return _pieces(block, spans, verdicts, severe=False)


def _pieces(para: Paragraph, spans, verdicts, severe: bool) -> list:
    """The paragraph cut where the verdicts (flag, why) change: each run of flagged
    sentences becomes a group of its own (`severe` or not; no label: the sentences say
    it; its rule: why its first sentence was flagged), the rest stay paragraphs."""
    out: list = []
    for flag, run in groupby(zip(spans, verdicts), key=lambda pair: pair[1][0]):
        run = list(run)
        piece = Paragraph(cut(para.inline, run[0][0][0], run[-1][0][1]), para.line)
        out.append(EffectGroup((), severe, (piece,), para.line, rule=run[0][1][1])
                   if flag else piece)
    return out


def _split_prose(para: Paragraph) -> list:
    """Sentences that name a severe group and list its effects become a group of their
    own (no label: the sentence says it), so "Common side effects include a. Serious
    side effects include b." boxes only the second sentence."""
    text = plain(para.inline)
    spans = sentence_spans(text)
    verdicts = sentence_verdicts([text[a:b] for a, b in spans])
    return _pieces(para, spans, verdicts, severe=True) if any(
        flag for flag, _ in verdicts) else [para]
