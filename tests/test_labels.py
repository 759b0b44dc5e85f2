"""Every label the author wrote prints as written: only a bare standard label may take
the style's friendlier heading, no heading is printed twice in a row, and the warning
box keeps each severe group under its own labels. Labels are read from the Markdown
with markdown-it and found in the PDF with pdfplumber (label_check.py), not through the
parser under test."""

from __future__ import annotations

import textwrap

import pytest

from helpers import boxed_text, build_page, pdf_text, write_page
from label_check import (
    headings, hex_colour, lost_labels, page_labels, pdf_lines, repeated_headings,
)
from handouts.read.parse import parse_text
from handouts.settings.style import load_style

STYLE = load_style()


def _page(body: str) -> str:
    return "---\ntitle: Labelex\n---\n" + textwrap.dedent(body).lstrip("\n")


def _built(tmp_path, body: str):
    text = _page(body)
    result, pdf = build_page(tmp_path, "labelex", text)
    assert result.exit_code == 0, result.output
    source = write_page(tmp_path / "source", "labelex", text)
    return source, pdf


def _heads(pdf) -> list[str]:
    return headings(pdf_lines(pdf), STYLE.heading.size, hex_colour(STYLE.heading.colour))


PRECAUTIONS = """
    ### Usage
    Labelex treats tests.

    ### Precautions
    **Contraindications:** Do not take Labelex if you are allergic to it.

    **Warnings and Precautions:** It can slow the heart.

    **Drug Interactions:** Avoid grapefruit.
    """


def test_contraindications_keep_their_label_and_no_heading_repeats(tmp_path):
    source, pdf = _built(tmp_path, PRECAUTIONS)
    lines = pdf_lines(pdf)
    assert lost_labels(page_labels(source), lines) == []
    names = _heads(pdf)
    assert repeated_headings(names) == []
    assert names.count(STYLE.headings.precautions) == 1  # "### Precautions" only
    text = pdf_text(pdf)
    assert "Contraindications: Do not take Labelex" in text
    assert "Warnings and Precautions: It can slow the heart." in text
    drug = parse_text(_page(PRECAUTIONS), "l.md", "l")
    assert [s.kind for s in drug.sections] == ["usage", "precautions", "interactions"]


@pytest.mark.parametrize("heading, printed", [
    ("### Warnings", "Warnings"),
    ("### Contraindications", "Contraindications"),
    ("### FAQs (Combined Use)", "FAQs (Combined Use)"),
    ("### Dosage (Cefixime & Cloxacillin)", "Dosage (Cefixime & Cloxacillin)"),
    ("### Side Effects (Tranexamic Acid)", "Side Effects (Tranexamic Acid)"),
])
def test_a_label_that_says_more_prints_as_written(tmp_path, heading, printed):
    body = f"### Usage\nLabelex treats tests.\n\n{heading}\nSome text under it.\n"
    source, pdf = _built(tmp_path, body)
    assert printed in _heads(pdf)
    assert lost_labels(page_labels(source), pdf_lines(pdf)) == []


def test_generic_name_with_a_qualifier_keeps_it(tmp_path):
    _, pdf = _built(tmp_path, "### Generic Name (Components)\nAspirin + Caffeine\n\n"
                              "### Usage\nFor tests.\n")
    assert "Generic Name (Components): Aspirin + Caffeine" in pdf_text(pdf)


@pytest.mark.parametrize("label, kind", [
    ("### Usage", "usage"), ("**Side Effects:**", "side_effects"), ("### FAQs", "faqs"),
    ("### Mechanism of Action", "mechanism"), ("### Precautions", "precautions"),
])
def test_only_a_bare_standard_label_takes_the_friendly_heading(tmp_path, label, kind):
    body = f"### Usage\nFor tests.\n\n{label}\n\nText under it.\n" if kind != "usage" \
        else f"{label}\nText under it.\n"
    _, pdf = _built(tmp_path, body)
    assert STYLE.headings.for_kind(kind) in _heads(pdf)


COMBINATION = """
    ### Usage
    Two antibiotics.

    ### Side Effects

    **Levofloxacin:**

    * Common: Nausea, insomnia
    * Less Common but Serious: Tendon rupture, seizures.

    **Azithromycin:**

    * Common: Vomiting, abdominal pain
    * Less Common but Serious:  Prolonged QT interval.

    **Important Note:**  If you experience any serious side effects, such as severe allergic reactions, seek immediate medical attention.
    """


def test_a_combination_has_one_box_with_each_group_under_its_labels(tmp_path):
    source, pdf = _built(tmp_path, COMBINATION)
    text, inside = pdf_text(pdf), " ".join(boxed_text(pdf, STYLE.warning.fill).split())
    assert text.count(STYLE.warning.label) == 1
    assert ("Levofloxacin: Less Common but Serious: Tendon rupture, seizures. "
            "Azithromycin: Less Common but Serious: Prolonged QT interval. "
            "Important Note: If you experience any serious side effects") in inside
    assert "Nausea" not in inside and "Vomiting" not in inside
    assert inside.count("Call your doctor or care team right away") == 1
    assert inside.endswith("emergency department.")  # whom to call: last, once
    assert lost_labels(page_labels(source), pdf_lines(pdf)) == []


NAME_OVER_TIERS = """
    ### Usage
    Two antibiotics.

    ### Side Effects
    **Levofloxacin:**

    * Common: Nausea

    **Azithromycin:**

    **Serious side effects:**

    * Prolonged QT interval
    """


def test_a_name_label_over_a_tier_label_goes_into_the_box_with_it(tmp_path):
    source, pdf = _built(tmp_path, NAME_OVER_TIERS)
    inside = " ".join(boxed_text(pdf, STYLE.warning.fill).split())
    assert "Azithromycin: Serious side effects: •Prolonged QT interval" in inside
    assert pdf_text(pdf).count("Azithromycin:") == 1  # not left behind, heading nothing
    assert lost_labels(page_labels(source), pdf_lines(pdf)) == []
