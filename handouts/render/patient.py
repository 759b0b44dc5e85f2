"""Render stage, INTERIM (issue 16; issue 15's per-patient box replaces it at merge):
the box on page 1 of one patient's copy: who it is for, the note, the day it was given.

Drawn in the style's note look (no new layout numbers); tagged like the rest of the
story. Patient details live only in memory: nothing here writes or logs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .flowables import Box, BoxLook
from .markup import escape

# Interim wording; issue 15 moves it into the style with the box.
FOR, NOTE, GIVEN = "For", "Note", "Given on"
MAX_NAME, MAX_NOTE = 120, 600


@dataclass(frozen=True)
class Patient:
    """One patient's details for one printed copy (never stored)."""

    name: str
    note: str = ""
    day: date | None = None

    def __repr__(self) -> str:  # never in a traceback or a log line
        return "Patient(...)"


def patient_box(patient: Patient, story) -> Box:
    """The box under the title: one tagged paragraph per detail given."""
    look, n = story.look, story.style.note
    rows = [(FOR, patient.name), (NOTE, patient.note),
            (GIVEN, patient.day.isoformat() if patient.day else "")]
    with story.within("Sect"):
        items = [story.tagged(f"<b>{escape(label)}:</b> {story.text(value)}", look.note)
                 for label, value in rows if value]
    box = Box(items, BoxLook(n.fill, n.border_colour, n.border_width, n.padding, n.gap),
              None, None, story.frame_height)
    box.spaceBefore = box.spaceAfter = story.style.warning.space_before
    return box
