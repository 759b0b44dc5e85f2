"""The side-effect triage against hand-checked fixtures: tests/fixtures/triage/ holds
excerpts of corpus pages with the verdicts a pharmacist wrote by reading them (see the
README there). For every unit the read stage must agree (severe: inside a severe group;
common: outside), every label must be in the model and in the PDF, severe units inside
the drawn warning box and common ones outside it.

The expected files are never written by the code: `python tests/fixture_check.py`
prints where code and fixture disagree, and a changed verdict is a reviewed diff of a
fixture (with its reason in the README).
"""

from __future__ import annotations

import pytest

from fixture_check import FIXTURES, compare, expected, fixture_names, norm, parse_fixture
from helpers import boxed_text, read_back, run_cli, warning_boxes, words
from handouts.settings.style import load_style

NAMES = fixture_names()


def test_enough_fixtures_from_varied_pages():
    assert len(NAMES) >= 40
    assert len({name[0] for name in NAMES}) >= 12  # pages from all over the corpus


@pytest.mark.parametrize("name", NAMES)
def test_read_stage_agrees_with_the_fixture(name):
    result = compare(name, parse_fixture(name))
    assert result.differ == []
    assert result.labels_missing == []


def _built(name: str, out):
    result = run_cli("build", name, "--content", FIXTURES, "--out", out)
    assert result.exit_code == 0, result.output
    return out / f"{name}.pdf"


@pytest.mark.parametrize("name", NAMES)
def test_pdf_prints_labels_and_boxes_severe_units(name, tmp_path):
    want, style = expected(name), load_style()
    pdf = _built(name, tmp_path)
    doc = read_back(pdf)
    text = norm(doc.text)
    assert [label for label in want["labels"] if norm(label) not in text] == []
    drawn = boxed_text(pdf, style.warning.fill)  # inside the red rectangles
    assert [u for u in want["severe"] if not _in_order(words(norm(u)), norm(drawn))] == []
    boxes = warning_boxes(doc, style.warning.label)
    assert len(boxes) == (1 if want["severe"] else 0)
    inside = " ".join(doc.tree_words(boxes[0])).lower() if boxes else ""  # no repeats
    assert [u for u in want["severe"] if norm(u) not in inside] == []
    told_apart = [u for u in want["common"] if _distinct(u, want)]
    assert [u for u in told_apart if norm(u) in inside] == []


def _in_order(wanted: list[str], text: str) -> bool:
    """Every word of `wanted` in `text`, in order (a box's part on the next page may
    repeat its labels between them)."""
    at = 0
    for word in wanted:
        at = text.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True


def _distinct(unit: str, want: dict) -> bool:
    """A common unit whose text says something no severe unit or label also says."""
    u = norm(unit)
    return len(u.split()) >= 3 and not any(
        u in norm(other) for other in want["severe"] + want["labels"])
