"""Reading untrusted input files: regular files only, the size checked before reading,
and never more read than the limit. Shared by pages, styles, config, logos, messages.

A FIFO or device named like a page would block a batch forever on open() or read(), and
a 3 GB sparse file would be read whole before a size check on the text: both are one
HandoutError line naming the file instead.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import HandoutError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def kind_of(mode: int) -> str:
    """'a folder', 'a FIFO (named pipe)', ... for a file that is not a regular file."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(path: Path) -> str | None:
    """Why `path` is not a regular file ('a folder', 'a dangling symbolic link', ...),
    or None when it is one."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a dangling symbolic link" if os.path.islink(path) else "missing"
    except OSError as exc:
        return exc.strerror or "unreadable"
    return None if stat.S_ISREG(mode) else kind_of(mode)


def read_limited(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of regular file `path`, refused (HandoutError naming it) when it is not
    a regular file or holds more than `limit` bytes; opened without blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise HandoutError(f"cannot read {what}: {exc.strerror}", path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HandoutError(f"cannot read {what}: it is {kind_of(info.st_mode)}, not a "
                               "regular file", path)
        if info.st_size > limit:
            raise HandoutError(f"{what} is {info.st_size} bytes; the limit is {limit}", path)
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise HandoutError(f"cannot read {what}: {exc.strerror}", path) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew after the check
        raise HandoutError(f"{what} is more than {limit} bytes (the limit)", path)
    return data


def _read_at_most(fd: int, count: int) -> bytes:
    chunks, left = [], count
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_head(path: Path, count: int) -> bytes:
    """At most the first `count` bytes of regular file `path`; b"" for anything else
    (a quick look, such as a page's title line, must never block or fail)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return _read_at_most(fd, count) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


def inside_workspace(path: Path, *folders: Path) -> bool:
    """Is `path` (resolved, links followed) in the current folder or one of `folders`?
    A file named inside a config or style (a logo, a parent style) may not reach
    anywhere else; only a path typed on the command line may."""
    real = Path(path).resolve()
    roots = [Path.cwd().resolve(), *(Path(f).resolve() for f in folders)]
    return any(real.is_relative_to(root) for root in roots)
