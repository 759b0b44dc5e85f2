"""Output stage: write PDFs atomically and run batches.

A failed or interrupted write never leaves a partial file under its final name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import HandoutError


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise HandoutError(f"cannot write output: {exc.strerror}", path.parent) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise HandoutError(f"cannot write output: {exc.strerror}", path) from None
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class Built:
    """What one page's build produced, for the CLI's one line per output."""

    def __init__(self, path: Path, pages: int, warnings: tuple[str, ...]):
        self.path, self.pages, self.warnings = path, pages, warnings


def build_one(page_path: Path, name: str, style, out_dir: Path) -> Built:
    """Parse, lay out and atomically write one page's handout."""
    from .layout import render
    from .parse import read_page
    from .workspace import output_path

    target = output_path(out_dir, name)
    drug = read_page(page_path, name)
    rendered = render(drug, style)
    write_atomic(target, rendered.data)
    return Built(target, rendered.pages, drug.warnings)
