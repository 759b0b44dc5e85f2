"""Hypothesis strategies for hostile workspaces, and the property every build must hold:
a PDF that passes `qpdf --check` and prints every word, or exactly one error line naming
the file; never a traceback, an "internal error" or a hang. Used by tests/test_fuzz.py
(bounded) and benchmarks/fuzz.py (long runs with counts)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

from hypothesis import strategies as st

from helpers import run_cli, words

# Words the checker looks for in the PDF: none is a standard section label (those may
# be printed under friendlier headings), and none can be eaten by Markdown syntax.
VOCABULARY = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
              "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
              "zyxel", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
              "whiskey", "xray", "yankee", "zulu", "mg", "dose", "tablet")
# Pieces from the security guide: markup, entities, hidden characters, escapes, scripts
# the fonts lack, Markdown edge cases. Each is text to print or one clear error.
HOSTILE = (
    '<font color="[[[getattr(pow,Word(\'__globals__\'))]]]">x</font>', '<img src="/etc/passwd"/>',
    '<onDraw name="showPage"/>', '<a href="file:///etc/passwd">x</a>', "</para>", "<i>",
    "S&P", "dose <5 mg & >2 mg", "&amp;", "&#8238;", "&shy;", "&ZeroWidthSpace;", "&#x200F;",
    "&#0;", "&#xD800;", "&bogus;", "\u202e", "\u200b", "\u00ad", "\x00", "\x07", "\x1b[2J",
    "\x1b]0;OWNED\x07", "中文", "مرحبا", "🙂", "e\u0301", "\ufeff", "*" * 40 + "x" + "*" * 40,
    "[" * 30, "`code`", "\\", "---", "> quote", "1. one", "    indented code", "x" * 3000,
    "**bold**", "_em_", "[link](javascript:alert(1))", "![img](/etc/passwd)", "<>", "%PDF-",
    "{page}", "=?UTF-8?Q?=0A?=", "\t", "NO", "0012345", "!!python/object:os.system",
)
LABELS = ("Usage", "Side Effects", "Common Side Effects:", "Serious Side Effects:",
          "Less common but serious side effects include:", "How it works", "Precautions",
          "Interactions", "FAQs", "Disclaimer", "Dosage", "Storage", "Rare side effects")

OPENERS = ("### Usage", "**Usage:** alpha bravo", "### Side Effects", "**Side Effects:**",
           "### Usage", "### Side Effects", "")
word = st.sampled_from(VOCABULARY)
piece = st.one_of(word, word, word, st.sampled_from(HOSTILE),
                  st.text(max_size=8).filter(lambda t: "\n" not in t and "---" not in t))
phrase = st.lists(piece, min_size=1, max_size=12).map(" ".join)


@st.composite
def block(draw) -> str:
    kind = draw(st.sampled_from(("para", "heading", "bold", "list", "nested", "label")))
    if kind == "heading":
        return f"### {draw(st.sampled_from(LABELS))}"
    if kind == "bold":
        return f"**{draw(st.sampled_from(LABELS))}**"
    if kind == "label":
        return f"**{draw(st.sampled_from(LABELS))}** {draw(phrase)}"
    if kind in ("list", "nested"):
        items = draw(st.lists(phrase, min_size=1, max_size=6))
        indent = "  " if kind == "nested" else ""
        return "\n".join(f"{indent * (i % 2)}* {item}" for i, item in enumerate(items))
    return draw(phrase)


def _yaml_text(value: str) -> str:
    """A double-quoted YAML scalar (escapes keep hostile characters intact)."""
    return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


@st.composite
def page(draw) -> str:
    meta = [f"title: {_yaml_text(draw(phrase))}"]
    if draw(st.booleans()):
        meta.append(f"summary: {_yaml_text(draw(phrase))}")
    if draw(st.booleans()):
        meta += [f"reviewed_by: {_yaml_text(draw(phrase))}", "reviewed_on: 2025-01-01"]
    if draw(st.booleans()):
        meta.append(draw(st.sampled_from(("lang: en", "lang: '../x'", "sources: [a, b]",
                                          "title2: x", "review_every: 0", "a: *b",
                                          "sources: " + "[" * 25 + "]" * 25))))
    # Most pages open a section the content gate looks for, as every corpus page does, so
    # most cases reach the layout; the rest (no usage, no side effects) must be refused.
    opener = draw(st.sampled_from(OPENERS))
    blocks = ([opener] if opener else []) + draw(st.lists(block(), min_size=1, max_size=10))
    return "---\n" + "\n".join(meta) + "\n---\n\n" + "\n\n".join(blocks) + "\n"


STYLE_KEYS = (("body", "size"), ("body", "leading"), ("list", "bullet"), ("warning", "label"),
              ("heading", "size"), ("page", "margin_top"), ("footer", "page_label"),
              ("headings", "usage"), ("warning", "call"), ("page", "size"))
STYLE_VALUES = ("12", "14", "0", "-3", "1e6", "72", "'•'", "'中'", "'\\u202e'", "'x'",
                "'Page {page} of {pages}'", "a4", "[1, 2]", "{a: 1}", "'\\e[2J'", "'20 mm'")


@st.composite
def style(draw) -> str:
    lines = ["extends: default"]
    for block_key, key in draw(st.lists(st.sampled_from(STYLE_KEYS), max_size=3, unique=True)):
        lines.append(f"{block_key}: {{{key}: {draw(st.sampled_from(STYLE_VALUES))}}}")
    return "\n".join(lines) + "\n"


PHONES = ("555-0100", "TBD", "555\u202e0100", "+44 20 7946 0000", "555\x1b0100")


@st.composite
def config(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines += ["clinic:", f"  name: {_yaml_text(draw(phrase)[:100])}"]
    if draw(st.booleans()):
        lines += ["phones:", f"  care_team: {_yaml_text(draw(st.sampled_from(PHONES)))}"]
    if draw(st.booleans()):
        lines.append(f"emergency: {_yaml_text(draw(phrase)[:150])}")
    return "\n".join(lines) + "\n"


def source_words(text: str) -> set[str]:
    """Vocabulary words the page body holds as whole words (what must be printed)."""
    body = text.split("\n---\n", 1)[1]
    return {w for w in words(body) if w in VOCABULARY}


def check_build(root: Path, page_text: str, style_text: str | None, config_text: str | None,
                counts: Counter) -> None:
    """Build one generated workspace with the real CLI and assert the property."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "fuzz.md").write_text(page_text, encoding="utf-8", errors="surrogatepass")
    args = ["build", "fuzz", "--content", content, "--out", root / "out", "--force"]
    if style_text is not None:
        (root / "s.yaml").write_text(style_text, encoding="utf-8")
        args += ["--style", root / "s.yaml"]
    if config_text is not None:
        (root / "c.yaml").write_text(config_text, encoding="utf-8")
        args += ["--config", root / "c.yaml"]
    counts["cases"] += 1
    result = run_cli(*args)
    output = result.output
    assert "No such option" not in output and "Usage:" not in output, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert "took longer than" not in output, output
    # out/fuzz.pdf, or out/fuzz.s.pdf with the generated style (a style other than the
    # clinic's names the file)
    pdfs = sorted((root / "out").glob("*.pdf"))
    if result.exit_code == 0:
        assert len(pdfs) == 1, output
        pdf = pdfs[0]
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        printed = set(words(_pdf_text(pdf)))
        assert source_words(page_text) <= printed, source_words(page_text) - printed
        counts["pdfs"] += 1
        return
    errors = [line for line in output.splitlines() if re.match(r"(?i)error:? ", line)]
    assert len(errors) == 1, output
    assert pdfs == [], output
    counts["error lines"] += 1


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True)
    return done.stdout
