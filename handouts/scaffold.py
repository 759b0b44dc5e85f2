"""Workspace set-up (`handouts init`): copy the starter files shipped in the package
(handouts/starter/) into a clinic's folder. Never overwrites a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import HandoutError

STARTER_DIR = Path(__file__).parent / "starter"
# What `init` writes, relative to the workspace (each shipped as package data).
STARTER_FILES = ("handouts.yaml", "content/example-medicine.md", "styles/clinic.yaml")


def init_workspace(target: Path) -> list[Path]:
    """Write the starter files into `target`; refuse (writing nothing) if any exists."""
    if target.exists() and not target.is_dir():
        raise HandoutError("not a folder", target)
    blocked = sorted({str(folder) for rel in STARTER_FILES for folder in (target / rel).parents
                      if folder.exists() and not folder.is_dir()})
    if blocked:  # checked before anything is written: a half-made workspace helps nobody
        raise HandoutError(f"{', '.join(blocked)} is a file where a folder is needed; "
                           "nothing was written", target)
    existing = [target / rel for rel in STARTER_FILES if os.path.lexists(target / rel)]
    if existing:
        names = ", ".join(str(p) for p in existing)
        raise HandoutError(f"refusing to overwrite existing files: {names} "
                           "(move them away or choose another folder)", target)
    files = {rel: _starter(rel) for rel in STARTER_FILES}
    created = []
    for rel, data in files.items():
        path = target / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as handle:  # 'x': fail rather than replace a new file
                handle.write(data)
        except FileExistsError:
            raise HandoutError("refusing to overwrite an existing file", path) from None
        except OSError as exc:
            raise HandoutError(f"cannot write: {exc.strerror}", path) from None
        created.append(path)
    return created


def _starter(rel: str) -> bytes:
    try:
        return (STARTER_DIR / rel).read_bytes()
    except OSError:
        raise HandoutError("starter file missing from the installed package (reinstall "
                           "handouts)", STARTER_DIR / rel) from None
