"""`handouts check`: per-page governance report, its JSON shape and its exit codes."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import datetime, timezone

import pytest

from handouts.check import LONG_SENTENCE_WORDS, parse_warnings
from handouts.settings.config import Config
from handouts.model import Notice
from handouts.read.parse import read_page
from handouts.settings.style import load_style
from helpers import (
    ROOT, SEED, corpus_dir, corpus_pages, modules_loaded_by, run_cli, run_cli_in, write_page,
)

EPOCH = 1700000000
TODAY = datetime.fromtimestamp(EPOCH, timezone.utc).date()
WORDING = load_style().review
PAGE_KEYS = {"name", "path", "title", "errors", "warnings", "review", "readability",
             "missing_glyphs", "triage"}

CLEAN = """\
---
title: Calmex
reviewed_by: Dr Ada Lovelace
reviewed_on: {today}
---
# Calmex

**Usage:** Calmex helps you sleep. Take it at night.

**Side Effects:**

**Common side effects:**

* You may feel tired in the day.

**Serious side effects (get help right away):**

* You find it hard to breathe.

**Disclaimer:** Ask your nurse if you have a question.
"""


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


def check(*args, content=None):
    """Run `handouts check` in-process; return (exit code, stdout)."""
    result = run_cli("check", *args, "--content", content or ROOT / "content")
    return result.exit_code, result.stdout


def check_json(*args, content=None):
    code, out = check(*args, "--format", "json", content=content)
    return code, json.loads(out)


def one_page(tmp_path, text: str, *args):
    """Write one page, check it as JSON; return (exit code, the page's report)."""
    content = tmp_path / "content"
    write_page(content, "page", text)
    code, report = check_json("page", *args, content=content)
    return code, report["pages"][0]


def kinds(page) -> list[str]:
    return [w["kind"] for w in page["warnings"]]


# -- the seed ----------------------------------------------------------------------------

def test_seed_report_shape_and_findings():
    code, report = check_json("ixabepilone")
    assert code == 0
    assert set(report) == {"version", "today", "pages", "totals"}
    assert report["version"] == 1 and report["today"] == TODAY.isoformat()
    (page,) = report["pages"]
    assert set(page) == PAGE_KEYS
    assert page["name"] == "ixabepilone" and page["title"] == "Ixabepilone"
    assert page["errors"] == [] and page["missing_glyphs"] == []
    assert all(set(w) == {"kind", "message", "line"} for w in page["warnings"])
    assert page["review"] == {"status": "unreviewed", "reviewed_by": None,
                              "reviewed_on": None, "due": None}
    assert set(page["readability"]) == {"grade", "target", "long_sentences"}
    totals = report["totals"]
    assert totals["pages"] == 1 and totals["warnings"] == len(page["warnings"])
    assert totals["warnings_by_kind"] == {k: kinds(page).count(k) for k in set(kinds(page))}


def test_seed_mojibake_is_reported_on_its_line():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    broken = [n for n, line in enumerate(lines, 1) if "Â" in line]
    _, report = check_json("ixabepilone")
    mojibake = [w for w in report["pages"][0]["warnings"] if w["kind"] == "mojibake"]
    assert [w["line"] for w in mojibake] == broken and broken


def test_seed_is_unreviewed_and_above_the_default_target_grade():
    _, report = check_json("ixabepilone")
    page = report["pages"][0]
    review = [w["message"] for w in page["warnings"] if w["kind"] == "review"]
    assert review == [WORDING.unreviewed]
    grade, target = page["readability"]["grade"], page["readability"]["target"]
    assert target == Config().readability.target_grade
    assert grade > target and "reading_grade" in kinds(page)
    assert not [k for k in kinds(page) if k == "missing_section"]


def test_target_grade_comes_from_the_config(tmp_path):
    config = tmp_path / "handouts.yaml"
    config.write_text("readability:\n  target_grade: 20\n")
    _, report = check_json("ixabepilone", "--config", config)
    page = report["pages"][0]
    assert page["readability"]["target"] == 20 and "reading_grade" not in kinds(page)


def test_readme_json_example_has_the_real_shape():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Content governance: handouts check")[1].split("\n## ")[0]
    example = json.loads(re.search(r"```json\n(.+?)\n```", section, re.S).group(1))
    _, report = check_json("ixabepilone")
    assert set(example) == set(report)
    assert set(example["pages"][0]) == set(report["pages"][0])
    for key in ("review", "readability"):
        assert set(example["pages"][0][key]) == set(report["pages"][0][key])
    assert set(example["totals"]) == set(report["totals"])


def test_strict_turns_warnings_into_failure():
    assert check("ixabepilone")[0] == 0
    assert check("ixabepilone", "--strict")[0] == 1


def test_check_builds_no_pdf(tmp_path, monkeypatch):
    import handouts.render.document

    def no_render(*args, **kwargs):
        raise AssertionError("check must not lay out a PDF")

    monkeypatch.setattr(handouts.render.document, "render", no_render)
    code, out = check("ixabepilone")
    assert code == 0 and "checked 1 page" in out
    result = run_cli_in(monkeypatch, tmp_path, "check", "ixabepilone", "--content",
                        ROOT / "content")
    assert result.exit_code == 0 and list(tmp_path.iterdir()) == []


# -- one finding at a time -------------------------------------------------------------

def test_clean_reviewed_page_passes_strict(tmp_path):
    code, page = one_page(tmp_path, CLEAN.format(today=TODAY), "--strict")
    assert (code, page["warnings"], page["errors"]) == (0, [], [])
    assert page["review"]["status"] == "current"
    assert page["review"]["reviewed_by"] == "Dr Ada Lovelace"
    assert page["readability"]["grade"] <= page["readability"]["target"]


def test_overdue_review_reports_when_it_fell_due(tmp_path):
    text = CLEAN.format(today="2021-05-31").replace("---\n#", "review_every: 12\n---\n#")
    code, page = one_page(tmp_path, text, "--strict")
    assert code == 1
    assert page["review"] == {"status": "overdue", "reviewed_by": "Dr Ada Lovelace",
                              "reviewed_on": "2021-05-31", "due": "2022-05-31"}
    assert [w["message"] for w in page["warnings"]] == [
        WORDING.overdue.replace("{due}", "2022-05-31")]


def test_update_after_the_review_is_flagged(tmp_path):
    text = CLEAN.format(today="2023-01-10").replace("---\n#", "updated: 2023-03-01\n---\n#")
    _, page = one_page(tmp_path, text)
    (warning,) = page["warnings"]
    assert warning["kind"] == "review" and "2023-03-01" in warning["message"]


def test_missing_core_sections_are_each_named_once(tmp_path):
    _, page = one_page(tmp_path, "# Plainex\n\n**Dosage:** One tablet a day with food.\n")
    missing = [w["message"] for w in page["warnings"] if w["kind"] == "missing_section"]
    assert len(missing) == 3
    for word in ("usage", "side-effects", "disclaimer"):
        assert sum(word in m for m in missing) == 1, word
    assert not [w for w in page["warnings"] if w["kind"] == "parse"]


def test_side_effects_without_a_severe_group(tmp_path):
    text = CLEAN.format(today=TODAY).split("**Serious")[0] + "**Disclaimer:** Ask us.\n"
    code, page = one_page(tmp_path, text)
    assert code == 0
    assert [w["message"] for w in page["warnings"]] == [
        "no severe side-effect group: the handout has no warning box"]


def test_unrecognised_section_is_named_with_its_line(tmp_path):
    text = CLEAN.format(today=TODAY) + "\n### Storage\n\nKeep it in a cool, dry place.\n"
    _, page = one_page(tmp_path, text)
    (warning,) = page["warnings"]
    assert warning["kind"] == "unrecognised_section" and "'Storage'" in warning["message"]
    assert warning["line"] == text.splitlines().index("### Storage") + 1


def test_long_sentences_are_counted_with_their_lines(tmp_path):
    at_limit = " ".join(["word"] * LONG_SENTENCE_WORDS) + "."
    over = " ".join(["word"] * (LONG_SENTENCE_WORDS + 1)) + "."
    text = CLEAN.format(today=TODAY).replace(
        "Take it at night.", f"Take it at night.\n\n{at_limit} {over}\n\n* {over}")
    _, page = one_page(tmp_path, text, "--config", _config(tmp_path, "target_grade: 20"))
    assert page["readability"]["long_sentences"] == 2
    (warning,) = page["warnings"]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if over in line]
    assert warning["kind"] == "long_sentences" and warning["line"] == lines[0]
    assert f"lines {lines[0]}, {lines[1]}" in warning["message"]


def _config(tmp_path, readability: str):
    path = tmp_path / "handouts.yaml"
    path.write_text(f"readability:\n  {readability}\n")
    return path


def test_missing_glyphs_match_what_the_build_reports(tmp_path):
    text = CLEAN.format(today=TODAY).replace("Take it at night.", "Take it at night 🌙 月.")
    _, page = one_page(tmp_path, text)
    build = run_cli("build", "page", "--content", tmp_path / "content", "--out", tmp_path / "o")
    built = set(re.findall(r"U\+[0-9A-F]{4,6}", build.output))
    assert built and set(page["missing_glyphs"]) == built
    assert "missing_glyphs" in kinds(page)


def test_control_characters_and_unknown_parse_warnings_keep_their_kind(tmp_path):
    text = CLEAN.format(today=TODAY).replace("helps you", "helps\u200b you")
    _, page = one_page(tmp_path, text)
    (warning,) = page["warnings"]
    assert warning["kind"] == "control_characters"
    assert warning["line"] == next(n for n, line in enumerate(text.splitlines(), 1)
                                   if "\u200b" in line)
    drug = read_page(SEED)
    novel = dataclasses.replace(drug, warnings=(Notice("novel", "something new", 3),))
    assert [(w.kind, w.message, w.line) for w in parse_warnings(novel)] == [
        ("novel", "something new", 3)]


def test_non_english_page_has_no_grade(tmp_path):
    text = CLEAN.format(today=TODAY).replace("title: Calmex", "title: Calmex\nlang: es")
    _, page = one_page(tmp_path, text, "--strict")
    assert page["readability"]["grade"] is None and "reading_grade" not in kinds(page)


# -- errors ---------------------------------------------------------------------------

def test_a_page_that_fails_to_parse_is_an_error_and_the_rest_are_checked(tmp_path):
    content = tmp_path / "content"
    write_page(content, "good", CLEAN.format(today=TODAY))
    write_page(content, "bad", CLEAN.format(today="2023-02-30"))
    code, report = check_json("--all", content=content)
    assert code == 1
    bad, good = report["pages"]
    assert bad["name"] == "bad" and bad["title"] is None
    (error,) = bad["errors"]
    assert error["kind"] == "parse" and "reviewed_on" in error["message"]
    assert "2023-02-30" in error["message"]
    assert bad["review"] is None and bad["readability"] is None
    assert good["errors"] == [] and report["totals"]["pages_with_errors"] == 1
    code, text = check("--all", content=content)
    assert code == 1
    assert any(line.startswith(f"{content / 'bad.md'}: error [parse]: front matter reviewed_on")
               for line in text.splitlines())
    assert text.splitlines()[-1].startswith("checked 2 pages: 1 error(s)")


def test_a_bug_on_one_page_is_reported_for_that_page_only(tmp_path, monkeypatch):
    import handouts.check

    real = handouts.check.readability

    def flaky(drug, target):
        if drug.name == "bad":
            raise ZeroDivisionError("boom")
        return real(drug, target)

    monkeypatch.setattr(handouts.check, "readability", flaky)
    content = tmp_path / "content"
    for name in ("bad", "good"):
        write_page(content, name, CLEAN.format(today=TODAY))
    code, report = check_json("--all", content=content)
    bad, good = report["pages"]
    assert code == 1 and bad["errors"] == [
        {"kind": "internal", "message": "ZeroDivisionError: boom", "line": None}]
    assert bad["warnings"] == [] and bad["title"] is None and bad["review"] is None
    assert good["errors"] == [] and good["review"]["status"] == "current"


@pytest.mark.parametrize("args", [["ixabepilone", "--all"], []], ids=["both", "neither"])
def test_names_or_all_not_both(args):
    result = run_cli("check", *args, "--content", ROOT / "content")
    assert result.exit_code == 2
    wanted = "not both" if args else "no page given: type 'handouts check NAME ...'"
    assert wanted in result.output, result.output
    assert "checked" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_imports_neither_reportlab_nor_textstat(args):
    assert modules_loaded_by(args, ("reportlab", "textstat", "markdown_it")) == []


# -- the triage, explained ------------------------------------------------------------------

TRIAGED = """\
---
title: Triagex
---
**Usage:** Triagex treats tests.

### Side Effects
Common side effects include nausea. Less common but serious side effects include fainting.

**Rare Side Effects:**

* Hiccups

**Less Common but Serious Side Effects:**

* **Cardiovascular:** Chest pain.
* **Other:** Fever.

**Mild Effects (not serious):** Dry mouth.

If you have any unusual symptoms, seek medical help right away.
"""


def test_json_lists_every_triage_verdict_with_its_line_and_rule(tmp_path):
    _, page = one_page(tmp_path, TRIAGED)
    triage = {(v["label"], v["line"]): (v["boxed"], v["rule"]) for v in page["triage"]}
    assert all(set(v) == {"label", "line", "boxed", "rule"} for v in page["triage"])
    assert triage[("Common side effects include nausea.", 7)] == (
        False, "names no severe group and no effect to get help for")
    assert triage[("Less common but serious side effects include fainting.", 7)] == (
        True, "names a severe group and lists it: 'Less common but serious side effects'")
    assert triage[("Rare Side Effects:", 9)] == (False, "frequency word only: 'rare'")
    assert triage[("Less Common but Serious Side Effects:", 13)] == (
        True, "label says 'serious'")
    category = "category inside the severe group 'Less Common but Serious Side Effects:': " \
               "names no tier"
    assert triage[("Cardiovascular", 15)] == triage[("Other", 16)] == (True, category)
    assert triage[("Mild Effects (not serious):", 18)] == (False, "negated: 'not serious'")
    assert triage[("If you have any unusual symptoms, seek medical help right away.", 20)] == (
        False, "says to get help now but names no effect")
    lines = [v["line"] for v in page["triage"]]
    assert lines == sorted(lines)  # page order


def test_explain_prints_the_triage_for_people(tmp_path):
    write_page(tmp_path / "content", "page", TRIAGED)
    code, out = check("page", "--explain", content=tmp_path / "content")
    path = tmp_path / "content" / "page.md"
    assert f"{path}:16: triage [boxed]: Other (category inside the severe group" in out
    assert f"{path}:9: triage [not boxed]: Rare Side Effects: (frequency word only: 'rare')" \
        in out
    _, plain_out = check("page", content=tmp_path / "content")
    assert ": triage [" not in plain_out  # only when asked


# -- not drug information --------------------------------------------------------------------

DECLINED = """\
---
title: Declinex
---
# Declinex
I cannot provide information on a combination of Declinex and Refusol. There is no such
product: {"_id": 1, "body_html": "<p>text</p>"}
"""
PARTLY = """\
---
title: Partlyx
---
I cannot provide information on Partlyx as one medicine. Here is each part:

### Usage
Partlyx treats tests.

### Side Effects
* Nausea
"""


def test_a_page_that_declines_is_an_error_with_its_line(tmp_path):
    code, page = one_page(tmp_path, DECLINED)
    assert code == 1
    [error] = page["errors"]
    assert error["kind"] == "not_drug_information" and error["line"] == 5
    assert "no usage section and no side effects" in error["message"]
    assert "'I cannot provide information on a combination of Declinex" in error["message"]


def test_a_page_that_declines_for_one_part_is_a_warning(tmp_path):
    code, page = one_page(tmp_path, PARTLY)
    assert code == 0 and page["errors"] == []
    [warning] = [w for w in page["warnings"] if w["kind"] == "not_drug_information"]
    assert warning["line"] == 4 and "declines to give information" in warning["message"]


def test_build_refuses_what_is_not_a_handout_and_builds_the_rest(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    write_page(content, "declinex", DECLINED)
    write_page(content, "partlyx", PARTLY)
    write_page(content, "calmex", CLEAN.format(today=TODAY.isoformat()))
    result = run_cli("build", "--all", "--content", content, "--out", out)
    assert result.exit_code == 1
    refused = [ln for ln in result.output.splitlines() if "declinex" in ln]
    assert refused == [f"error: {content / 'declinex.md'}:5: not drug information: the page "
                       "has no usage section and no side effects and it declines to give "
                       "information ('I cannot provide information on a combination of "
                       "Declinex and Refusol.')"]
    assert sorted(p.name for p in out.glob("*.pdf")) == ["calmex.pdf", "partlyx.pdf"]
    assert f"warning: {content / 'partlyx.md'}:4: part of the page declines" in result.output
    assert "built 2, skipped 0 (up to date), failed 1" in result.output


# -- the corpus ----------------------------------------------------------------------------

@pytest.mark.corpus
def test_whole_corpus_checks_quickly_and_completely():
    expected = sorted(p.stem for p in corpus_pages()
                      if p.name.lower() not in ("readme.md", "index.md"))
    started = time.monotonic()
    code, report = check_json("--all", content=corpus_dir())
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{elapsed:.0f} s"
    assert sorted(p["name"] for p in report["pages"]) == expected
    assert code == (1 if report["totals"]["errors"] else 0)
    unparsed = 0
    for page in report["pages"]:
        assert set(page) == PAGE_KEYS
        if any(e["kind"] == "parse" for e in page["errors"]):
            unparsed += 1
            continue
        assert page["review"]["status"] == "unreviewed"
        assert isinstance(page["readability"]["grade"], float), page["path"]
        assert page["readability"]["grade"] >= 0, page["path"]
    refused = {p["name"] for p in report["pages"]
               if [e["kind"] for e in p["errors"]] == ["not_drug_information"]}
    assert {"protein", "cefepime-sulbactam"} <= refused
    assert report["totals"]["errors_by_kind"] == {"not_drug_information": len(refused)}
    assert sum(len(p["triage"]) for p in report["pages"]) > 10_000
    totals = report["totals"]
    assert 5 < totals["median_grade"] < 20  # a grade, not a formula's negative tail
    assert totals["warnings"] == sum(totals["warnings_by_kind"].values())
    assert totals["review"].get("unreviewed") == len(expected) - unparsed


# -- choosing kinds, and the grade itself ----------------------------------------------------

def test_ignore_and_kinds_choose_what_strict_fails_on():
    code, out = check("ixabepilone", "--strict")
    assert code == 1 and "[reading_grade]" in out
    code, out = check("ixabepilone", "--strict", "--ignore", "reading_grade", "--ignore",
                      "long_sentences", "--ignore", "review", "--ignore", "mojibake")
    assert code == 0 and out.splitlines() == [
        "checked 1 page: 0 error(s), 0 warning(s); median reading grade 11.0"]
    code, out = check("ixabepilone", "--kinds", "review,mojibake", "--format", "json")
    report = json.loads(out)
    assert {w["kind"] for w in report["pages"][0]["warnings"]} == {"review", "mojibake"}
    assert report["totals"]["warnings"] == 2


def test_an_unknown_kind_is_a_usage_error():
    result = run_cli("check", "ixabepilone", "--content", ROOT / "content", "--ignore",
                     "reading_grde")
    assert result.exit_code == 2
    assert "unknown kind 'reading_grde' (kinds: parse," in result.output


def test_errors_are_reported_whatever_the_kinds(tmp_path):
    write_page(tmp_path / "content", "broken", "---\ntitle: [x\n---\n# X\n")
    code, out = check("--all", "--kinds", "review", content=tmp_path / "content")
    assert code == 1 and "error [parse]" in out


def test_the_grade_counts_every_item_as_a_sentence_and_is_never_below_zero(tmp_path):
    import textstat

    from handouts.check import grade_of

    items = ["Skin rash.", "Nausea.", "Headache and a mild fever that lasts for days."]
    words = [w for i in items for w in re.findall(r"\w+", i)]
    syllables = textstat.syllable_count(" ".join(words))
    expected = 0.39 * len(words) / 3 + 11.8 * syllables / len(words) - 15.59
    assert grade_of(items) == round(max(expected, 0), 1)
    assert textstat.flesch_kincaid_grade(" ".join(items)) > expected + 1  # what it was
    assert grade_of(["Take it at night."]) == 0.0  # the formula says -2.2
    _, page = one_page(tmp_path, CLEAN.format(today=TODAY))
    assert page["readability"]["grade"] >= 0
