"""Parse stage, second half: a flat list of blocks -> titled sections, side-effect
groups and FAQs. Works on model blocks only; knows nothing of Markdown or PDF.

Severe detection (README "Which side effects go in the warning box" says the same):

1. Labels decide, not item text. A group is severe when its label uses a severity word
   (serious, severe, life-threatening, fatal, dangerous, boxed warning) or an urgency
   phrase (emergency, immediate(ly), urgent, right away, at once, seek/get medical
   help or attention, call your doctor), unless negated ("not serious", "less
   severe"), a range ("mild to severe"), or inside a leading concession ("While
   serious side effects are rare, ..."). Frequency words never decide: "Rare side
   effects" is not severe, "Rare but serious side effects" is.
2. Labels are: headings; bold lines that end in a colon, stand before a list or
   consist of group words; bold lead-ins (`**Label:** text`); a plain paragraph
   ending in a colon before a list, whose label is its last sentence together with the
   sentences it leans on ("Serious side effects can occur. These include:") but not
   one that lists its own members ("Common side effects include a, b.") or follows a
   turn ("However, ..."); and list items led, bold or plain, by a group label
   (`* **Serious:** a, b`, `* Less common but serious: a`), also over a nested list.
3. A group holding a group of the other kind is split so each lands on its own side
   of the box: an ingredient's label over "Serious side effects include:", or a
   "Common:" item under a severe label. A label with nothing under it is no group.
4. Prose, in a paragraph or a list item: a sentence is boxed when its subject names a
   severe group of effects and it lists members after include/including/such as/like/
   e.g. or a colon ("Less common but serious side effects include a and b."), or when it
   says to get help now and names what for ("Seek immediate medical attention if you
   have a severe allergic reaction", not "... any unusual symptoms"). A following
   sentence led by these/they/such joins it, and brings in the sentence before when
   that one names a severe group ("Serious side effects can occur. These include
   a."). The sentences around it stay outside the box.
5. Not severe: bold advice that ends in a full stop and names no effect, and an item
   that calls itself serious ("Heart failure (rare but serious)") in an unlabelled
   list. A page with side effects but no severe group builds with a warning.
"""

from __future__ import annotations

import re
from itertools import groupby

from .model import (
    EffectGroup, Faq, Heading, ListBlock, ListItem, Notice, Paragraph, Run, Section, plain,
)
from .prose import cut, sentence_spans

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

# Words that tell the reader to get help now; with the severity words they make SEVERE.
_URGENT = (r"emergenc\w*|immediate(ly)?|urgent(ly)?|right away|at once|"
           r"(seek|get|requires?|need) (\w+ )?medical (help|attention|care)|"
           r"call (your|a) (doctor|healthcare|care team)\w*")
URGENT = re.compile(rf"\b({_URGENT})\b")
SEVERE = re.compile(
    rf"\b(serious|severe|life[- ]threatening|fatal|dangerous|boxed warning|black box|{_URGENT})\b")
# Negated severity, and a range ("mild to severe") that describes rather than triages.
NOT_SEVERE = re.compile(
    r"\b((not|non|less|rarely|seldom|usually not|not usually)[- ](serious|severe)|"
    r"(mild|minor|moderate) to (moderate )?(serious|severe|life[- ]threatening))\b")
# A leading clause that concedes or explains ("While serious side effects are rare, ...")
# is not what the sentence says about its own list.
_CONCESSION = re.compile(
    r"^\s*(while|although|though|even though|whereas|since|because)\b[^,]*,\s*")
# Prose: a pronoun pointing back to the sentence before, the marker after which a
# sentence lists members, and the nouns that make a subject a group of effects.
_BACK = re.compile(r"\s*(these|they|those|such)\b", re.I)
_CONTRAST = re.compile(r"\s*(however|but|still|nevertheless|nonetheless|that said)\b", re.I)
_MARKER = re.compile(r"\b(includ(e|es|ed|ing)|such as|like|for example|namely)\b|\be\.g\.|:")
_EFFECTS = re.compile(r"\b(side[- ]effects?|effects|reactions?|adverse events?|complications)\b")
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


def _main_clause(text: str) -> str:
    return _CONCESSION.sub("", text.lower(), count=1)


def is_severe(label: str) -> bool:
    return bool(SEVERE.search(NOT_SEVERE.sub(" ", _main_clause(label))))


def names_severe(text: str) -> bool:
    """A clause about a severe group of effects ("Serious side effects can occur")."""
    return is_severe(text) and bool(_EFFECTS.search(_main_clause(text)))


def _members(sentence: str) -> tuple[str, str] | None:
    """(subject, members) of a sentence that lists after a marker ("X include a, b")."""
    marker = _MARKER.search(sentence)
    if marker is None or not re.search(r"\w", sentence[marker.end():]):
        return None
    return sentence[:marker.start()], sentence[marker.end():]


def members_of_severe(sentence: str) -> bool:
    """"Less common but serious side effects include a and b." lists a severe group."""
    found = _members(sentence)
    return found is not None and names_severe(found[0])


# "If you have X, seek help now": X ends where the instruction begins; a time clause in
# it ("after taking aspirin") says when, not what.
_CONDITION = re.compile(
    r"\bif you (experience|develop|notice|have|get|see|feel|suffer from|observe)\b(.*)", re.I)
_CONDITION_END = re.compile(
    r",\s*(seek|get|go|call|contact|consult|stop|discontinue|report|tell|inform|"
    r"immediately|promptly|please|you|it)\b", re.I)
_WHEN = re.compile(r"\b(after|while|during|following|when|before|since)\b[^,]*", re.I)
# Words that say nothing about which effect is meant ("any unusual or severe symptoms").
_VAGUE = _GROUP_WORDS | set(
    "any all these those this a an such unusual concerning significant persistent worsening "
    "worse worsen worsens new unexpected bothersome troublesome problems issues changes ones "
    "that which are is listed above below mentioned here there especially particularly "
    "symptom sign them it as if they you your even not including minor seem seems be become "
    "becomes to".split())


def urgent_about(sentence: str) -> bool:
    """"Seek immediate medical attention if you have a severe allergic reaction" names
    what needs urgent care; "... if you have any unusual symptoms" names nothing."""
    condition = _CONDITION.search(sentence)
    if condition is None or not URGENT.search(sentence.lower()):
        return False
    what = condition.group(2)
    end = _CONDITION_END.search(what)
    what = _WHEN.sub(" ", what[:end.start()] if end else what)
    return any(w not in _VAGUE for w in re.findall(r"[a-z]+", what.lower()))


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
    standard = _EXACT.get(normalise_label(section.title)) == section.kind
    kind = section.kind
    if not parts and not standard:
        # "Repaglinide: Usage, Dosage, Side Effects" over labelled sections of its own
        # heads a part of the page; it is not a (blank) side-effects section.
        kind = "other"
    if kind == "side_effects":
        parts = group_effects(parts)
    elif kind == "faqs":
        parts = group_faqs(parts)
    return Section(kind, section.title, parts, section.line, standard)


def _warn_missing(done: list[Section], warnings: list[str]) -> None:
    effects = [s for s in done if s.kind == "side_effects"]
    if effects and not any(g.severe for s in effects for g in s.groups):
        warnings.append(Notice("missing_section",
                               "no severe side-effect group found: the handout has no warning box"))
    if not effects:
        warnings.append(Notice("missing_section", "no side-effects section found"))


# -- side-effect groups ----------------------------------------------------------

class _Group:
    """A group being collected: its label and the block that carried the label."""

    def __init__(self, label: tuple[Run, ...], source, blocks=()):
        self.label, self.source = label, source
        self.blocks = list(blocks)
        self.took_list = False

    def takes(self, block) -> bool:
        # After its list a group takes only further lists: a severe box never swallows
        # the general advice that follows its list.
        return isinstance(block, ListBlock) or not self.took_list

    def add(self, block) -> None:
        self.blocks.append(block)
        self.took_list = self.took_list or isinstance(block, ListBlock)

    def close(self) -> list:
        """The group, split where a group inside it belongs on the other side of the
        box: an ingredient's label over "Serious side effects include:", or a "Common:"
        item under a severe label. What follows such an inner group stays on this
        group's side. A label with nothing under it is not a group."""
        severe = is_severe(plain(self.label))
        inner = [p for b in self.blocks for p in _split_list(b)] if severe \
            else list(group_effects(tuple(self.blocks)))
        if not any(isinstance(p, EffectGroup) and p.severe != severe for p in inner):
            inner = self.blocks
        line = self.source.line
        out: list = []
        for is_group, run in groupby(inner, key=lambda p: isinstance(p, EffectGroup)):
            run = list(run)
            if is_group:
                out += run
            elif not out:  # what comes before any inner group is this group's own
                out.append(EffectGroup(self.label, severe, tuple(run), line))
            else:
                out += [EffectGroup((), True, tuple(run), line)] if severe else run
        if not inner or isinstance(inner[0], EffectGroup):
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
    group = None
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        opened = _open_group(block, nxt, group)
        if opened is not None:
            parts.extend(group.close() if group else [])
            lead, group = opened
            parts.extend(p for b in lead for p in _refine(b))
        elif group is not None and group.takes(block):
            group.add(block)
        else:
            parts.extend(group.close() if group else [])
            group = None
            parts.extend(_refine(block))
    parts.extend(group.close() if group else [])
    return tuple(parts)


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
    while first > 0 and _leans_back(texts[first]) and _members(texts[first - 1]) is None:
        first -= 1
    label = cut(block.inline, spans[first][0], len(text))
    lead = [Paragraph(cut(block.inline, 0, spans[first - 1][1]), block.line)] if first else []
    return lead, _Group(label, block)


def _leans_back(sentence: str) -> bool:
    """A sentence that needs the one before to say which effects it is about."""
    if _CONTRAST.match(sentence):
        return False
    return bool(_BACK.match(sentence)) or not _EFFECTS.search(sentence.lower())


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
    if len(pieces) == 1:
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
                       first.line)


def _item_lead(first: Paragraph):
    """(label, rest) when a list item opens with a group label, bold or plain
    (`* **Serious:** a, b` or `* Less common but serious: a, b`)."""
    lead = lead_in(first)
    if lead is None:
        text = plain(first.inline)
        head, colon, _ = text.partition(":")
        if not colon:
            return None
        rest = _strip_inline(cut(first.inline, len(head) + 1, len(text)))
        lead = head.strip(), (Paragraph(rest, first.line) if rest else None)
    return lead if is_group_label(lead[0]) else None


def _split_prose(para: Paragraph) -> list:
    """Sentences that name a severe group and list its effects become a group of their
    own (no label: the sentence says it), so "Common side effects include a. Serious
    side effects include b." boxes only the second sentence."""
    text = plain(para.inline)
    spans = sentence_spans(text)
    flags = severe_sentences([text[a:b] for a, b in spans])
    if not any(flags):
        return [para]
    out: list = []
    for flag, run in groupby(zip(spans, flags), key=lambda pair: pair[1]):
        run = [span for span, _ in run]
        piece = Paragraph(cut(para.inline, run[0][0], run[-1][1]), para.line)
        out.append(EffectGroup((), True, (piece,), para.line) if flag else piece)
    return out


def severe_sentences(texts: list[str]) -> list[bool]:
    """Which sentences of a paragraph belong in the warning box.

    A sentence does when it names a severe group and lists its members after a
    marker ("Less common but serious side effects include a and b."), or says to get
    help now for something it names (urgent_about); a sentence led by a pronoun joins
    the one before when that one is boxed ("These are rare."), or when that one names
    a severe group and this one lists it ("Serious side effects can occur. These
    include a and b.").
    """
    flags = [members_of_severe(t) or urgent_about(t) for t in texts]
    for i in range(1, len(texts)):
        if not _BACK.match(texts[i]):
            continue
        if flags[i - 1] or (names_severe(texts[i - 1]) and _members(texts[i]) is not None):
            flags[i - 1] = flags[i] = True
    return flags


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
