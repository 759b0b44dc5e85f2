"""Deliver stage: files that are complete or absent. Every output (PDF, pack, manifest,
draft) is written to a temp file beside it, synced, then renamed over the old one; a
failed or interrupted write leaves neither a partial file nor a temp file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import HandoutError
from ..read.workspace import check_name
from .parallel import shield


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over `path`."""
    with shield():  # from temp file to rename: Ctrl-C waits (milliseconds)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                       dir=path.parent)
        except OSError as exc:
            raise HandoutError(f"cannot write output: {exc.strerror}", path.parent) from None
        _write(fd, tmp, path, data)


def _write(fd: int, tmp: str, path: Path, data: bytes) -> None:
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


def output_path(out_dir: Path, name: str, suffix: str = ".pdf") -> Path:
    """DIR/NAME.pdf, checked to stay inside DIR. The name itself is not resolved: a link
    out/a.pdf -> b.pdf is replaced by a.pdf, and b.pdf is never written through it."""
    target = out_dir.resolve() / f"{check_name(name)}{suffix}"
    if target.parent != out_dir.resolve():
        raise HandoutError(f"output for {name!r} would leave the output folder", out_dir)
    return target
