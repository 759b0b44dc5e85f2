"""Settings stage: schemas for hand-edited YAML (styles, config): fields declared once,
every problem reported.

Values arrive as text (see yamlsafe); fields convert and range-check them. Errors say
file, key path, what was expected and what was found. Nothing here draws anything.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields, is_dataclass
from dataclasses import field as _dataclass_field
from datetime import date
from typing import Any, Callable, get_type_hints

from ..errors import HandoutError
from ..text import points, suspect

_UNITS = {"pt": 1.0, "in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54}
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(pt|in|mm|cm)?\s*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Invalid(ValueError):
    """A value that does not fit its field: the message says what was expected."""


@dataclass(frozen=True)
class Field:
    """How one key's value is converted, and what it must be (for error messages)."""

    convert: Callable[[Any], Any]
    expected: str


def number(lo: float, hi: float, unit: str = "") -> Field:
    def convert(value):
        try:
            result = float(str(value).strip())
        except ValueError:
            raise Invalid from None
        if not lo <= result <= hi:
            raise Invalid
        return result

    return Field(convert, f"a number from {lo:g} to {hi:g}{unit}")


def length(lo: float, hi: float) -> Field:
    def convert(value):
        match = _LENGTH.match(str(value))
        if not match:
            raise Invalid
        result = float(match.group(1)) * _UNITS[match.group(2) or "pt"]
        if not lo <= result <= hi:
            raise Invalid
        return result

    return Field(convert, f"a length from {lo:g} to {hi:g} pt (units pt, mm, cm, in)")


def colour() -> Field:
    def convert(value):
        if not isinstance(value, str) or not _COLOUR.match(value.strip()):
            raise Invalid
        return value.strip().upper()

    return Field(convert, "a colour like '#1A2B3C'")


def text(max_len: int = 500, allow_empty: bool = True) -> Field:
    def convert(value):
        if not isinstance(value, str) or len(value) > max_len or (not allow_empty and not value):
            raise Invalid
        hidden = suspect(value)  # printed in the header, the warning box, a subject line
        if hidden:
            raise Invalid(f"expected text without control or invisible characters, found "
                          f"{points(hidden)} in {_found(value)}")
        return value

    return Field(convert, f"text of at most {max_len} characters")


def integer(lo: int, hi: int, unit: str = "") -> Field:
    def convert(value):
        digits = str(value).strip()
        if not digits.isascii() or not digits.isdigit() or not lo <= int(digits) <= hi:
            raise Invalid
        return int(digits)

    return Field(convert, f"a whole number from {lo} to {hi}{unit}")


def day(latest: date | None = None) -> Field:
    """A calendar date written YYYY-MM-DD (no times, no week dates), not after `latest`."""

    def convert(value):
        if not isinstance(value, str) or not _DATE.match(value.strip()):
            raise Invalid
        try:
            result = date.fromisoformat(value.strip())
        except ValueError:  # 2026-02-30
            raise Invalid from None
        if latest is not None and result > latest:
            raise Invalid
        return result

    limit = f" no later than today ({latest.isoformat()})" if latest else ""
    return Field(convert, f"a date YYYY-MM-DD{limit}")


def text_list(max_items: int, max_len: int) -> Field:
    item = text(max_len, allow_empty=False)

    def convert(value):
        if not isinstance(value, list) or len(value) > max_items:
            raise Invalid
        return tuple(item.convert(v) for v in value)

    return Field(convert, f"a list of at most {max_items} texts of at most {max_len} "
                              "characters each")


def choice(*options: str) -> Field:
    def convert(value):
        if not isinstance(value, str) or value.strip().lower() not in options:
            raise Invalid
        return value.strip().lower()

    return Field(convert, "one of " + ", ".join(repr(o) for o in options))


def flag() -> Field:
    def convert(value):
        lowered = str(value).strip().lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return False
        raise Invalid

    return Field(convert, "true or false")


def validate(data: Any, spec: dict, path: str = "") -> tuple[dict, list[str]]:
    """Check `data` against nested `spec`; return (converted, all error messages)."""
    errors: list[str] = []
    if not isinstance(data, dict):
        where = path or "the file"
        return {}, [f"{where}: expected a mapping of keys, found {_found(data)}"]
    out: dict = {}
    for key, value in data.items():
        key_path = f"{path}.{key}" if path else str(key)
        field = spec.get(key)
        if field is None:
            known = ", ".join(sorted(spec))
            errors.append(f"{key_path}: unknown key (expected one of: {known})")
        elif isinstance(field, dict):
            out[key], sub = validate(value, field, key_path)
            errors.extend(sub)
        else:
            try:
                out[key] = field.convert(value)
            except Invalid as exc:
                errors.append(f"{key_path}: {exc}" if str(exc) else
                              f"{key_path}: expected {field.expected}, found {_found(value)}")
    return out, errors


def _found(value) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "nothing"
    shown = str(value)
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")


def missing(data: dict, spec: dict, path: str = "") -> list[str]:
    """Keys the spec declares that a fully resolved document lacks."""
    errors = []
    for key, field in spec.items():
        key_path = f"{path}.{key}" if path else key
        if key not in data:
            errors.append(f"{key_path}: missing (expected {_expected(field)})")
        elif isinstance(field, dict):
            errors.extend(missing(data[key], field, key_path))
    return errors


def _expected(field) -> str:
    return "a mapping" if isinstance(field, dict) else field.expected


def raise_all(errors: list[str], file) -> None:
    """All problems on one line, so a batch log keeps one line per bad file."""
    if errors:
        raise HandoutError("; ".join(errors), file)


# -- typed settings: dataclasses declared with their fields ---------------------------------

def setting(kind: Field, doc: str, key: str | None = None, default: Any = MISSING):
    """A dataclass field read from YAML: how it converts (`kind`), what it means (`doc`,
    one line, for errors and docs), its YAML key when that is not the attribute name,
    and its default (none: the key is required once a style is resolved)."""
    return _dataclass_field(default=default, metadata={"kind": kind, "doc": doc, "key": key})


def _key(f) -> str:
    return f.metadata.get("key") or f.name


def spec_of(cls) -> dict:
    """The nested spec (YAML key -> Field or sub-spec) a settings dataclass declares."""
    hints = get_type_hints(cls)
    return {_key(f): spec_of(hints[f.name]) if is_dataclass(hints[f.name])
            else f.metadata["kind"] for f in fields(cls) if "kind" in f.metadata
            or is_dataclass(hints[f.name])}


def build(cls, values: dict, **extra):
    """An instance of settings dataclass `cls` from validated `values` (and `extra`
    fields that do not come from YAML); absent keys take the field's default, declared
    once, in the dataclass."""
    hints = get_type_hints(cls)
    kwargs = dict(extra)
    for f in fields(cls):
        if is_dataclass(hints[f.name]):
            kwargs[f.name] = build(hints[f.name], values.get(_key(f), {}))
        elif "kind" in f.metadata and _key(f) in values:
            kwargs[f.name] = values[_key(f)]
    return cls(**kwargs)

