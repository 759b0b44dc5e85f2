"""The hand-checked triage fixtures (tests/fixtures/triage/, see its README) against the
read stage and the built PDF.

Each fixture is an excerpt of a corpus page (`NAME.md`) beside `NAME.expected.json`,
written by reading the page: every label, and every unit (a list item's text without its
leading label, or a prose sentence) as `severe` (in the warning box) or `common`. Here
each unit is looked up in the parsed model: it is severe when it lies inside a severe
side-effect group. Texts are compared with whitespace collapsed, case and punctuation
ignored (and safe inline HTML read as formatting, as the handout prints it).

`python tests/fixture_check.py [NAME ...]` prints, for each fixture the code disagrees
with, the units whose verdict differs: what a reviewer reads before changing either.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script: find the package and the helpers
    sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]

from helpers import SAFE_INLINE_TAG
from handouts.model import EffectGroup, Faq, Heading, ListBlock, Paragraph, plain

FIXTURES = Path(__file__).parent / "fixtures" / "triage"


def fixture_names() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json")
                  for p in FIXTURES.glob("*.expected.json"))


def expected(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def norm(text: str) -> str:
    """Lower case, letters and digits only, one space between words."""
    text = SAFE_INLINE_TAG.sub("", text).replace("*", "").replace("_", " ").lower()
    return " ".join(re.findall(r"[^\W_]+", text))


# -- the model: which text is inside a severe group, and what reads as a label ------------

@dataclass
class ModelView:
    pieces: list[tuple[str, bool]] = field(default_factory=list)  # (normalised, severe)
    labels: list[str] = field(default_factory=list)  # normalised label-like texts


def view_of(drug) -> ModelView:
    view = ModelView()
    for section in drug.sections:
        view.labels.append(norm(section.title))
        for part in section.parts:
            _visit(part, False, view)
    return view


def _visit(part, severe: bool, view: ModelView) -> None:
    if isinstance(part, EffectGroup):
        view.labels.append(norm(plain(part.label)))
        for block in part.blocks:
            _visit(block, severe or part.severe, view)
    elif isinstance(part, Heading):
        view.labels.append(norm(plain(part.inline)))
    elif isinstance(part, Paragraph):
        _paragraph(part, severe, view)
    elif isinstance(part, ListBlock):
        for item in part.items:
            for block in item.blocks:
                _visit(block, severe, view)
    elif isinstance(part, Faq):
        view.pieces.append((norm(plain(part.question)), severe))
        for block in part.answer:
            _visit(block, severe, view)


def _paragraph(para: Paragraph, severe: bool, view: ModelView) -> None:
    text = plain(para.inline)
    view.pieces.append((norm(text), severe))
    # a lead-in ("**Label:** ...", "Label: ..."), or a paragraph introducing a list
    head, colon, _ = text.partition(":")
    if colon:
        view.labels.append(norm(head))
    if para.inline and para.inline[0].bold:
        view.labels.append(norm(para.inline[0].text))
    if text.rstrip().endswith(":"):
        view.labels.append(norm(text))


def _within(unit: str, text: str) -> bool:
    return f" {unit} " in f" {text} "


def verdict(unit: str, view: ModelView) -> bool | None:
    """Whether the model puts `unit` in a severe group (None: not found). A piece equal
    to the unit decides; else the pieces that contain it, severe if any is."""
    same = [severe for text, severe in view.pieces if text == unit]
    if not same:
        same = [severe for text, severe in view.pieces if _within(unit, text)]
    if not same:
        return None
    return any(same) if len(set(same)) == 1 else "mixed"


@dataclass
class Comparison:
    name: str
    agree: list[str] = field(default_factory=list)
    differ: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, wanted, got)
    labels_missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differ and not self.labels_missing


def compare(name: str, drug) -> Comparison:
    """The fixture's verdicts against the parsed page `drug`."""
    want, view = expected(name), view_of(drug)
    result = Comparison(name)
    for wanted, units in (("severe", want["severe"]), ("common", want["common"])):
        for unit in units:
            got = verdict(norm(unit), view)
            shown = {True: "severe", False: "common", None: "not found"}.get(got, got)
            if shown == wanted:
                result.agree.append(unit)
            else:
                result.differ.append((unit, wanted, shown))
    result.labels_missing = [label for label in want["labels"]
                             if not any(_within(norm(label), t) for t in view.labels)]
    return result


def parse_fixture(name: str):
    from handouts.read.parse import read_page

    return read_page(FIXTURES / f"{name}.md", name)


def main(names: list[str]) -> int:
    total = agreeing = 0
    for name in names or fixture_names():
        try:
            result = compare(name, parse_fixture(name))
        except Exception as exc:  # a fixture that does not parse is a finding too
            print(f"{name}: {type(exc).__name__}: {exc}")
            continue
        total += len(result.agree) + len(result.differ)
        agreeing += len(result.agree)
        for unit, wanted, got in result.differ:
            print(f"{name}: expected {wanted}, model {got}: {unit[:100]}")
        for label in result.labels_missing:
            print(f"{name}: label not in the model: {label}")
    print(f"{agreeing} of {total} units agree")
    return 0 if agreeing == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
