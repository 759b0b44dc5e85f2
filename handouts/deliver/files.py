"""Deliver stage: files that are complete or absent. Every output (PDF, pack, manifest,
draft) is written to a temp file beside it, synced, then renamed over the old one; a
failed or interrupted write leaves neither a partial file nor a temp file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from ..errors import HandoutError
from ..read.workspace import NAME_MAX, check_name
from .parallel import shield


_VARIANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$")  # fits STYLE_ROOM with its dot


def check_folder(path: Path, option: str) -> None:
    """An output folder option (--out) that names a file is the user's mistake, said
    before anything is built (not blamed on the first page)."""
    if path.exists() and not path.is_dir():
        raise HandoutError(f"{option}: {path} is a file, not a folder: give a folder "
                           f"(it is created if missing), e.g. {option} out")


def check_new_file(path: Path, option: str, suffix: str, force: bool) -> None:
    """A file the user names for output: the right extension, and never replaced
    without --force."""
    if path.suffix.lower() != suffix:
        raise HandoutError(f"{option}: the file name must end in {suffix}, found "
                           f"{path.name!r}: e.g. {option} {path.stem or 'file'}{suffix}")
    if path.is_dir():
        raise HandoutError(f"{option}: {path} is a folder: give a file name ending in {suffix}")
    if path.exists() and not force:
        raise HandoutError(f"{option}: {path} exists; give --force to replace it, or "
                           "another file name")


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
# (".NAME.pdf.XXXXXXXX.part": mkstemp's random part is 8 characters) and the style's
# suffix for a style other than the clinic's (NAME.large-print.pdf).
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


def output_path(out_dir: Path, name: str, variant: str = "", suffix: str = ".pdf") -> Path:
    """DIR/NAME.pdf (DIR/NAME.VARIANT.pdf for a style other than the clinic's; NAME
    shortened when it would not fit), checked to stay inside DIR."""
    if variant and not _VARIANT.match(variant):
        raise HandoutError(f"the style name {variant!r} cannot be part of a file name: "
                           "rename the style file (letters, digits, '-', '_'; at most "
                           f"{STYLE_ROOM - 1} characters)")
    stem = output_stem(name, suffix)
    # The folder is resolved, the name is not: a link out/a.pdf -> b.pdf is replaced by
    # a.pdf, and b.pdf is never written through it.
    target = out_dir.resolve() / (f"{stem}.{variant}{suffix}" if variant else f"{stem}{suffix}")
    if target.parent != out_dir.resolve():
        raise HandoutError(f"output for {name!r} would leave the output folder", out_dir)
    return target
