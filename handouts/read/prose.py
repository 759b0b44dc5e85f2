"""Read stage helper: sentences, slices and lead-in labels of inline text (runs keep
their emphasis). Works on model runs only; knows nothing of Markdown or PDF.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Inline, Paragraph, Run

# A sentence ends at . ! or ? (and any closing quote or bracket) before a space and
# a capital, digit or opening bracket: "e.g. Aspirin" must not end one, so the word
# before the stop is checked against common abbreviations.
_STOP = re.compile(r"[.!?][\"')\]’”]*\s+(?=[\"'(\[‘“]?[A-Z0-9])")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "dr", "approx", "no", "fig", "st", "mr", "mrs",
                  "ms", "u.s", "inc", "ltd", "min", "max", "esp", "incl", "viz", "ca"}


def cut(inline: Inline, start: int, end: int) -> Inline:
    """The runs covering plain-text offsets [start, end), emphasis kept."""
    out: list[Run] = []
    pos = 0
    for run in inline:
        lo, hi = max(start, pos), min(end, pos + len(run.text))
        if lo < hi:
            out.append(replace(run, text=run.text[lo - pos:hi - pos]))
        pos += len(run.text)
    return tuple(out)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, surrounding spaces excluded."""
    spans, start = [], 0
    for stop in _STOP.finditer(text):
        word = re.search(r"([\w.]+)[.!?]$", text[start:stop.start() + 1])
        if word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        spans.append((start, stop.end()))
        start = stop.end()
    spans.append((start, len(text)))
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def lead_in(block) -> tuple[str, Paragraph | None] | None:
    """`**Label:** rest` -> (label, rest paragraph or None); else None."""
    if not isinstance(block, Paragraph) or not block.inline or not block.inline[0].bold:
        return None
    first, tail = block.inline[0], list(block.inline[1:])
    label = first.text.strip()
    if label.endswith(":"):
        label = label[:-1]
    elif tail and tail[0].text.lstrip().startswith(":"):
        tail[0] = replace(tail[0], text=tail[0].text.lstrip()[1:])
    else:
        return None
    rest = strip_inline(tuple(tail))
    return label.strip(), (Paragraph(rest, block.line) if rest else None)


def strip_inline(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    runs = list(runs)
    while runs and not runs[0].text.strip():
        runs.pop(0)
    if runs:
        r = runs[0]
        runs[0] = replace(r, text=r.text.lstrip())
    return tuple(runs)
