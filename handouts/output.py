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


def build_one(page_path: Path, name: str, style, out_dir: Path, config=None) -> Built:
    """Parse, lay out and atomically write one page's handout."""
    from .config import Config
    from .layout import render
    from .parse import read_page
    from .workspace import output_path

    target = output_path(out_dir, name)
    drug = read_page(page_path, name)
    rendered = render(drug, style, config or Config())
    write_atomic(target, rendered.data)
    return Built(target, rendered.pages,
                 tuple(n.located(drug.source) for n in drug.warnings)
                 + tuple(f"{drug.source}: {w}" for w in rendered.warnings))


class BatchResult:
    """Totals of a batch, for the one summary line."""

    def __init__(self):
        self.built: list[Built] = []
        self.failed: list[str] = []

    @property
    def warnings(self) -> int:
        return sum(len(b.warnings) for b in self.built)

    def summary(self) -> str:
        return f"built {len(self.built)}, failed {len(self.failed)}, warnings {self.warnings}"


def build_batch(pages, style, out_dir: Path, on_built, on_failed, config=None) -> BatchResult:
    """Build every page; a page that fails is reported and the rest still build."""
    result = BatchResult()
    for page in pages:
        try:
            built = build_one(page.path, page.name, style, out_dir, config)
        except HandoutError as exc:
            message = exc.format_message()
            if not message.startswith(str(page.path)):
                message = f"{page.path}: {message}"
        except Exception as exc:  # a bug on one page must not stop the batch
            message = f"{page.path}: internal error ({type(exc).__name__}: {exc})"
        else:
            result.built.append(built)
            on_built(built)
            continue
        result.failed.append(message)
        on_failed(message)
    return result
