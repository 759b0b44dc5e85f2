"""The triage's verdicts on single labels and sentences, with the reason a reviewer
reads (check --explain): each form the README names, and the look-alikes that must
not change a verdict. Pure functions of text: no PDF here (test_sections.py and
test_triage_fixtures.py build them)."""

from __future__ import annotations

import pytest

from handouts.read.triage import (
    advice_only, is_group_label, is_severe, label_rule, sentence_rule, sentence_verdicts,
)

LABELS = [  # (label, severe, reason)
    ("Less Common but Serious Side Effects", True, "label says 'serious'"),
    ("Rare but Potentially Life-Threatening Side Effects", True,
     "label says 'life-threatening'"),
    ("Seek immediate medical attention", True,
     "label says to get help now: 'seek immediate medical attention'"),
    ("Rare Side Effects (<1%)", False, "frequency word only: 'rare'"),
    ("Very Rare Side Effects", False, "frequency word only: 'very rare'"),
    ("Mild Effects (not serious)", False, "negated: 'not serious'"),
    ("Other potential side effects, though less severe", False, "negated: 'less severe'"),
    ("These range from mild to severe", False, "a range: 'mild to severe'"),
    ("While serious side effects are rare, some people notice", False,
     "concession: 'while serious side effects are rare,'"),
    ("Important Note", False, "no severity word in the label"),
]


@pytest.mark.parametrize("label, severe, reason", LABELS, ids=[c[0] for c in LABELS])
def test_label_verdict_and_reason(label, severe, reason):
    assert is_severe(label) is severe
    assert label_rule(label) == reason


@pytest.mark.parametrize("lead, tier", [
    ("Common", True), ("Less Common but Serious", True), ("Serious (though rare)", True),
    ("Rare", True), ("Other", False), ("Cardiovascular", False), ("Nervous System", False),
    ("Endocrine & Metabolic", False), ("Severe allergic reactions", False),
    ("Azithromycin", False),
])
def test_only_a_label_that_names_a_tier_starts_a_group(lead, tier):
    assert is_group_label(lead) is tier


SENTENCES = [  # (sentence, boxed)
    ("Less common but serious side effects include liver damage and jaundice.", True),
    ("A wide range of side effects have been reported, including serious ones like stroke.",
     True),
    ("Seek immediate medical attention if you have a severe allergic reaction.", True),
    ("Seek immediate medical attention if an allergic reaction is suspected.", True),
    ("Seek immediate medical attention if signs of liver damage appear.", True),
    ("If you experience any of these side effects, especially severe allergic reactions, "
     "contact your doctor immediately.", True),
    # look-alikes: they name no effect, or describe one item rather than a group
    ("Seek immediate medical attention if you experience any unusual symptoms.", False),
    ("Consult a healthcare provider immediately if any concerning side effects develop.",
     False),
    ("If any adverse reaction occurs, seek immediate medical attention.", False),
    ("Seek immediate medical attention if this happens.", False),
    ("If large quantities are ingested, seek medical attention.", False),
    ("If any side effects, whether common or serious, occur, contact your doctor at once.",
     False),
    ("If any adverse effects occur, or if symptoms persist beyond 72 hours, consult a "
     "doctor immediately.", False),
    ("Report any adverse effects immediately if you participate in a clinical trial.", False),
    ("If any of these side effects occur, or if you notice any unexpected changes in your "
     "skin, contact your doctor immediately.", False),
    ("Hypoglycemia (low blood sugar): A serious side effect, characterized by symptoms "
     "like sweating.", False),
    ("Allergic reactions (rare but serious, including anaphylaxis)", False),
    ("Side effects range from mild to severe and include nausea.", False),
]


@pytest.mark.parametrize("sentence, boxed", SENTENCES, ids=[c[0][:50] for c in SENTENCES])
def test_sentence_verdict(sentence, boxed):
    verdict, reason = sentence_rule(sentence)
    assert verdict is boxed, reason
    assert reason  # always says why


def test_sentences_join_by_pronoun_and_by_the_effect_they_name():
    assert sentence_verdicts(["Serious side effects can occur.", "These include seizures.",
                              "Headache is common."]) == [
        (True, "names a severe group that the next sentence lists"),
        (True, "joins the sentence before it: 'These'"),
        (False, "names no severe group and no effect to get help for")]
    described, urgent = sentence_verdicts([
        "While rare, allergic reactions such as hives can occur.",
        "Seek immediate medical attention if an allergic reaction is suspected."])
    assert described == (True, "describes the effect the next sentence says to get help for")
    assert urgent[0]
    # a sentence about a tier is not pulled in: its other members would enter the box
    tier, _ = sentence_verdicts(["Common side effects include nausea and allergic reactions.",
                                 "Seek help at once if you have an allergic reaction."])
    assert tier[0] is False


@pytest.mark.parametrize("sentence, advice", [
    ("It's crucial to report any concerning side effects to your healthcare provider "
     "immediately.", True),
    ("If any adverse effects occur, it is imperative to seek immediate medical attention.",
     True),
    ("Seek immediate medical attention if any of these occur.", False),  # points back
    ("Angioedema and liver damage are also possible.", False),  # names effects
])
def test_advice_that_names_no_effect(sentence, advice):
    assert advice_only(sentence) is advice
