"""Lookup speed for search-as-you-type (issue 15): the corpus copied 6 times (6,426
pages, titles made distinct) into a temp folder, one cold lookup, then CPU time per
keystroke of typing 'ciprof'. Target: at most 150 ms of CPU per keystroke.

    .venv/bin/python benchmarks/lookup.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from handouts.read.lookup import lookup

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
COPIES, TARGET_MS = 6, 150.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for copy in range(COPIES):
            for page in sorted(CORPUS.rglob("*.md")):
                folder = root / f"c{copy}" / page.parent.name
                folder.mkdir(parents=True, exist_ok=True)
                text = page.read_text(encoding="utf-8").replace("title: ", f"title: V{copy} ", 1)
                (folder / f"{page.stem}-v{copy}.md").write_text(text, encoding="utf-8")
        pages = sum(1 for _ in root.rglob("*.md"))
        started = time.perf_counter()
        lookup("cipro", root)
        cold = time.perf_counter() - started
        typed = ["c", "ci", "cip", "cipr", "cipro", "ciprof"]
        started = time.process_time()
        for text in typed:
            lookup(text, root)
        per_key = (time.process_time() - started) / len(typed) * 1000
    verdict = "PASS" if per_key <= TARGET_MS else "FAIL"
    print(f"lookup over {pages} pages: cold {cold:.2f} s (wall), {per_key:.0f} ms CPU per "
          f"keystroke (target <= {TARGET_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
