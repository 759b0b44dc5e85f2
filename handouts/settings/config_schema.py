"""Settings stage: what handouts.yaml says, as typed, frozen dataclasses: one class per
block, one documented field per key, with its range and its default (stated only here).

CONFIG_SPEC is derived from these classes. No YAML and no files here: the render stage
reads these types without loading a YAML parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import schema as s
from .schema import setting


def _phone() -> s.Field:
    """A number a patient can dial: text (never a YAML number) with at least 3 digits,
    so a placeholder such as 'TBD' cannot end up printed in the warning box."""
    as_text = s.text(40).convert

    def convert(value):
        value = as_text(value)
        if value and sum(c.isdigit() for c in value) < 3:
            raise s.Invalid
        return value

    return s.Field(convert, "a phone number (text of at most 40 characters, "
                                "with at least 3 digits)")


_PHONE = _phone()


def _queue() -> s.Field:
    """A CUPS queue name as `lp -d` takes it: no spaces, slashes or shell characters."""
    as_text = s.text(127).convert

    def convert(value):
        value = as_text(value)
        if value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            raise s.Invalid
        return value

    return s.Field(convert, "a printer queue name (letters, digits, '_', '-', '.')")

DEFAULT_EMERGENCY = "Call 911 or go to the nearest emergency department."


@dataclass(frozen=True)
class Clinic:
    """Who the handout comes from, printed in the header of every page."""

    name: str = setting(s.text(120), "Printed at the top of every page.", default="")
    address: str = setting(s.text(200), "Printed under the name on page 1.", default="")
    logo: Path | None = setting(s.text(300), "A .png or .jpg, relative to handouts.yaml, "
                                "drawn at the top right of every page.", default=None)
    logo_alt: str = setting(s.text(200), "What the logo shows, for screen readers.",
                            default="")


@dataclass(frozen=True)
class Phones:
    """Whom to call, printed at the foot of every warning box."""

    care_team: str = setting(_PHONE, "The care team's number.", default="")
    after_hours: str = setting(_PHONE, "The after-hours number.", default="")


@dataclass(frozen=True)
class ReviewPolicy:
    """How page reviews are tracked."""

    mark_unreviewed: bool = setting(s.flag(), "Mark pages no clinician has reviewed.",
                                    default=True)
    review_every: int = setting(s.integer(1, 120, " months"),
                                "Months between reviews of a page.", default=24)


@dataclass(frozen=True)
class Readability:
    """What `handouts check` holds the prose to."""

    target_grade: float = setting(s.number(1, 20), "Reading grade pages should not exceed.",
                                  default=8.0)


@dataclass(frozen=True)
class Smtp:
    """The mail server handouts are sent through (the environment can override)."""

    host: str = setting(s.text(253), "Server name.", default="")
    port: int = setting(s.integer(1, 65535), "Port; 0 means the security's default.",
                        default=0)
    security: str = setting(s.choice("starttls", "ssl", "none"), "Transport security.",
                            default="starttls")
    username: str = setting(s.text(200), "Login name (the password only from "
                            "HANDOUTS_SMTP_PASSWORD).", default="")
    sender: str = setting(s.text(320), "The From address.", key="from", default="")


@dataclass(frozen=True)
class Printing:
    """Where handouts are printed: by `handouts print` (unless --printer is given) and
    by the front desk's "Print on the clinic's printer"."""

    queue: str = setting(_queue(), "The CUPS queue (lp -d); empty: CUPS's default for "
                         "`handouts print`, no queue printing at the front desk.", default="")


@dataclass(frozen=True)
class Serve:
    """The front desk (`handouts serve`): where its users and its audit log are kept.
    Paths are relative to handouts.yaml and must lie outside the content folder."""

    users: str = setting(s.text(300), "The users file (argon2 hashes).",
                         default="handouts-users.yaml")
    audit_log: str = setting(s.text(300), "Who printed, emailed or packed what, and when "
                             "(no patient details).", default="handouts-audit.log")


@dataclass(frozen=True)
class Config:
    """A workspace's settings; every field has a neutral default (no config file)."""

    clinic: Clinic = field(default_factory=Clinic)
    phones: Phones = field(default_factory=Phones)
    emergency: str = setting(s.text(200), "The last line of every warning box.",
                             default=DEFAULT_EMERGENCY)
    style: str = setting(s.text(300), "The style used when --style is not given.",
                         default="default")
    paper: str | None = setting(s.choice("letter", "a4"), "Overrides the style's paper.",
                                default=None)
    review: ReviewPolicy = field(default_factory=ReviewPolicy)
    readability: Readability = field(default_factory=Readability)
    smtp: Smtp = field(default_factory=Smtp)
    printing: Printing = field(default_factory=Printing, metadata={"key": "print"})
    serve: Serve = field(default_factory=Serve)
    path: Path | None = None  # the file it was read from


CONFIG_SPEC = s.spec_of(Config)
