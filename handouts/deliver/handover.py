"""Deliver stage: the per-patient details of one copy (--for, --note), checked, and the
personalised PDFs made from them, in memory only.

Personal health information: nothing here writes a file, and no message repeats what
was typed (an error says what is wrong with it, never what it was).
"""

from __future__ import annotations

from datetime import date

from ..errors import HandoutError
from ..model import Handover
from ..review import today
from ..text import suspect
from .batch import render_one

MAX_PATIENT, MAX_NOTE = 120, 600


def handover_of(patient: str | None, note: str | None, on: date | None = None,
                what: tuple[str, str] = ("--for", "--note")) -> Handover | None:
    """The details for a personalised copy, or None when neither was given. `on` is the
    day it is handed over (default today); `what` names the two fields in errors (the
    CLI's options, or the web form's labels)."""
    if patient is None and note is None:
        return None
    return Handover(_checked(patient, what[0], MAX_PATIENT),
                    _checked(note, what[1], MAX_NOTE), on or today())


def _checked(text: str | None, option: str, limit: int) -> str:
    if text is None:
        return ""
    # Line breaks, controls and the characters that hide or reorder text (spoofing):
    # the one filter every string that reaches a PDF goes through (text.py).
    if suspect(text) or any(c in text for c in "\n\r\t\u2028\u2029"):
        raise HandoutError(f"{option}: control or invisible characters are not allowed")
    text = " ".join(text.split())
    if not text:
        raise HandoutError(f"{option}: expected text, found nothing")
    if len(text) > limit:
        raise HandoutError(f"{option}: expected at most {limit} characters, "
                           f"found {len(text)}")
    return text


def personalised(pages, inputs, handover: Handover) -> list[tuple[object, bytes]]:
    """(page, PDF bytes) per page, each with the box on its page 1; in memory only, one
    process (the details never travel to a worker)."""
    config, style = inputs.load()
    made = []
    for page in pages:
        try:
            built = render_one(page.path, page.name, style, config, handover)
        except HandoutError as exc:
            raise HandoutError(exc.reason, exc.file or page.path, exc.line) from None
        made.append((page, built.data))
    return made
