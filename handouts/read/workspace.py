"""Read stage: find pages under the content folder and resolve NAMEs safely.

A NAME is a page's file stem (or its title), never a path: nothing here lets a
command-line argument point outside the content or output folders.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import HandoutError
from ..safefile import read_head

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
# Windows device names: a file called CON.pdf cannot be written there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
MAX_PAGES = 100_000
TITLE_LOOK_BYTES = 8192  # where a title line is looked for: the first 20 lines, at most


@dataclass(frozen=True)
class Page:
    name: str
    path: Path


def check_name(name: str) -> str:
    """Reject anything that is not a plain page name (paths, device names, huge)."""
    if not _NAME.match(name) or ".." in name or name.lower().split(".")[0] in _RESERVED:
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise HandoutError(
            f"{shown!r} is not a page name: use the file name without '.md' "
            "(letters, digits, '-', '_', '+', '.'; no folders)")
    return name


def find_pages(content: Path) -> list[Page]:
    """Every *.md page under `content` (recursively), sorted by name then path."""
    if not content.is_dir():
        raise HandoutError("content folder not found", content)
    pages = []
    for path in sorted(content.rglob("*.md")):
        if path.name.lower() in ("readme.md", "index.md") or path.is_symlink():
            continue  # folder notes are not drug pages; links could leave the folder
        pages.append(Page(path.stem, path))
        if len(pages) > MAX_PAGES:
            raise HandoutError(f"more than {MAX_PAGES} pages", content)
    return sorted(pages, key=lambda p: (p.name.lower(), str(p.path)))


def resolve(names, content: Path) -> list[Page]:
    """Pages for NAMEs: file stem first, then a case-insensitive title match."""
    pages = find_pages(content)
    by_stem: dict[str, Page] = {}
    for page in pages:
        by_stem.setdefault(page.name.lower(), page)
    found = []
    for name in names:
        page = by_stem.get(check_name(name).lower()) or _by_title(name, pages)
        if page is None:
            raise HandoutError(_unknown(name, pages, content))
        found.append(page)
    return found


def _by_title(name: str, pages: list[Page]) -> Page | None:
    wanted = name.lower().replace("-", " ").replace("_", " ")
    for page in pages:
        if page_title(page).lower() == wanted:
            return page
    return None


def page_title(page: Page) -> str:
    """The front-matter title, read cheaply (first lines only) for name matching."""
    head = read_head(page.path, TITLE_LOOK_BYTES).decode("utf-8", "replace")
    for line in head.splitlines()[:20]:
        if line.startswith("title:"):
            return line[6:].strip().strip("'\"")
    return ""


def _unknown(name: str, pages: list[Page], content: Path) -> str:
    close = difflib.get_close_matches(name.lower(), [p.name.lower() for p in pages], n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"no page named {name!r} in {content}{hint}"


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N; ValueError says what is wrong."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    if not match:
        raise ValueError(f"expected K/N such as 1/4, found {text!r}")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"expected K/N with 1 <= K <= N, found {text!r}")
    return k, n


def shard_of(name: str, n: int) -> int:
    """The shard (1..N) of a page: from a hash of its name alone, so it never moves when
    other pages are added or removed, and same-named pages share a shard."""
    digest = hashlib.sha256(name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def select_shard(pages: list[Page], k: int, n: int) -> list[Page]:
    return [page for page in pages if shard_of(page.name, n) == k]
