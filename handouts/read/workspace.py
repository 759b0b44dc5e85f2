"""Read stage: find pages under the content folder, check output names, shard a batch.

A page's name is its file stem; lookup.py finds the page a typed name means. Nothing
here lets a command-line argument point outside the content or output folders.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import HandoutError

# One file name holds at most 255 bytes on ext4, XFS, APFS and NTFS: a page's NAME is
# its file name without ".md" (names are ASCII, so a character is a byte).
NAME_MAX = 255
PAGE_NAME_MAX = NAME_MAX - len(".md")
_NAME = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._+-]{{0,{PAGE_NAME_MAX - 1}}}$")
# Windows device names: a file called CON.pdf cannot be written there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
MAX_PAGES = 100_000


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
    for path in _md_files(content):
        pages.append(Page(path.stem, path))
        if len(pages) > MAX_PAGES:
            raise HandoutError(f"more than {MAX_PAGES} pages", content)
    return sorted(pages, key=lambda p: (p.name.lower(), str(p.path)))


def _md_files(folder: Path):
    """*.md files under `folder`, from directory entries alone (no stat per file: the
    lookup runs on every keystroke). Links are skipped, files and folders alike: they
    could leave the folder; folder notes (README.md, index.md) are not drug pages."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_symlink():
                continue
            if entry.is_dir():
                yield from _md_files(Path(entry.path))
            elif entry.name.endswith(".md") and \
                    entry.name.lower() not in ("readme.md", "index.md"):
                # A FIFO or device named like a page is listed too: reading it is then
                # one error line naming it (safefile), never a silent gap or a hang.
                yield Path(entry.path)


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
