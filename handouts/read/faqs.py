"""Read stage: an FAQ section's blocks -> question and answer pairs.

A bold question (ending in '?' or led by 'Q:'/'Question'), as a paragraph, a heading or a
list item, opens an FAQ; what follows is its answer until the next question or label.
Works on model blocks only; knows nothing of Markdown or PDF.
"""

from __future__ import annotations

import re

from ..model import Faq, Heading, ListBlock, ListItem, Paragraph, plain
from .prose import strip_inline

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
    rest = strip_inline(block.inline[1:])
    return (q,), ((Paragraph(rest, block.line),) if rest else ())
