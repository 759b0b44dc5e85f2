"""Benchmark: a warning box of N items under one severe label (issues 12 and 13).

The box splits into as many pages as it needs; each split must cost the page it fills,
not the whole rest of the list, so the time grows linearly with N. Before issue 12 a
box re-measured all its remaining items at every page: 1,250 items 6.8 s, 2,500 items
34.5 s, 5,000 items 152 s. Target: linear, and 5,000 items in under 5 s. Not part of
the test run (tests hold no timing); a batch's --time-limit is what keeps a slow page
from stalling one.

    .venv/bin/python benchmarks/severe_list.py [--items 1250 2500 5000] [--limit 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handouts.read.parse import parse_text  # noqa: E402
from handouts.render.document import render  # noqa: E402
from handouts.settings.style import load_style  # noqa: E402

LINEAR_SLACK = 1.3  # doubling N: 2x is linear, 4x quadratic; 2.6x allows for noise


def page(items: int) -> str:
    lines = "".join(f"* Severe effect number {i}: get help at once\n" for i in range(items))
    return (f"---\ntitle: Long box\n---\n### Usage\nFor timing.\n\n### Side Effects\n"
            f"**Serious side effects:**\n\n{lines}")


def timed(items: int, style) -> tuple[float, int]:
    drug = parse_text(page(items), "long-box.md", "long-box")
    started = time.perf_counter()
    rendered = render(drug, style)
    return time.perf_counter() - started, rendered.pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1250, 2500, 5000])
    parser.add_argument("--limit", type=float, default=5.0, help="seconds for the largest")
    args = parser.parse_args()
    style = load_style()
    timed(50, style)  # fonts and styles loaded once, outside the figures
    results = []
    for items in sorted(args.items):
        seconds, pages = timed(items, style)
        results.append((items, seconds))
        print(f"{items:>6} items: {seconds:6.2f} s, {pages} pages, "
              f"{1000 * seconds / items:.2f} ms per item", flush=True)
    linear = all(t2 / t1 <= n2 / n1 * LINEAR_SLACK
                 for (n1, t1), (n2, t2) in zip(results, results[1:]))
    items, seconds = results[-1]
    fast = seconds < args.limit
    print(f"{'PASS' if linear else 'FAIL'}: time grows linearly with the items in one box")
    print(f"{'PASS' if fast else 'FAIL'}: {items} severe items in {seconds:.2f} s "
          f"(target < {args.limit:g} s)")
    return 0 if linear and fast else 1


if __name__ == "__main__":
    sys.exit(main())
