"""Property-based: generated pages, styles and configs (the corpus's grammar plus the
security guide's hostile pieces) give a valid PDF with every word, or one error line.
Bounded here (about 30 s); benchmarks/fuzz.py runs it long and prints its counts."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings, strategies as st

from fuzzing import check_build, config, page, style

COUNTS: Counter = Counter()
BOUNDED = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _page(meta: str, body: str) -> str:
    return f"---\n{meta}\n---\n\n{body}\n"


# What earlier long runs and the security review found, kept as fixed examples.
@BOUNDED
@given(page())
@example(_page("title: alpha", "### Usage\n\n* bravo\n\n  ---"))  # a rule ends a list item
@example(_page("title: alpha", "bravo " + "*" * 500 + "x" + "*" * 500))  # deep emphasis
@example(_page('title: "alpha \\ud800"', "bravo"))  # a lone surrogate in the title
@example(_page("title: alpha\nsources: " + "[" * 400 + "]" * 400, "bravo"))  # deep YAML
def test_any_page_builds_or_is_one_error_line(text):
    with tempfile.TemporaryDirectory() as root:
        check_build(Path(root), text, None, None, COUNTS)


@BOUNDED
@given(page(), st.one_of(st.none(), style()), st.one_of(st.none(), config()))
def test_any_page_style_and_config_build_or_are_one_error_line(text, style_text,
                                                               config_text):
    with tempfile.TemporaryDirectory() as root:
        check_build(Path(root), text, style_text, config_text, COUNTS)
