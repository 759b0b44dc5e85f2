"""Settings stage: styles/NAME.yaml -> validated, fully resolved Style.

Follows `extends:` chains (unknown parents and cycles are errors), validates every key
against STYLE_SPEC (style_schema.py), and checks the page can hold the layout. Never
draws anything.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HandoutError
from ..safefile import inside_workspace
from . import schema as s
from .style_schema import PAGE_SIZES, STYLE_SPEC, Style
from .yamlsafe import load_yaml_file

BUILTIN_DIR = Path(__file__).parent.parent / "styles"
MAX_CHAIN = 10


def find_style(name_or_path: str, search: tuple[Path, ...] = (),
               named_in: Path | None = None) -> Path:
    """A style NAME (styles/NAME.yaml in the workspace, then built in) or a file path.
    A path `named_in` a file (extends:, the config's style:) must stay in the workspace:
    the current folder or that file's folder."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path:
        if named_in is not None:
            candidate = named_in.parent / candidate
            if not inside_workspace(candidate, named_in.parent):
                raise HandoutError(f"{name_or_path!r} is outside the workspace (the current "
                                   "folder and this file's folder); give it with --style "
                                   "on the command line instead")
        if not candidate.is_file():
            raise HandoutError("style file not found", candidate)
        return candidate
    if not name_or_path.replace("-", "").replace("_", "").isalnum():
        raise HandoutError(f"style name {name_or_path!r} is not a plain name")
    for folder in (*search, BUILTIN_DIR):
        path = folder / f"{name_or_path}.yaml"
        if path.is_file():
            return path
    known = sorted({p.stem for d in (*search, BUILTIN_DIR) if d.is_dir() for p in d.glob("*.yaml")})
    raise HandoutError(f"unknown style {name_or_path!r} (known: {', '.join(known)})")


def load_style(name_or_path: str = "default", search: tuple[Path, ...] = (),
               overrides: dict | None = None, named_in: Path | None = None) -> Style:
    """Resolve a style; `overrides` (e.g. the config's paper size) apply last; `named_in`:
    the file that named it (the config), None when given on the command line."""
    path = find_style(name_or_path, search, named_in)
    chain, merged = _resolve(path, search)
    merged = _merge(merged, overrides or {})
    values, errors = s.validate(merged, STYLE_SPEC)  # each layer was checked on its own
    s.raise_all(errors, path)
    s.raise_all(s.missing(values, STYLE_SPEC), path)
    _check_geometry(values, path)
    return s.build(Style, values, name=path.stem, chain=tuple(chain))


def _resolve(path: Path, search: tuple[Path, ...]) -> tuple[list[Path], dict]:
    """Follow `extends:` from `path` to the root; return the chain and the merged tree."""
    chain: list[Path] = []
    layers: list[dict] = []
    current: Path | None = path
    while current is not None:
        real = current.resolve()
        if real in (p.resolve() for p in chain):
            names = " -> ".join(p.name for p in (*chain, current))
            raise HandoutError(f"extends: cycle {names}", current)
        if len(chain) >= MAX_CHAIN:
            raise HandoutError(f"extends: chain longer than {MAX_CHAIN}", path)
        data = _read(current)
        parent = data.pop("extends", None)
        _, errors = s.validate(data, STYLE_SPEC)
        s.raise_all([e for e in errors if "missing" not in e], current)
        chain.append(current)
        layers.append(data)
        current = _parent(parent, current, search) if parent is not None else None
    merged: dict = {}
    for layer in reversed(layers):
        merged = _merge(merged, layer)
    return chain, merged


def _parent(parent, child: Path, search: tuple[Path, ...]) -> Path:
    if not isinstance(parent, str) or not parent.strip():
        raise HandoutError(f"extends: expected a style name, found {parent!r}", child)
    try:
        return find_style(parent.strip(), (child.parent, *search), named_in=child)
    except HandoutError as exc:
        raise HandoutError(f"extends: {exc.reason}", child) from None


def _read(path: Path) -> dict:
    data = load_yaml_file(path, "style")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HandoutError("a style must be a mapping of keys", path)
    if data and not set(data) & {*STYLE_SPEC, "extends"}:
        # Not a style at all (a file given by mistake): say so without echoing its keys
        # or values, which may be anything (a password file).
        raise HandoutError(f"not a style file: none of its {len(data)} top-level keys is "
                           "a style key (page, body, warning, ...)", path)
    return data


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# Not style choices: below these a page holds no readable text at all, so a style that
# leaves less is refused with the keys to change.
MIN_TEXT_WIDTH, MIN_TEXT_HEIGHT = 200, 300


def _check_geometry(v: dict, path: Path) -> None:
    """Margins and type must leave a usable page; say which key breaks it."""
    width, height = PAGE_SIZES[v["page"]["size"]]
    page = v["page"]
    text_width = width - page["margin_left"] - page["margin_right"]
    text_height = height - page["margin_top"] - page["margin_bottom"]
    if text_width < MIN_TEXT_WIDTH:
        raise HandoutError(
            f"page.margin_left + page.margin_right: expected at most "
            f"{width - MIN_TEXT_WIDTH:g} pt "
            f"(page is {width:g} pt wide), found {width - text_width:g} pt", path)
    if text_height < MIN_TEXT_HEIGHT:
        raise HandoutError(
            f"page.margin_top + page.margin_bottom: expected at most "
            f"{height - MIN_TEXT_HEIGHT:g} pt "
            f"(page is {height:g} pt tall), found {height - text_height:g} pt", path)
    for block in ("title", "summary", "heading", "body", "generic"):
        if v[block]["leading"] < v[block]["size"]:
            raise HandoutError(
                f"{block}.leading: expected at least {block}.size ({v[block]['size']:g}), "
                f"found {v[block]['leading']:g}", path)
