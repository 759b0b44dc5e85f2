"""Property-based: generated pages, styles and configs (the corpus's grammar plus the
security guide's hostile pieces) give a valid PDF with every word, or one error line.
Bounded here (about 30 s); benchmarks/fuzz.py runs it long and prints its counts."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from fuzzing import check_build, config, page, style

COUNTS: Counter = Counter()
BOUNDED = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@BOUNDED
@given(page())
def test_any_page_builds_or_is_one_error_line(text):
    with tempfile.TemporaryDirectory() as root:
        check_build(Path(root), text, None, None, COUNTS)


@BOUNDED
@given(page(), st.one_of(st.none(), style()), st.one_of(st.none(), config()))
def test_any_page_style_and_config_build_or_are_one_error_line(text, style_text,
                                                               config_text):
    with tempfile.TemporaryDirectory() as root:
        check_build(Path(root), text, style_text, config_text, COUNTS)
