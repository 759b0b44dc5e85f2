"""Check: content governance for pages, without building a PDF.

Per page: parse errors and warnings, missing core sections, review status, reading
grade and long sentences, characters the fonts lack. Reads pages; never writes files.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import textstat

from . import review
from .errors import HandoutError
from .model import (
    EffectGroup, Faq, Heading, ListBlock, Notice, Paragraph, Preformatted, Verdict, plain,
)
from .read.gate import gate
from .read.parse import read_page
from .render.glyphs import Glyphs, coverage
from .settings.style_schema import faces

JSON_VERSION = 1
# Every kind a finding can have (--kinds and --ignore choose among them; README lists them).
KINDS = ("parse", "internal", "mojibake", "control_characters", "missing_section",
         "unrecognised_section", "review", "reading_grade", "long_sentences",
         "missing_glyphs", "not_drug_information")
EXPLAIN_CHARS = 120  # a triage line shows this much of a long sentence (JSON: all of it)
LONG_SENTENCE_WORDS = 25
# Sections whose text is boilerplate, not prose the page's author wrote.
NOT_PROSE = ("disclaimer", "note")
# check states missing sections itself (with the disclaimer and usage too).
_RESTATED = ("missing_section",)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W_][\w'’-]*")


@dataclass(frozen=True)
class Readability:
    grade: float | None  # Flesch-Kincaid; None when the page has no English prose
    target: float
    long_sentences: tuple[int | None, ...]  # the line of each sentence over the limit

    def as_json(self) -> dict:
        return {"grade": self.grade, "target": self.target,
                "long_sentences": len(self.long_sentences)}


@dataclass
class PageCheck:
    name: str
    path: str
    title: str | None = None
    errors: list[Notice] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    review: review.Status | None = None
    readability: Readability | None = None
    missing_glyphs: list[str] = field(default_factory=list)
    triage: list[Verdict] = field(default_factory=list)  # what is boxed and why

    def as_json(self) -> dict:
        status = self.review
        return {
            "name": self.name, "path": self.path, "title": self.title,
            "errors": [e.as_json() for e in self.errors],
            "warnings": [w.as_json() for w in self.warnings],
            "review": None if status is None else {
                "status": status.state, "reviewed_by": status.reviewed_by or None,
                "reviewed_on": _iso(status.reviewed_on), "due": _iso(status.due)},
            "readability": self.readability.as_json() if self.readability else None,
            "missing_glyphs": self.missing_glyphs,
            "triage": [v.as_json() for v in self.triage],
        }

    def triage_lines(self):
        """The triage for people: `PATH:LINE: triage [boxed]: LABEL (why)`."""
        for v in self.triage:
            where = f"{self.path}:{v.line}" if v.line else self.path
            label = v.label if len(v.label) <= EXPLAIN_CHARS else \
                v.label[:EXPLAIN_CHARS - 3] + "..."
            yield f"{where}: triage [{'boxed' if v.boxed else 'not boxed'}]: {label} ({v.rule})"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# -- one page --------------------------------------------------------------------------

class Checker:
    """Checks pages against one style (its fonts and review wording) and config."""

    def __init__(self, style, config, on: date):
        self.style, self.config, self.on = style, config, on
        self.covered = coverage(faces(style))  # the build's own rule, fonts read once

    def page(self, page) -> PageCheck:
        result = PageCheck(page.name, str(page.path))
        try:
            self._findings(read_page(page.path, page.name), result)
            return result
        except HandoutError as exc:
            error = Notice("parse", exc.reason, exc.line)
        except Exception as exc:  # a bug on one page must not stop the rest
            error = Notice("internal", f"{type(exc).__name__}: {exc}")
        return PageCheck(page.name, str(page.path), errors=[error])  # no half findings

    def _findings(self, drug, result: PageCheck) -> None:
        result.title = drug.title
        result.triage = [v for section in drug.sections for v in section.triage]
        result.errors, declined = gate(drug)  # the build refuses what is not a handout
        result.warnings = (declined + parse_warnings(drug) + missing_sections(drug)
                           + unrecognised(drug))
        result.review = review.status_of(drug.review, self.config.review.review_every, self.on)
        result.warnings += review_warnings(drug, result.review, self.style.review)
        result.readability = readability(drug, self.config.readability.target_grade)
        result.warnings += readability_warnings(result.readability)
        result.missing_glyphs, glyph_warnings = self.glyphs(drug)
        result.warnings += glyph_warnings

    def glyphs(self, drug) -> tuple[list[str], list[Notice]]:
        """Characters the build would print as [U+XXXX], with the build's own warning."""
        glyphs = Glyphs(self.covered)
        for text, _, _ in text_units(drug):
            glyphs.fix(text)
        found = [f"U+{ord(c):04X}" for c in sorted(glyphs.missing)]
        return found, [Notice("missing_glyphs", w) for w in glyphs.warnings()]


def parse_warnings(drug) -> list[Notice]:
    return [Notice(n.kind, n.message, n.line) for n in drug.warnings if n.kind not in _RESTATED]


def missing_sections(drug) -> list[Notice]:
    """The core every handout needs: what it is for, side effects with a severe group
    (the warning box), and the page's own disclaimer."""
    missing = []
    if drug.section("usage") is None:
        missing.append("no usage section: the handout does not say what the medicine is for")
    if drug.section("side_effects") is None:
        missing.append("no side-effects section")
    elif not drug.severe_groups:
        missing.append("no severe side-effect group: the handout has no warning box")
    if not drug.disclaimer:
        missing.append("no disclaimer: the footer prints the style's default disclaimer")
    return [Notice("missing_section", m) for m in missing]


def unrecognised(drug) -> list[Notice]:
    return [Notice("unrecognised_section",
                  f"section {s.title!r} is not a standard section; it prints under its own "
                  "heading", s.line)
            # a title with no parts heads a part of a combination page: not a section
            for s in drug.sections if s.kind == "other" and s.title and s.parts]


def review_warnings(drug, status: review.Status, wording) -> list[Notice]:
    out = []
    if status.state != review.CURRENT:
        out.append(Notice("review", review.describe(status, wording)))
    updated, reviewed = drug.review.updated, drug.review.reviewed_on
    if updated and reviewed and updated > reviewed:
        out.append(Notice("review", f"updated on {updated} after the review on {reviewed}: "
                                   "the changes have not been reviewed"))
    return out


# -- readability -----------------------------------------------------------------------

def text_units(drug):
    """(text, line, is_prose) for everything the handout prints from the page. Prose is
    what a patient reads as sentences: paragraphs, list items, side-effect labels and
    FAQs, outside the disclaimer, the closing note and the generic name itself."""
    yield drug.title, None, False
    yield drug.summary, None, False
    for section in drug.sections:
        yield section.title, section.line, False
        for index, part in enumerate(section.parts):
            # A generic-name section opens with the name; what follows it is prose.
            name = section.kind == "generic" and index == 0
            yield from _part_units(part, section.kind not in NOT_PROSE and not name)


def _part_units(part, prose: bool):
    if isinstance(part, Paragraph):
        yield plain(part.inline), part.line, prose
    elif isinstance(part, (Heading, Preformatted)):
        yield (plain(part.inline) if isinstance(part, Heading) else part.text), part.line, False
    elif isinstance(part, ListBlock):
        for item in part.items:
            for block in item.blocks:
                yield from _part_units(block, prose)
    elif isinstance(part, EffectGroup):
        yield plain(part.label), part.line, prose
        for block in part.blocks:
            yield from _part_units(block, prose)
    elif isinstance(part, Faq):
        yield plain(part.question), None, prose
        for block in part.answer:
            yield from _part_units(block, prose)


def readability(drug, target: float) -> Readability:
    """Flesch-Kincaid grade of the page's prose, each paragraph and list item read as
    at least one sentence; and the sentences longer than LONG_SENTENCE_WORDS words."""
    units = [(" ".join(text.split()), line) for text, line, prose in text_units(drug)
             if prose and text.strip()]
    long_lines = tuple(line for text, line in units for sentence in _SENTENCE_END.split(text)
                       if len(_WORD.findall(sentence)) > LONG_SENTENCE_WORDS)
    if not units or not drug.lang.lower().startswith("en"):
        return Readability(None, target, long_lines)  # the formula is for English
    return Readability(grade_of([text for text, _ in units]), target, long_lines)


def grade_of(units: list[str]) -> float | None:
    """Flesch-Kincaid grade, 0.39 x words per sentence + 11.8 x syllables per word -
    15.59, over the sentences of `units` (each at least one sentence, split where
    long_sentences splits them); syllables from textstat's dictionary.

    Not textstat.flesch_kincaid_grade: it leaves sentences of one or two words ("Skin
    rash.") out of the count but keeps their words. The formula goes below 0 for short
    words in short sentences ("Take it at night." is -2.2); a grade below 0 is not a
    grade, so it is reported as 0."""
    sentences = [found for text in units for sentence in _SENTENCE_END.split(text)
                 if (found := _WORD.findall(sentence))]
    words = [word for sentence in sentences for word in sentence]
    if not words:
        return None
    syllables = textstat.syllable_count(" ".join(words))
    grade = 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59
    return max(0.0, round(grade, 1))


def readability_warnings(result: Readability) -> list[Notice]:
    out = []
    if result.grade is not None and result.grade > result.target:
        out.append(Notice("reading_grade", f"reading grade {result.grade:.1f} is above the "
                                          f"target {result.target:g} (Flesch-Kincaid)"))
    if result.long_sentences:
        lines = sorted({line for line in result.long_sentences if line})
        shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
        out.append(Notice("long_sentences",
                         f"{len(result.long_sentences)} sentence(s) longer than "
                         f"{LONG_SENTENCE_WORDS} words "
                         f"(line{'s' * (len(lines) != 1)} {shown})",
                         lines[0] if lines else None))
    return out


# -- the report ---------------------------------------------------------------------------

@dataclass
class CheckReport:
    pages: list[PageCheck]
    today: date

    def failed(self, strict: bool) -> bool:
        return any(p.errors or (strict and p.warnings) for p in self.pages)

    def totals(self) -> dict:
        grades = [p.readability.grade for p in self.pages
                  if p.readability and p.readability.grade is not None]
        return {
            "pages": len(self.pages),
            "pages_with_errors": sum(1 for p in self.pages if p.errors),
            "pages_with_warnings": sum(1 for p in self.pages if p.warnings),
            "errors": sum(len(p.errors) for p in self.pages),
            "warnings": sum(len(p.warnings) for p in self.pages),
            "errors_by_kind": _count(e.kind for p in self.pages for e in p.errors),
            "warnings_by_kind": _count(w.kind for p in self.pages for w in p.warnings),
            "review": _count(p.review.state for p in self.pages if p.review),
            "median_grade": round(statistics.median(grades), 1) if grades else None,
        }

    def as_json(self) -> dict:
        return {"version": JSON_VERSION, "today": self.today.isoformat(),
                "pages": [p.as_json() for p in self.pages], "totals": self.totals()}

    def text_lines(self, explain: bool = False):
        """One line per problem, `PATH[:LINE]: error|warning [kind]: message` (with
        `explain`, then the page's triage), then totals."""
        for page in self.pages:
            for level, issues in (("error", page.errors), ("warning", page.warnings)):
                for issue in issues:
                    where = f"{page.path}:{issue.line}" if issue.line else page.path
                    yield f"{where}: {level} [{issue.kind}]: {issue.message}"
            if explain:
                yield from page.triage_lines()
        t = self.totals()
        kinds = ", ".join(f"{k} {n}" for k, n in t["warnings_by_kind"].items())
        grade = (f"; median reading grade {t['median_grade']:.1f}"
                 if t["median_grade"] is not None else "")
        yield (f"checked {t['pages']} page{'s' * (t['pages'] != 1)}: {t['errors']} error(s), "
               f"{t['warnings']} warning(s)" + (f" ({kinds})" if kinds else "") + grade)


def _count(kinds) -> dict:
    return dict(sorted(Counter(kinds).items()))


def kinds_kept(kinds: str | None, ignore) -> frozenset[str]:
    """The kinds to report from --kinds (comma-separated) and --ignore (repeated);
    an unknown kind is an error listing the known ones (a typo must not silently keep
    a CI check quiet)."""
    chosen = [k.strip() for k in kinds.split(",") if k.strip()] if kinds is not None else []
    unknown = sorted({k for k in (*chosen, *ignore) if k not in KINDS})
    if unknown:
        raise HandoutError(f"unknown kind {', '.join(map(repr, unknown))} "
                           f"(kinds: {', '.join(KINDS)})")
    return frozenset(chosen or KINDS) - set(ignore)


def only(report: CheckReport, kinds: frozenset[str]) -> CheckReport:
    """The report with only the warnings of `kinds` (exit status and totals follow).
    Errors always stay: a page that cannot be read cannot be handed out."""
    pages = [dataclasses.replace(p, warnings=[w for w in p.warnings if w.kind in kinds])
             for p in report.pages]
    return CheckReport(pages, report.today)


def check_pages(pages, style, config, on: date | None = None) -> CheckReport:
    """Check every page; a page that fails to parse is an error and the rest go on."""
    on = on or review.today()
    checker = Checker(style, config, on)
    return CheckReport([checker.page(page) for page in pages], on)
