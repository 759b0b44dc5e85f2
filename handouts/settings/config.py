"""Settings stage: the workspace's handouts.yaml -> validated Config.

Clinic identity, whom to call, defaults for builds, review and email. Hand-edited, so
validated like styles: errors say file, key, expected, found. Never draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import HandoutError
from . import schema as s
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

    return s.Field(convert, "", "a phone number (text of at most 40 characters, "
                                "with at least 3 digits)")


_PHONE = _phone()

CONFIG_SPEC = {
    "clinic": {
        "name": s.text(120),
        "address": s.text(200),
        "logo": s.text(300),
        "logo_alt": s.text(200),
    },
    "phones": {"care_team": _PHONE, "after_hours": _PHONE},
    "emergency": s.text(200),
    "style": s.text(300),
    "paper": s.choice("letter", "a4"),
    "review": {
        "mark_unreviewed": s.flag(),
        "review_every": s.number(1, 120, " months"),
    },
    "readability": {"target_grade": s.number(1, 20)},
    "smtp": {
        "host": s.text(253),
        "port": s.number(1, 65535),
        "security": s.choice("starttls", "ssl", "none"),
        "username": s.text(200),
        "from": s.text(320),
    },
}

DEFAULT_EMERGENCY = "Call 911 or go to the nearest emergency department."


@dataclass(frozen=True)
class Clinic:
    name: str = ""
    address: str = ""
    logo: Path | None = None  # resolved against the config file's folder
    logo_alt: str = ""


@dataclass(frozen=True)
class Smtp:
    host: str = ""
    port: int = 0
    security: str = "starttls"
    username: str = ""
    sender: str = ""


@dataclass(frozen=True)
class Config:
    """A workspace's settings; every field has a neutral default (no config file)."""

    path: Path | None = None
    clinic: Clinic = field(default_factory=Clinic)
    care_team_phone: str = ""
    after_hours_phone: str = ""
    emergency: str = DEFAULT_EMERGENCY
    style: str = "default"
    paper: str | None = None
    mark_unreviewed: bool = True
    review_every_months: int = 24
    target_grade: float = 8.0
    smtp: Smtp = field(default_factory=Smtp)


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


def _config(v: dict, path: Path) -> Config:
    clinic, phones = v.get("clinic", {}), v.get("phones", {})
    review, smtp = v.get("review", {}), v.get("smtp", {})
    return Config(
        path=path,
        clinic=Clinic(clinic.get("name", ""), clinic.get("address", ""),
                      _logo(clinic.get("logo"), path), clinic.get("logo_alt", "")),
        care_team_phone=phones.get("care_team", ""),
        after_hours_phone=phones.get("after_hours", ""),
        emergency=v.get("emergency", DEFAULT_EMERGENCY),
        style=v.get("style", "default"),
        paper=v.get("paper"),
        mark_unreviewed=review.get("mark_unreviewed", True),
        review_every_months=int(review.get("review_every", 24)),
        target_grade=float(v.get("readability", {}).get("target_grade", 8)),
        smtp=Smtp(smtp.get("host", ""), int(smtp.get("port", 0)),
                  smtp.get("security", "starttls"), smtp.get("username", ""),
                  smtp.get("from", "")),
    )


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
