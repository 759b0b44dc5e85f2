"""Settings stage: the workspace's handouts.yaml -> validated Config.

Clinic identity, whom to call, defaults for builds, review and email. Hand-edited, so
validated like styles: errors say file, key, expected, found. Never draws anything.
"""

from __future__ import annotations

from dataclasses import replace
import io
import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import HandoutError
from ..safefile import inside_workspace, not_regular, read_limited
from . import schema as s
from .config_schema import CONFIG_SPEC, Config
from .yamlsafe import load_yaml_file

CONFIG_NAME = "handouts.yaml"


def load_config(path: Path | None = None) -> Config:
    """Read `path`, or ./handouts.yaml when present; else the defaults."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not os.path.lexists(path):
            return Config()
        why = not_regular(path)  # a folder or a broken link must not hide the phones
        if why is not None:
            raise HandoutError(f"is {why}, not a config file (remove it, or pass --config)",
                               path)
    data = load_yaml_file(path, "config") or {}
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
    if not inside_workspace(logo, config_path.parent):
        raise HandoutError(f"clinic.logo: {value!r} is outside the workspace (the config's "
                           "folder and the current folder); copy the logo into it",
                           config_path)
    why = not_regular(logo)
    if why is not None:
        raise HandoutError(f"clinic.logo: file not found: {value!r}" if why == "missing"
                           else f"clinic.logo: {value!r} is {why}, not an image file",
                           config_path)
    _check_image(logo, value, config_path)
    return logo


MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000  # 5,000 x 5,000: far beyond print needs at header size


def _check_image(logo: Path, value: str, config_path: Path) -> None:
    """Check the logo's size from its header, then decode it once here, so a damaged
    file or a decompression bomb is one config error, not a failure on every page."""
    data = read_limited(logo, MAX_LOGO_BYTES, "clinic.logo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                kind = image.format
                _check_pixels(image.size, value, config_path)
                image.load()
    except UnidentifiedImageError:
        kind = None
    except HandoutError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _check_pixels((MAX_LOGO_PIXELS, 2), value, config_path)  # Pillow saw it first
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise HandoutError(f"clinic.logo: cannot read image {value!r}: {reason[:200]}",
                           config_path) from None
    if kind not in ("PNG", "JPEG"):  # (a header that claims the impossible is refused above)
        raise HandoutError(f"clinic.logo: expected a PNG or JPEG image, found {value!r}, "
                           f"which is {'neither' if kind is None else kind}", config_path)


def _check_pixels(size: tuple[int, int], value: str, config_path: Path) -> None:
    """From the header, before decoding: a small file can claim a huge image."""
    width, height = size
    if width * height > MAX_LOGO_PIXELS:
        raise HandoutError(f"clinic.logo: {value!r} is an image of more than "
                           f"{MAX_LOGO_PIXELS // 1_000_000} megapixels (the limit; a logo "
                           "needs far fewer)", config_path)
