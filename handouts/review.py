"""Review status: has a clinician checked a page, and is that check still current?

Pure date arithmetic shared by layout (the mark on every page) and check (the report).
Reads the clock only in today(); never draws anything and never reads files.
"""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from .errors import HandoutError
from .model import Review

UNREVIEWED, OVERDUE, CURRENT = "unreviewed", "overdue", "current"
_SLOT = re.compile(r"\{(name|date|due)\}")


def today() -> date:
    """The date reviews are judged on: SOURCE_DATE_EPOCH's date in UTC when it is set
    (so a build or check can be reproduced, and tested), else the local date."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return date.today()
    try:
        return datetime.fromtimestamp(int(raw), timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise HandoutError(
            f"SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01, found {raw!r}"
        ) from None


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 Jan + 1 -> 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Status:
    """`state` is UNREVIEWED, OVERDUE or CURRENT; `due` is when the next review is due."""

    state: str
    reviewed_by: str = ""
    reviewed_on: date | None = None
    due: date | None = None


def status_of(review: Review, default_months: int, on: date) -> Status:
    """A review is current up to and including its due date, overdue the day after."""
    if review.reviewed_on is None:
        return Status(UNREVIEWED)
    due = add_months(review.reviewed_on, review.every_months or default_months)
    return Status(OVERDUE if on > due else CURRENT, review.reviewed_by, review.reviewed_on, due)


def describe(status: Status, wording) -> str:
    """The status in the style's words (`wording` is its review: block)."""
    template = {UNREVIEWED: wording.unreviewed, OVERDUE: wording.overdue,
                CURRENT: wording.reviewed}[status.state]
    values = {"name": status.reviewed_by,
              "date": status.reviewed_on.isoformat() if status.reviewed_on else "",
              "due": status.due.isoformat() if status.due else ""}
    # One pass, so a reviewer's name that contains "{due}" stays as written.
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def mark_text(review: Review, config, wording) -> tuple[str, bool]:
    """(text printed on every page, whether it is the not-reviewed/overdue mark).

    A current review always prints who reviewed it; the mark for an unreviewed or
    overdue page prints unless the workspace turned it off (review.mark_unreviewed).
    """
    status = status_of(review, config.review.review_every, today())
    alert = status.state != CURRENT
    if alert and not config.review.mark_unreviewed:
        return "", alert
    return describe(status, wording), alert


def alert(review: Review, config, wording, on: date | None = None) -> str:
    """What to warn about before a page leaves the clinic: the unreviewed or overdue
    mark in the style's words, or '' for a current review."""
    status = status_of(review, config.review.review_every, on or today())
    return "" if status.state == CURRENT else describe(status, wording)
