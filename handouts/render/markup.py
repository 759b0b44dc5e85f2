"""Render stage, first step: page text -> inert ReportLab paragraph markup.

Page text never reaches ReportLab as markup: every run is escaped and only the tags
made here (<b>, <i>, <super>, <sub>, <br/>) exist. No ReportLab import: plain string work.
"""

from __future__ import annotations

import re
from dataclasses import replace


def escape(text: str) -> str:
    """Make page text inert for ReportLab's paragraph parser."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SCRIPT_TAGS = {"sup": "super", "sub": "sub"}


def markup(inline, italics: bool = True, fix=lambda t: t) -> str:
    out = []
    for run in inline:
        piece = escape(fix(run.text)).replace("\n", "<br/>")
        if run.script:  # ReportLab's own tags for raised and lowered text
            tag = _SCRIPT_TAGS[run.script]
            piece = f"<{tag}>{piece}</{tag}>"
        if run.italic and italics:
            piece = f"<i>{piece}</i>"
        if run.bold:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


_BREAK = re.compile(r"(?<=[.!?;:])\s+|\s+")


def chunk_inline(inline, limit: int) -> list[tuple]:
    """Split runs into pieces of at most about `limit` characters, at a sentence end
    when one is near, else at a space; a lone token longer than that stays whole."""
    if sum(len(r.text) for r in inline) <= limit:
        return [inline]
    pieces, current, size = [], [], 0
    for run in inline:
        text = run.text
        while size + len(text) > limit:
            cut = _cut(text, limit - size)
            if cut is None:
                break
            current.append(replace(run, text=text[:cut].rstrip()))
            pieces.append(tuple(current))
            current, size, text = [], 0, text[cut:].lstrip()
        if text:
            current.append(replace(run, text=text))
            size += len(text)
    if current:
        pieces.append(tuple(current))
    return pieces


def _cut(text: str, room: int) -> int | None:
    """Where to cut `text` within `room` chars: last sentence end, else last space."""
    window = text[: max(room, 0) + 1]
    ends = [m.end() for m in _BREAK.finditer(window) if window[m.start() - 1:m.start()] in ".!?"]
    if ends and ends[-1] > room // 2:
        return ends[-1]
    spaces = [m.end() for m in _BREAK.finditer(window)]
    return spaces[-1] if spaces and spaces[-1] > 0 else None
