"""Settings stage: the workspace's handouts.yaml -> validated Config.

Clinic identity, whom to call, defaults for builds, review and email. Hand-edited, so
validated like styles: errors say file, key, expected, found. Never draws anything.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import HandoutError
from . import schema as s
from .config_schema import CONFIG_SPEC, Config
from .yamlsafe import load_yaml

CONFIG_NAME = "handouts.yaml"


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
