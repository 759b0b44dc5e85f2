"""Deliver stage, incremental builds: a fingerprint of everything a handout is made
from, and the output folder's manifest of what each PDF was built from. Never renders
or parses a page.

The record lives in one JSON file in the output folder (out/.handouts-manifest.json),
not in each PDF's metadata: the PDF bytes stay a function of the inputs alone (a build
with or without bookkeeping gives the same file), a no-op run reads one small file
instead of opening 1,071 PDFs with a PDF library, and the layout stage needs no hook.
Each entry also holds the SHA-256 of the PDF it describes, so a PDF that was deleted,
replaced or truncated is rebuilt; a lost or stale entry can only cause a rebuild, never
a wrong skip (which is what makes concurrent shards writing one folder safe).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import handouts  # its version is read when a digest is made, not at import

from ..errors import HandoutError
from ..render.glyphs import font_files
from ..safefile import read_limited
from .files import write_atomic

MANIFEST_NAME = ".handouts-manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # 100,000 entries of about 200 bytes, and room
PACKAGE_DIR = Path(__file__).parent.parent  # the handouts package
# Libraries whose version can change the bytes of a PDF.
LIBRARIES = ("reportlab", "pillow", "pikepdf", "fonttools", "markdown-it-py",
             "python-frontmatter", "ftfy", "pyyaml")


def shared_digest(config, style) -> str:
    """Hash of every input shared by all pages of a build: package version and source,
    bundled fonts, library versions, the style chain, the config and its logo, and
    SOURCE_DATE_EPOCH (it sets the PDF dates)."""
    digest = hashlib.sha256()
    parts = [("version", handouts.__version__.encode())]
    parts += [(f"source {p.relative_to(PACKAGE_DIR)}", p.read_bytes()) for p in source_files()]
    parts += [(f"font {p.name}", p.read_bytes()) for p in font_files()]
    parts += [(f"library {name}", _version(name).encode()) for name in LIBRARIES]
    parts += [(f"style {i}", p.read_bytes()) for i, p in enumerate(style.chain)]
    if config.path is not None:
        parts.append(("config", config.path.read_bytes()))
    if config.clinic.logo is not None:
        parts.append(("logo", config.clinic.logo.read_bytes()))
    parts.append(("epoch", os.environ.get("SOURCE_DATE_EPOCH", "").encode()))
    for label, data in parts:
        _add(digest, label, data)
    return digest.hexdigest()


def page_fingerprint(shared: str, name: str, page_bytes: bytes) -> str:
    """Hash of one page's inputs: the shared digest, its output name and its bytes."""
    digest = hashlib.sha256()
    for label, data in (("settings", shared.encode()), ("name", name.encode()),
                        ("page", page_bytes)):
        _add(digest, label, data)
    return digest.hexdigest()


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def _add(digest, label: str, data: bytes) -> None:
    # Length-prefixed, so no two different input lists can hash alike.
    digest.update(f"{label}\0{len(data)}\0".encode())
    digest.update(data)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Manifest:
    """What each PDF in one output folder was built from: NAME.pdf -> input and
    output hashes. Read once; saved (merged with the file on disk) atomically."""

    VERSION = 1

    def __init__(self, out_dir: Path):
        self.path = out_dir / MANIFEST_NAME
        self.entries = self._read()
        self._new: dict[str, dict] = {}

    def is_current(self, target: Path, fingerprint: str) -> bool:
        """True when `target` exists and is the PDF built from exactly these inputs."""
        entry = self.entries.get(target.name)
        return (isinstance(entry, dict) and entry.get("inputs") == fingerprint
                and file_sha256(target) == entry.get("output"))

    def record(self, target: Path, fingerprint: str, output_sha256: str) -> None:
        entry = {"inputs": fingerprint, "output": output_sha256}
        self.entries[target.name] = self._new[target.name] = entry

    def save(self) -> None:
        """Write this run's entries over what is on disk now (another shard may have
        added its own since we read it)."""
        if not self._new:
            return
        entries = {**self._read(), **self._new}
        data = json.dumps({"version": self.VERSION, "handouts": entries}, indent=1,
                          sort_keys=True)
        write_atomic(self.path, data.encode() + b"\n")
        self._new.clear()

    def _read(self) -> dict:
        """The entries on disk; a missing or damaged manifest means 'rebuild all'."""
        if not os.path.lexists(self.path):
            return {}
        try:
            data = json.loads(read_limited(self.path, MAX_MANIFEST_BYTES, "manifest"))
        except (HandoutError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != self.VERSION:
            return {}
        entries = data.get("handouts")
        return entries if isinstance(entries, dict) else {}
