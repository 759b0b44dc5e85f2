"""Content taller than a page splits across pages: no layout error, no empty page,
nothing lost, the disclaimer (here the style's default) in every footer, and a split
box's text all inside its parts. The corpus checks do the checking."""

from __future__ import annotations

import pytest

from helpers import write_page
from corpus_check import check_page
from handouts.read.workspace import Page

WORDS = " ".join(f"word{i}" for i in range(1500))
LONG_WORD = "x" * 300  # a long URL: wider than a line, not than a page

CASES = {
    "paragraph": f"### Usage\n{WORDS}\n",
    "list item": f"### Side Effects\n* {WORDS}\n* Nausea\n",
    "box item": f"### Side Effects\n**Serious side effects:**\n\n* {WORDS}\n* Seizures\n",
    "box prose": f"### Side Effects\nSerious side effects include {WORDS}.\n",
    "box label": f"### Side Effects\n**Serious side effects {WORDS}:**\n\n* Seizures\n",
    "nested list in box": f"### Side Effects\n**Serious:**\n\n* Top\n    * {WORDS}\n",
    "heading": f"### Usage {WORDS}\nText under it.\n",
    "faq": f"### Usage\nFor tests.\n### FAQs\n* **Q: {WORDS}?** A: {WORDS}\n",
    "word wider than a line": f"### Side Effects\n**Serious:**\n\n* {LONG_WORD}\n\n"
                              f"{LONG_WORD} {WORDS}\n",  # (a word split by a page break
                              # is not rejoined by the check: keep it away from one)
    "code block": "### Usage\n```\n" + "\n".join(f"line {i}" for i in range(200)) + "\n```\n",
    "many sections": "### Usage\nFor tests.\n\n" + "".join(f"### Part {i}\n{WORDS[:2000]}\n\n"
                                                       for i in range(30)),
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_taller_than_a_page_splits_and_keeps_everything(tmp_path, body):
    path = write_page(tmp_path / "content", "tall", f"---\ntitle: Tall\n---\n{body}")
    report = check_page(Page("tall", path), tmp_path / "out")
    assert report.failure == report.refused == ""
    assert report.pdf_pages >= 2
    assert (report.missing, report.problems) == ([], [])
