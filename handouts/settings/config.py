"""Settings stage: the workspace's handouts.yaml -> validated Config.

Clinic identity, whom to call, defaults for builds, review and email. Hand-edited, so
validated like styles: errors say file, key, expected, found. Never draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import HandoutError
from . import schema as s
from .schema import setting
from .yamlsafe import load_yaml

CONFIG_NAME = "handouts.yaml"


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
    path: Path | None = None  # the file it was read from


CONFIG_SPEC = s.spec_of(Config)


def load_config(path: Path | None = None) -> Config:
    """Read `path`, or ./handouts.yaml when present; else the defaults."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.is_file():
            return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HandoutError(f"cannot read config: {exc}", path) from None
    data = load_yaml(text, path) or {}
    values, errors = s.validate(data, CONFIG_SPEC)
    s.raise_all(errors, path)
    return _config(values, path)


def _config(values: dict, path: Path) -> Config:
    config = s.build(Config, values, path=path)
    logo = _logo(values.get("clinic", {}).get("logo"), path)
    return replace(config, clinic=replace(config.clinic, logo=logo))


def _logo(value: str | None, config_path: Path) -> Path | None:
    """The logo file, relative to the config; PNG or JPEG only, and it must exist."""
    if not value:
        return None
    logo = (config_path.parent / value).resolve()
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise HandoutError(f"clinic.logo: expected a .png or .jpg file, found {value!r}",
                           config_path)
    if not logo.is_file():
        raise HandoutError(f"clinic.logo: file not found: {value!r}", config_path)
    _check_image(logo, value, config_path)
    return logo


def _check_image(logo: Path, value: str, config_path: Path) -> None:
    """Decode the logo once here, so a damaged file is one config error, not a failure
    on every page of a batch."""
    try:
        with Image.open(logo) as image:
            kind = image.format
            image.load()
    except UnidentifiedImageError:
        kind = None
    except (OSError, SyntaxError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise HandoutError(f"clinic.logo: cannot read image {value!r}: {reason}",
                           config_path) from None
    if kind not in ("PNG", "JPEG"):
        raise HandoutError(f"clinic.logo: expected a PNG or JPEG image, found {value!r}, "
                           f"which is {'neither' if kind is None else kind}", config_path)
