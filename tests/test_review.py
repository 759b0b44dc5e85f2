"""Review fields in the front matter, the review status, and the mark on every page."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

import pytest

from handouts.errors import HandoutError
from handouts.model import Review
from handouts.read.parse import parse_text
from handouts.review import CURRENT, OVERDUE, UNREVIEWED, add_months, status_of, today
from handouts.settings.style import load_style
from helpers import SEED, box_rects, build_page, page_texts, read_back

EPOCH = 1700000000  # 2023-11-14 in UTC
TODAY = datetime.fromtimestamp(EPOCH, timezone.utc).date()
WORDING = load_style().review


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


def seed_with(front: str) -> str:
    """The seed page with extra front-matter lines."""
    text = SEED.read_text(encoding="utf-8")
    head, rest = text.split("title: Ixabepilone\n", 1)
    return f"{head}title: Ixabepilone\n{front.strip()}\n{rest}"


def built(tmp_path, text: str | None = None, *extra):
    """Build the page (default: the seed as given); return the PDF's path."""
    result, pdf = build_page(tmp_path, "ixa", text or SEED.read_text(encoding="utf-8"), *extra)
    assert result.exit_code == 0, result.output
    return pdf


def marked_pages(pdf) -> list[int]:
    """The pages that draw the review mark's band."""
    return [page.index for page in read_back(pdf).pages if box_rects(page, WORDING.fill)]


# -- dates and status -------------------------------------------------------------------

def test_today_follows_source_date_epoch(monkeypatch):
    assert today() == TODAY
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(HandoutError, match="SOURCE_DATE_EPOCH"):
        today()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert today() == date.today()


@pytest.mark.parametrize("start,months", [
    (date(2023, 1, 31), 1), (date(2024, 1, 31), 1), (date(2023, 12, 15), 1),
    (date(2023, 5, 31), 6), (date(2020, 2, 29), 12), (date(2023, 3, 1), 120)])
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months):
    due = add_months(start, months)
    assert (due.year - start.year) * 12 + due.month - start.month == months
    last = calendar.monthrange(due.year, due.month)[1]
    assert due.day == min(start.day, last)


def test_a_review_is_current_through_its_due_date_and_overdue_after():
    reviewed = Review("Dr A", date(2021, 5, 31), 12)
    due = add_months(reviewed.reviewed_on, 12)
    assert status_of(reviewed, 24, due).state == CURRENT
    after = status_of(reviewed, 24, due + timedelta(days=1))
    assert (after.state, after.due) == (OVERDUE, due)
    assert status_of(Review(), 24, due).state == UNREVIEWED


def test_the_workspace_default_interval_applies_when_the_page_sets_none():
    reviewed = Review("Dr A", date(2021, 5, 31))
    assert status_of(reviewed, 36, TODAY).due == add_months(reviewed.reviewed_on, 36)


# -- front matter ----------------------------------------------------------------------

def _parse(front: str):
    return parse_text(f"---\ntitle: X\n{front}\n---\n**Usage:** For tests.\n", "x.md", "x")


def test_review_fields_are_read_and_typed():
    drug = _parse("reviewed_by: Dr Ada Lovelace, PharmD\nreviewed_on: 2023-01-10\n"
                  "review_every: 12\nsources:\n  - FDA label 2022\n  - BNF 85\n"
                  "updated: 2023-02-01")
    assert drug.review == Review("Dr Ada Lovelace, PharmD", date(2023, 1, 10), 12,
                                 ("FDA label 2022", "BNF 85"), date(2023, 2, 1))
    assert not set(drug.meta) & {"reviewed_by", "reviewed_on", "review_every", "sources"}


TOMORROW = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("front,key,found", [
    ("reviewed_by: Dr A\nreviewed_on: 2023-02-30", "reviewed_on", "'2023-02-30'"),
    ("reviewed_by: Dr A\nreviewed_on: 10/01/2023", "reviewed_on", "'10/01/2023'"),
    ("reviewed_by: Dr A\nreviewed_on: 2023-W01-1", "reviewed_on", "'2023-W01-1'"),
    (f"reviewed_by: Dr A\nreviewed_on: {TOMORROW}", "reviewed_on", repr(TOMORROW)),
    ("reviewed_by: Dr A\nreviewed_on: 2023-01-10\nreview_every: 0", "review_every", "'0'"),
    ("reviewed_by: Dr A\nreviewed_on: 2023-01-10\nreview_every: 121", "review_every", "'121'"),
    ("reviewed_by: Dr A\nreviewed_on: 2023-01-10\nreview_every: 6.5", "review_every", "'6.5'"),
    ("sources: https://example.org/label", "sources", "'https://example.org/label'"),
    ("updated: yesterday", "updated", "'yesterday'"),
    ("reviewed_by: Dr A", "reviewed_on", "nothing"),
    ("reviewed_on: 2023-01-10", "reviewed_by", "nothing"),
    ("reviewed_by: '  '\nreviewed_on: 2023-01-10", "reviewed_by", "'  '"),
])
def test_bad_review_fields_name_file_key_expected_and_found(front, key, found):
    with pytest.raises(HandoutError) as info:
        _parse(front)
    message = info.value.format_message()
    assert message.startswith("x.md: ")
    assert f"front matter {key}: expected " in message
    assert f"found {found}" in message


def test_todays_date_is_a_valid_review_date():
    assert _parse(f"reviewed_by: Dr A\nreviewed_on: {TODAY}").review.reviewed_on == TODAY


def test_every_bad_review_field_is_reported_at_once():
    with pytest.raises(HandoutError) as info:
        _parse("reviewed_by: Dr A\nreviewed_on: 2023-13-01\nreview_every: never")
    assert "reviewed_on" in info.value.reason and "review_every" in info.value.reason


# -- the mark in the PDF -----------------------------------------------------------------

def _fill(template: str, **values) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def test_unreviewed_page_carries_the_mark_on_every_page(tmp_path):
    pdf = built(tmp_path)
    texts = page_texts(pdf)
    assert len(texts) >= 2
    for number, text in enumerate(texts, 1):
        assert WORDING.unreviewed in text, f"page {number}"


def test_overdue_page_says_since_when_on_every_page(tmp_path):
    pdf = built(tmp_path, seed_with(
        "reviewed_by: Dr A\nreviewed_on: 2021-05-31\nreview_every: 12"))
    expected = _fill(WORDING.overdue, due="2022-05-31")
    texts = page_texts(pdf)
    assert len(texts) >= 2
    for number, text in enumerate(texts, 1):
        assert expected in text, f"page {number}"
        assert WORDING.unreviewed not in text


def test_current_review_prints_who_and_when_and_no_mark(tmp_path):
    pdf = built(tmp_path, seed_with(f"reviewed_by: Dr Ada Lovelace, PharmD\nreviewed_on: {TODAY}"))
    expected = _fill(WORDING.reviewed, name="Dr Ada Lovelace, PharmD", date=TODAY.isoformat())
    for text in page_texts(pdf):
        assert expected in text
        assert WORDING.unreviewed not in text and "overdue" not in text
    assert marked_pages(pdf) == []


def test_review_interval_default_comes_from_the_config(tmp_path):
    text = seed_with("reviewed_by: Dr A\nreviewed_on: 2021-05-31")
    config = tmp_path / "handouts.yaml"
    config.write_text("review:\n  review_every: 36\n")
    pdf = built(tmp_path, text, "--config", config)
    assert _fill(WORDING.reviewed, name="Dr A", date="2021-05-31") in page_texts(pdf)[0]
    pdf = built(tmp_path, text)  # default: 24 months
    assert _fill(WORDING.overdue, due="2023-05-31") in page_texts(pdf)[0]


def test_config_can_turn_the_mark_off(tmp_path):
    config = tmp_path / "handouts.yaml"
    config.write_text("review:\n  mark_unreviewed: false\n")
    pdf = built(tmp_path, None, "--config", config)
    assert marked_pages(pdf) == []
    assert not any(WORDING.unreviewed in text for text in page_texts(pdf))
    pdf = built(tmp_path, seed_with(
        "reviewed_by: Dr A\nreviewed_on: 2021-05-31\nreview_every: 12"), "--config", config)
    assert not any("2022-05-31" in text for text in page_texts(pdf))


def test_wording_comes_from_the_style(tmp_path):
    style = tmp_path / "calm.yaml"
    style.write_text("extends: default\nreview:\n  unreviewed: 'Awaiting clinical review'\n")
    pdf = built(tmp_path, None, "--style", style)
    texts = page_texts(pdf)
    assert all("Awaiting clinical review" in t and WORDING.unreviewed not in t for t in texts)


def test_mark_is_a_band_that_never_overlaps_body_or_footer(tmp_path):
    pdf = built(tmp_path)
    for number, page in enumerate(read_back(pdf).pages, 1):
        (band,) = box_rects(page, WORDING.fill)
        words = page.words
        inside = [w for w in words if w["top"] >= band["top"] - 0.5
                  and w["bottom"] <= band["bottom"] + 0.5]
        assert " ".join(w["text"] for w in inside) == WORDING.unreviewed, f"page {number}"
        others = [w for w in words if w not in inside]
        above = [w for w in others if w["top"] < band["top"]]
        below = [w for w in others if w["top"] > band["bottom"]]
        assert above and below and len(above) + len(below) == len(others)
        assert max(w["bottom"] for w in above) < band["top"], f"page {number}"


def test_bad_review_date_fails_the_build_naming_the_file(tmp_path):
    result, pdf = build_page(tmp_path, "ixa", seed_with(
        "reviewed_by: Dr A\nreviewed_on: 2023-02-29"))
    assert result.exit_code == 1 and not pdf.exists()
    assert "ixa.md" in result.output and "reviewed_on" in result.output
