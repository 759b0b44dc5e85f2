"""Read stage: a page file (YAML front matter + Markdown) -> Drug model.

Reads bytes and text; never touches ReportLab. Every problem names the file (and line).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

import frontmatter
import ftfy

from ..errors import HandoutError
from ..model import Drug, Heading, Notice, Paragraph, Review, plain
from ..review import today
from .. import text
from ..safefile import read_limited
from ..settings import schema as s
from ..settings.yamlsafe import load_yaml
from . import sections
from .markdown import markdown_blocks

MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_TITLE_CHARS = 500
# Front matter keys pages carry from their publishing system; accepted and ignored.
PASSIVE_KEYS = {"layout", "nav_exclude", "nav_order", "parent", "permalink", "has_children"}
TEXT_KEYS = {"title", "summary", "lang"}
REVIEW_KEYS = ("reviewed_by", "reviewed_on", "review_every", "sources", "updated")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_FENCE = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.S | re.M)


def read_page(path: Path, name: str | None = None) -> Drug:
    """Read and parse one page; raise HandoutError naming the file on bad input."""
    raw = read_page_bytes(path)
    text = _decode(raw, path)
    return parse_text(text, path, name or path.stem)


def read_review(path: Path) -> Review:
    """Only a page's review fields (its front matter, checked), for listing many pages
    with their review status without parsing their bodies."""
    meta, _, _ = _split_front_matter(_decode(read_page_bytes(path), path), path)
    return _review_of(meta, path)


def parse_text(text: str, source: object, name: str) -> Drug:
    warnings: list[Notice] = []
    meta, body, body_line = _split_front_matter(text, source)
    meta = {key: _clean_value(value, key, warnings) for key, value in meta.items()}
    review = _review_of(meta, source)
    body = _clean(body, source, body_line, warnings)
    if not body.strip():
        raise HandoutError("page body is empty", source)
    blocks = markdown_blocks(body, body_line, source)
    if "&" in body:  # entities are decoded after the line filter: &#8238; is U+202E again
        blocks = [_scrub(block, None, warnings) for block in blocks]
    title, blocks = _take_title(meta, blocks, source, warnings)
    found = sections.build_sections(blocks, warnings)
    drug = Drug(
        name=name,
        title=title,
        source=str(source),
        sections=found,
        summary=meta.get("summary") or sections.summary_of(found),
        lang=meta.get("lang") or "en",
        meta=meta,
        warnings=tuple(warnings),
        review=review,
    )
    return drug


# -- bytes and text ---------------------------------------------------------

def read_page_bytes(path: Path) -> bytes:
    """A page's bytes: a regular file of at most MAX_PAGE_BYTES, checked before reading."""
    return read_limited(path, MAX_PAGE_BYTES, "page")


def _decode(raw: bytes, path: Path) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HandoutError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the page as UTF-8", path, line
        ) from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_front_matter(text: str, source) -> tuple[dict, str, int]:
    """Return (validated metadata, body, line number where the body starts)."""
    if not text.startswith("---"):
        return {}, text, 1
    handler = frontmatter.YAMLHandler()  # python-frontmatter finds the block; we check it
    match = _FENCE.match(text)
    if match is None or not handler.detect(text):
        raise HandoutError("front matter starts with '---' but is never closed", source, 1)
    fm_text = match.group(1)
    data = load_yaml(fm_text, source, line_offset=1)
    body_line = text[: match.end()].count("\n") + 1
    return _check_meta(data, source), text[match.end():], body_line


def _check_meta(data, source) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise HandoutError(f"front matter must be a mapping of keys, found {kind}", source, 2)
    meta: dict = {}
    for key, value in data.items():
        if key in TEXT_KEYS:
            if not isinstance(value, str):
                raise HandoutError(
                    f"front matter '{key}': expected text, found {_type(value)}", source
                )
            meta[key] = value.strip()
        elif key not in PASSIVE_KEYS:
            meta[key] = value
    aliases = meta.get("aliases")
    if aliases is not None and not (isinstance(aliases, list) and all(
            isinstance(a, str) for a in aliases)):
        raise HandoutError("front matter 'aliases': expected a list of names "
                           f"(aliases: [Cipro, Cipro XR]), found {_type(aliases)}", source)
    if "lang" in meta and not _LANG.match(meta["lang"]):
        raise HandoutError(
            f"front matter 'lang': expected a language tag like 'en' or 'es-MX', "
            f"found {meta['lang']!r}", source)
    return meta


def _review_of(meta: dict, source) -> Review:
    """Take the review keys out of `meta`, checked; every problem reported at once.

    Dates are YYYY-MM-DD, real and not in the future (a typo such as 2062 would make a
    page look reviewed for decades). A reviewer and a review date come together.
    """
    now = today()
    spec = {"reviewed_by": s.text(200, allow_empty=False), "reviewed_on": s.day(now),
            "review_every": s.integer(1, 120, " months"), "sources": s.text_list(50, 500),
            "updated": s.day(now)}
    raw = {key: meta.pop(key) for key in REVIEW_KEYS if key in meta}
    values, errors = s.validate(raw, spec)
    name = values.get("reviewed_by", "").strip()
    if "reviewed_by" in values and not name:
        errors.append(f"reviewed_by: expected the reviewer's name, found {raw['reviewed_by']!r}")
    for key, other, wanted in (("reviewed_on", "reviewed_by", "a date YYYY-MM-DD"),
                               ("reviewed_by", "reviewed_on", "the reviewer's name")):
        if other in raw and key not in raw:
            errors.append(f"{key}: expected {wanted} when {other} is given, found nothing")
    s.raise_all([f"front matter {e}" for e in errors], source)
    return Review(name, values.get("reviewed_on"), values.get("review_every"),
                  values.get("sources", ()), values.get("updated"))


def _type(value) -> str:
    kinds = {list: "a list", dict: "a mapping", type(None): "nothing",
             bytes: "binary data (!!binary)"}
    return kinds.get(type(value), f"a {type(value).__name__} value")


def _clean(body: str, source, first_line: int, warnings: list[Notice]) -> str:
    """Repair mojibake and drop invisible or control characters, saying where."""
    config = ftfy.TextFixerConfig(
        unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
        fix_character_width=False, fix_line_breaks=False, remove_control_chars=False,
        normalization=None, explain=False,
    )
    out = []
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        fixed = ftfy.fix_text(line, config) if not line.isascii() else line
        if fixed != line:
            warnings.append(Notice("mojibake", f"repaired mis-encoded text {_diff(line, fixed)}",
                                   number))
        out.append(_strip_controls(fixed, number, warnings))
    return unicodedata.normalize("NFC", "\n".join(out))


def _diff(before: str, after: str) -> str:
    """The changed stretch with one character of context: 'mÂ²' -> 'm²'."""
    start = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), 0)
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    lo = max(start - 1, 0)
    return f"{before[lo:len(before) - end + 1]!r} -> {after[lo:len(after) - end + 1]!r}"


def _strip_controls(line: str, number: int | None, warnings: list[Notice],
                    where: str = "") -> str:
    """Remove what text.py calls suspect (hidden, reordering, control), saying where."""
    line, found = text.strip_suspect(line)
    if found:
        warnings.append(Notice("control_characters", where + text.removed_warning(found),
                               number))
    return line


def _clean_value(value, key: str, warnings: list[Notice]):
    """Front matter text (title, summary, reviewer, sources) through the same filter."""
    if isinstance(value, str):
        return _strip_controls(value, None, warnings, f"front matter '{key}': ")
    if isinstance(value, list):
        return [_clean_value(item, key, warnings) for item in value]
    return value


def _scrub(obj, line, warnings: list[Notice]):
    """A model block with every string in it filtered, warnings naming its line."""
    if isinstance(obj, str):
        return _strip_controls(obj, line, warnings)
    if isinstance(obj, tuple):
        return tuple(_scrub(item, line, warnings) for item in obj)
    if not is_dataclass(obj):
        return obj
    line = getattr(obj, "line", None) or line
    return replace(obj, **{f.name: _scrub(getattr(obj, f.name), line, warnings)
                           for f in fields(obj)})


# -- title --------------------------------------------------------------------

def _take_title(meta: dict, blocks: list, source, warnings: list[Notice]):
    """Title from front matter, else the first level-1 heading; drop a duplicate H1."""
    first = blocks[0] if blocks else None
    h1 = first if isinstance(first, Heading) and first.level == 1 else None
    title = meta.get("title") or (plain(h1.inline).strip() if h1 else "")
    title = " ".join(title.split())
    if not title:
        raise HandoutError("no title: add 'title:' to the front matter or a '# Title' line", source)
    if len(title) > MAX_TITLE_CHARS:
        raise HandoutError(f"title is {len(title)} characters; the limit is {MAX_TITLE_CHARS}",
                           source)
    if h1 is not None:
        blocks = blocks[1:]
        if _norm(plain(h1.inline)) != _norm(title):
            # A heading that differs from the title is content: keep it.
            blocks.insert(0, Paragraph(h1.inline, h1.line))
    return title, blocks


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()
