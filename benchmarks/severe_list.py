"""Benchmark: lay out a page whose severe group holds N items (one warning box split
over many pages). The target: 5,000 items in under 5 s, and time linear in N.

    .venv/bin/python benchmarks/severe_list.py [--items 1250 2500 5000] [--limit 5]

Prints seconds per size and a PASS/FAIL line for the largest. Not part of the test run
(tests hold no timing); a batch's --time-limit is what keeps a slow page from stalling
one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def severe_page(items: int) -> str:
    lines = "".join(f"* severe item {i}: seek help if it happens\n" for i in range(items))
    return ("---\ntitle: Severe list\n---\n\n### Side Effects\n\n"
            f"**Serious Side Effects:**\n\n{lines}")


def time_one(items: int) -> tuple[float, int]:
    from handouts.deliver.batch import render_one
    from handouts.settings.style import load_style

    style = load_style("default")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "severe.md"
        path.write_text(severe_page(items), encoding="utf-8")
        start = time.perf_counter()
        built = render_one(path, "severe", style)
        return time.perf_counter() - start, built.pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1250, 2500, 5000])
    parser.add_argument("--limit", type=float, default=5.0, help="seconds for the largest")
    args = parser.parse_args()
    time_one(10)  # fonts and style loaded before anything is timed
    results = []
    for items in sorted(args.items):
        seconds, pages = time_one(items)
        results.append((items, seconds))
        print(f"{items:6} items: {seconds:7.2f} s ({pages} PDF pages, "
              f"{1000 * seconds / items:.2f} ms per item)", flush=True)
    items, seconds = results[-1]
    ok = seconds < args.limit
    print(f"{'PASS' if ok else 'FAIL'}: {items} severe items in {seconds:.2f} s "
          f"(target < {args.limit:g} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
