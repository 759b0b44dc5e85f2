"""Deliver stage: files that are complete or absent. Every output (PDF, pack, manifest,
draft) is written to a temp file beside it, synced, then renamed over the old one; a
failed or interrupted write leaves neither a partial file nor a temp file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import HandoutError
from ..read.workspace import NAME_MAX, check_name
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


# What an output's file name must leave room for, beside NAME: its temp file
# (".NAME.pdf.XXXXXXXX.part": mkstemp's random part is 8 characters) and a style's
# suffix that a later version may add (NAME.large-print.pdf).
TEMP_EXTRA = len("..") + 8 + len(".part")
STYLE_ROOM = 32
HASH_CHARS = 12


def output_stem(name: str, suffix: str = ".pdf") -> str:
    """NAME, or when DIR/NAME.pdf (with its temp file and a style suffix) would not fit
    in one file name, NAME shortened and ended by a hash of all of it: the same NAME
    always gives the same file, and two long NAMEs never share one."""
    room = NAME_MAX - TEMP_EXTRA - STYLE_ROOM - len(suffix)
    if len(check_name(name)) <= room:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{name[:room - HASH_CHARS - 1]}-{digest}"


def output_path(out_dir: Path, name: str, suffix: str = ".pdf") -> Path:
    """DIR/NAME.pdf (NAME shortened when it would not fit), checked to stay inside DIR."""
    target = (out_dir / f"{output_stem(name, suffix)}{suffix}").resolve()
    if target.parent != out_dir.resolve():
        raise HandoutError(f"output for {name!r} would leave the output folder", out_dir)
    return target
