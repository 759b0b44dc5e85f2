"""Side-effect groups, one label form per case: which groups the parser calls severe
(the model) and where their text lands in the built PDF (inside or outside the box)."""

from __future__ import annotations

import re
import textwrap

import pytest

from helpers import boxed_text, build_page, pdf_text
from corpus_check import NO_SEVERE
from handouts.model import block_text, plain
from handouts.read.parse import parse_text
from handouts.settings.style import load_style


def page(effects: str) -> str:
    return PAGE.format(effects=textwrap.dedent(effects).strip())


PAGE = """---
title: Testdrug
---
### Usage
Testdrug treats tests.

### Side Effects
{effects}

### How it Works
It blocks a test receptor.
"""

# (id, side-effects section, text that must be boxed, text printed outside the box)
CASES = [
    ("heading labels", """
        #### Common side effects
        * Nausea after meals
        #### Serious side effects
        * Liver failure signs
        """, ["Liver failure signs"], ["Nausea after meals"]),
    ("bold line labels", """
        **Common Side Effects:**

        * Mild rash spots

        **Less Common but Serious Side Effects:**

        * Crushing chest pain
        """, ["Crushing chest pain"], ["Mild rash spots"]),
    ("bold lead-ins with prose", """
        **Common:** Headache and tiredness.

        **Rare but serious:** Seizures and fainting.
        """, ["Seizures and fainting."], ["Headache and tiredness."]),
    ("plain sentence ending in a colon", """
        Common side effects include nausea and dizziness. Less common but serious side effects include:

        * Yellow skin
        * Dark urine
        """, ["Less common but serious side effects include:", "Yellow skin", "Dark urine"],
     ["Common side effects include nausea and dizziness."]),
    ("sentence leaning on the one before", """
        Less common but serious side effects can occur. These need urgent care. Seek help if you have:

        * Black stools
        """, ["Less common but serious side effects can occur.", "Black stools"], []),
    ("bold label in a list item", """
        * **Common:** dry mouth, thirst
        * **Serious:** fainting, seizures
        """, ["fainting, seizures"], ["dry mouth, thirst"]),
    ("plain label in a list item", """
        * Common: dry mouth, thirst
        * Less common but serious: fainting, seizures
        """, ["fainting, seizures"], ["dry mouth, thirst"]),
    ("bold label over a nested list", """
        * **Common side effects:**
            * Dry eyes
        * **Serious side effects:**
            * Sudden blindness
        """, ["Sudden blindness"], ["Dry eyes"]),
    ("ingredient labels over groups and prose", """
        **Acebrophylline:**

        * **Common:** Nausea and heartburn
        * **Less Common but Serious:** Racing heartbeat

        **Cefixime:** Common side effects include loose stools. Less common but serious side effects include severe skin reactions.
        """, ["Racing heartbeat", "Less common but serious side effects include severe skin reactions."],
     ["Nausea and heartburn", "Common side effects include loose stools."]),
    ("prose sentences", """
        Common side effects include nausea. Less common but serious side effects include liver damage and jaundice. Tell your doctor about any new symptoms.
        """, ["Less common but serious side effects include liver damage and jaundice."],
     ["Common side effects include nausea.", "Tell your doctor about any new symptoms."]),
    ("a pronoun continues the sentence before", """
        Mild itching is common. Serious side effects can occur. These include kidney failure.
        """, ["Serious side effects can occur. These include kidney failure."],
     ["Mild itching is common."]),
    ("urgent sentence naming a symptom", """
        Common side effects include a sore throat.

        Seek immediate medical attention if you have a severe allergic reaction.
        """, ["Seek immediate medical attention if you have a severe allergic reaction."],
     ["Common side effects include a sore throat."]),
    ("urgent sentence naming symptoms after a time clause", """
        Seek immediate medical attention if you notice any unusual symptoms after a dose, such as fainting.
        """, ["Seek immediate medical attention if you notice any unusual symptoms after a dose, "
              "such as fainting."], []),
    ("severe sentence inside a list item, numbered list goes on", """
        1. Nausea
        2. **Aspirin:** Common side effects include heartburn. Less common but serious side effects include stomach bleeding.
        3. Dizziness
        """, ["Less common but serious side effects include stomach bleeding."],
     ["Common side effects include heartburn.", "Dizziness"]),
    ("common item under a severe label", """
        **Serious side effects:**

        * **Common:** Mild headache
        * Crushing chest pain
        """, ["Crushing chest pain"], ["Mild headache"]),
    ("bold category lead-ins stay in their severe group", """
        **Less Common but Serious Side Effects:** The following can be severe:

        * **Nervous System:** Sudden confusion.
        * **Other:** Fever.

        **Very Rare Side Effects:** Hair thinning.
        """, ["Sudden confusion.", "Other: Fever."], ["Hair thinning."]),
    ("plain category lead-ins stay in their severe group", """
        **Common Side Effects:**

        * Cardiovascular: Warm flushing

        **Less Common but Serious Side Effects:**

        * Cardiovascular: Fainting spells
        * Other: Fever, exacerbation of asthma
        """, ["Cardiovascular: Fainting spells", "Other: Fever, exacerbation of asthma"],
     ["Cardiovascular: Warm flushing"]),
    ("a lead-in with its own prose takes no later paragraph", """
        **Less Common, but Serious Side Effects:** Torsades de pointes can occur.

        If any adverse effects occur, it is imperative to seek immediate medical attention.
        """, ["Torsades de pointes can occur."],
     ["If any adverse effects occur, it is imperative to seek immediate medical attention."]),
    ("advice naming no effect leaves a severe group", """
        **Serious Side Effects:** Severe infusion reactions can occur. It's crucial to report any concerning side effects to your healthcare provider immediately.
        """, ["Severe infusion reactions can occur."],
     ["It's crucial to report any concerning side effects to your healthcare provider "
      "immediately."]),
    ("an item that is one urgent sentence", """
        * **Common:** Nausea, rash.
        * **Note:** If you experience any of these side effects, especially severe allergic reactions, contact your doctor immediately.
        """, ["especially severe allergic reactions, contact your doctor immediately."],
     ["Nausea, rash."]),
    ("an urgent sentence about the effect the sentence before describes", """
        * **Allergic Reactions:** While rare, allergic reactions such as hives can occur. Seek immediate medical attention if an allergic reaction is suspected.
        """, ["While rare, allergic reactions such as hives can occur. Seek immediate medical "
              "attention if an allergic reaction is suspected."], []),
    ("a frequency label whose sentence lists serious ones", """
        **Rare Side Effects (<1%):** Many effects have been reported, including serious ones like stroke and heart attack. See the full list for more.
        """, ["including serious ones like stroke and heart attack."],
     ["See the full list for more."]),
    ("a note that names what needs urgent help goes in the box under its label", """
        * Nausea

        **Important Note:** If you experience any serious side effects, such as severe allergic reactions, seek immediate medical attention.
        """, ["Important Note: If you experience any serious side effects"], ["Nausea"]),
]

# (id, side-effects section): pages that truly have no severe group, and must say so
UNBOXED = [
    ("frequency words never decide", """
        **Rare side effects:**

        * Hair loss
        """),
    ("urgent advice naming nothing", """
        * Nausea

        Seek immediate medical attention if you experience any unusual symptoms after taking Testdrug.
        """),
    ("bold advice is not a label", """
        * Nausea

        **If you experience any serious side effects, call your doctor right away.**
        """),
    ("a range is not triage", """
        Side effects range from mild to severe. They may include:

        * Itching
        """),
    ("a concession is not the label", """
        While serious side effects are rare, some people notice:

        * Thirst
        """),
    ("a label with nothing under it", """
        * Nausea

        **Serious side effects:**
        """),
]


def _flat(text: str) -> str:
    return " ".join(text.replace("•", " ").split())


def _severe_text(drug) -> str:
    return _flat(" ".join(block_text(g) for g in drug.severe_groups))


@pytest.mark.parametrize("effects, boxed, unboxed", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_severe_groups_in_model_and_box(tmp_path, effects, boxed, unboxed):
    drug = parse_text(page(effects), "testdrug.md", "testdrug")
    severe = _severe_text(drug)
    assert [t for t in boxed if t not in severe] == []
    assert [t for t in unboxed if t in severe] == []
    assert not any(NO_SEVERE in w for w in drug.warnings)
    result, pdf = build_page(tmp_path, "testdrug", page(effects))
    assert result.exit_code == 0, result.output
    inside = _flat(boxed_text(pdf, load_style().warning.fill))
    printed = _flat(pdf_text(pdf))
    assert [t for t in boxed if t not in inside] == []
    assert [t for t in unboxed if t in inside or t not in printed] == []


@pytest.mark.parametrize("effects", [c[1] for c in UNBOXED], ids=[c[0] for c in UNBOXED])
def test_no_severe_group_means_no_box_and_a_warning(tmp_path, effects):
    drug = parse_text(page(effects), "testdrug.md", "testdrug")
    assert drug.severe_groups == ()
    result, pdf = build_page(tmp_path, "testdrug", page(effects))
    assert result.exit_code == 0 and NO_SEVERE in result.output
    assert boxed_text(pdf, load_style().warning.fill) == ""


def test_per_ingredient_side_effect_sections_share_one_box_under_their_names(tmp_path):
    text = PAGE.replace("### Side Effects\n{effects}\n", textwrap.dedent("""\
        ### Acebrophylline Side Effects
        **Common:**

        * Acid taste

        **Serious:**

        * Wheezing attack

        ### Cefixime
        **Side Effects:** Common side effects include loose stools. Rare but serious side effects include colitis.
        """))
    drug = parse_text(text, "combo.md", "combo")
    kinds = [s.kind for s in drug.sections]
    assert kinds.count("side_effects") == 2
    assert _severe_text(drug) == ("Serious: Wheezing attack "
                                  "Rare but serious side effects include colitis.")
    result, pdf = build_page(tmp_path, "combo", text)
    assert result.exit_code == 0, result.output
    inside = _flat(boxed_text(pdf, load_style().warning.fill))
    assert "Acebrophylline Side Effects: Serious: Wheezing attack" in inside
    assert "Cefixime: Rare but serious side effects include colitis." in inside
    assert "Acid taste" not in inside and "loose stools" not in inside
    assert pdf_text(pdf).count(load_style().warning.label) == 1  # one box


def test_a_list_split_by_the_box_goes_on_numbering(tmp_path):
    effects = next(c[1] for c in CASES if c[0].startswith("severe sentence inside a list"))
    result, pdf = build_page(tmp_path, "testdrug", page(effects))
    assert result.exit_code == 0
    text = pdf_text(pdf)
    assert _numbered(text, 2, "Aspirin:") and _numbered(text, 3, "Dizziness")
    assert text.index("stomach bleeding") < text.index("Dizziness")


def _numbered(text: str, number: int, item: str) -> bool:
    """pdfplumber reads a list number before its item or at the end of its line."""
    return bool(re.search(rf"{number}\.\s*{item}|{item}.*\n{number}\.", text))


def test_severe_prose_group_has_no_label_of_its_own():
    effects = "Rare but serious side effects include seizures."
    drug = parse_text(page(effects), "t.md", "t")
    (group,) = drug.severe_groups
    assert group.label == () and _flat(block_text(group)) == effects


@pytest.mark.parametrize("faqs", [
    "* **Q: Can I drive?** A: Not at first.\n* **Q: Can I drink alcohol?** A: No.",
    "**Q: Can I drive?**\n\nA: Not at first.\n\n**Q: Can I drink alcohol?**\n\nA: No.",
], ids=["bullets", "paragraphs"])
def test_faqs_in_either_form(tmp_path, faqs):
    text = page("* Nausea") + f"\n### FAQs\n{faqs}\n"
    drug = parse_text(text, "t.md", "t")
    found = [(plain(f.question), _flat(" ".join(block_text(b) for b in f.answer)))
             for f in drug.section("faqs").faqs]
    assert found == [("Q: Can I drive?", "A: Not at first."),
                     ("Q: Can I drink alcohol?", "A: No.")]
    result, pdf = build_page(tmp_path, "t", text)
    assert result.exit_code == 0
    assert re.search(r"Q: Can I drive\?\s+A: Not at first\.", pdf_text(pdf))


def test_heading_over_labelled_sections_heads_a_part():
    text = ("---\ntitle: Combo\n---\n### Repaglinide: Usage, Dosage, Side Effects\n\n"
            "**Usage:** Diabetes.\n\n**Side Effects:** Common side effects include sweating.\n")
    drug = parse_text(text, "combo.md", "combo")
    assert [(s.kind, s.title) for s in drug.sections] == [
        ("other", "Repaglinide: Usage, Dosage, Side Effects"), ("usage", "Usage"),
        ("side_effects", "Side Effects")]
