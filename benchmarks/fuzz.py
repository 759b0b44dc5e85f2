"""Long fuzz run: the properties of tests/test_fuzz.py with many more examples and a
fresh random seed, printing how many cases it tried and what they gave.

    .venv/bin/python benchmarks/fuzz.py --examples 2000 [--seed N]

A failure prints hypothesis' shrunk example and exits 1. Not part of the test run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from fuzzing import check_build, config, page, style  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="per property")
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    args = parser.parse_args()
    counts: Counter = Counter()
    run = settings(max_examples=args.examples, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))

    @run
    @given(page(), st.one_of(st.none(), style()), st.one_of(st.none(), config()))
    def workspace(text, style_text, config_text):
        with tempfile.TemporaryDirectory() as root:
            check_build(Path(root), text, style_text, config_text, counts)

    started = time.monotonic()
    failed = 0
    try:
        hypothesis_seed = __import__("hypothesis").seed(args.seed)
        hypothesis_seed(workspace)()
    except Exception as exc:  # the property failed: hypothesis printed the example
        failed = 1
        print(f"FAILED: {type(exc).__name__}: {str(exc)[:2000]}")
    print(f"seed {args.seed}: {counts['cases']} cases tried in "
          f"{time.monotonic() - started:.0f} s: {counts['pdfs']} PDFs (qpdf --check "
          f"passed, every word printed), {counts['error lines']} one-line errors, "
          f"failures {failed}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
