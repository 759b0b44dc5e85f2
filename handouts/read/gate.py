"""Read stage, the content gate: is a parsed page drug information at all?

A page with neither a usage section nor side effects, or one whose text only declines
to answer ("I cannot provide information on ..."), is not a handout: `build` refuses it
and `check` reports it (kind `not_drug_information`, with the line). A page that
declines for one part but carries real sections builds with a warning. Works on the
model only; knows nothing of Markdown or PDF.
"""

from __future__ import annotations

import re

from ..model import Drug, EffectGroup, Faq, ListBlock, Notice, Paragraph, block_text, plain
from .prose import lead_in
from .sections import kind_of_label

KIND = "not_drug_information"
# A text generator declining the request; "I cannot provide medical advice" is a caveat
# in front of real information, not a refusal to give it.
_DECLINES = re.compile(
    r"\b(I|we)\s+(cannot|can't|can not|am unable to|are unable to|'m unable to|"
    r"am not able to|won't|will not|must decline to)\s+(provide|create|give|generate|"
    r"write|produce|offer|supply|answer|fulfil|fulfill|complete)\b"
    r"(?!\s+(you\s+with\s+)?((any|specific|personali[sz]ed|personal|individual|"
    r"professional)\s+)*(medical\s+)?(advice|recommendations)\b)"
    r"|\bas an AI\b|\bI(?:'m| am) sorry, but\b", re.I)


def gate(drug: Drug) -> tuple[list[Notice], list[Notice]]:
    """(errors, warnings) of the content gate for one page."""
    declined = declining(drug)
    where = declined[0] if declined else None
    if not _has_content(drug, "usage") and not _has_content(drug, "side_effects"):
        said = f" and it declines to give information ({_quote(where.message)})" if where else ""
        line = where.line if where else next((n for n, _ in _texts(drug) if n), None)
        return [Notice(KIND, "not drug information: the page has no usage section and no "
                             f"side effects{said}", line)], []
    return [], [Notice(KIND, f"part of the page declines to give information "
                             f"({_quote(n.message)}); the rest is printed", n.line)
                for n in declined]


def declining(drug: Drug) -> list[Notice]:
    """Each block whose text declines to answer, with its line (message: the words)."""
    found = []
    for line, text in _texts(drug):
        match = _DECLINES.search(text)
        if match:
            found.append(Notice(KIND, _sentence_at(text, match.start()), line))
    return found


def _has_content(drug: Drug, kind: str) -> bool:
    """A section of `kind` with text that is not only a refusal, or (on pages that
    describe each ingredient in a list) an item led by the kind's label."""
    for section in drug.sections:
        texts = [block_text(p) for p in section.parts]
        if section.kind == kind and any(t.strip() and not _DECLINES.search(t) for t in texts):
            return True
        if any(_labelled(part, kind) for part in section.parts):
            return True
    return False


def _labelled(part, kind: str) -> bool:
    """`* **Side Effects:** ...` (or such a paragraph) inside another section."""
    if isinstance(part, ListBlock):
        return any(_labelled(b, kind) for item in part.items for b in item.blocks)
    lead = lead_in(part) if isinstance(part, Paragraph) else None
    return lead is not None and kind_of_label(lead[0]) == kind and lead[1] is not None


def _texts(drug: Drug):
    """(line, text) of each top-level part of every section."""
    for section in drug.sections:
        for part in section.parts:
            line = getattr(part, "line", None) or section.line
            if isinstance(part, (EffectGroup, Faq)):
                yield line, block_text(part)
            elif isinstance(part, Paragraph):
                yield line, plain(part.inline)
            else:
                yield line, block_text(part)


def _sentence_at(text: str, at: int) -> str:
    start = max(text.rfind(". ", 0, at) + 2, 0) if text.rfind(". ", 0, at) >= 0 else 0
    end = text.find(". ", at)
    return " ".join(text[start:end + 1 if end >= 0 else len(text)].split())


def _quote(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")
