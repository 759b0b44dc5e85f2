"""Shared helpers: build real PDFs through the real CLI and read them back."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
import textwrap
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from handouts.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "ixabepilone.md"
CORPUS = ROOT.parent / "shared" / "corpus"


def run_cli(*args, cwd: Path | None = None):
    """Invoke the real CLI in-process; return the click Result (exit code, output)."""
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    import os

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


def modules_loaded_by(args: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """Modules starting with `prefixes` that running the CLI with `args` imports, in a
    fresh interpreter (for the promise that --help stays light)."""
    import ast
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from handouts.cli import main; "
            f"r = CliRunner().invoke(main, {args!r}); assert r.exit_code == 0, r.output; "
            f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout)


def write_page(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    data = text if isinstance(text, bytes) else textwrap.dedent(text).lstrip("\n").encode()
    path.write_bytes(data)
    return path


def build_page(tmp_path: Path, name: str, text, *extra):
    """Write a page into tmp content/, build it, return (result, pdf path)."""
    content, out = tmp_path / "content", tmp_path / "out"
    write_page(content, name, text)
    result = run_cli("build", name, "--content", content, "--out", out, *extra)
    return result, out / f"{name}.pdf"


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def fast_text(path: Path) -> str:
    """Text of every page via pypdf: no positions, but fast on hundreds of pages."""
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def pdf_words(path: Path) -> set[str]:
    return set(words(pdf_text(path)))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed")
    result = run_cli("build", "ixabepilone", "--content", ROOT / "content", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "ixabepilone.pdf"


def source_words(path: Path) -> list[str]:
    """Words of a page body as a reader sees them, found independently of our parser:
    markdown-it's own HTML rendering with tags stripped, mojibake repaired."""
    import html

    import ftfy
    import frontmatter
    from markdown_it import MarkdownIt

    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    rendered = MarkdownIt("commonmark", {"html": False}).render(post.content)
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    return words(ftfy.fix_text(text, uncurl_quotes=False))


def renamed_label_words(drug) -> Counter:
    """Words of standard section labels, which the handout may print under a friendlier
    heading (the only words a build is allowed to drop), counted: "Side Effects" may
    drop one "Side", not every "Side" on the page."""
    return Counter(w for s in drug.sections if s.standard for w in words(s.title))


def box_rects(page, fill_hex: str):
    """Rectangles on a pdfplumber page filled with the warning-box colour."""
    want = tuple(int(fill_hex[i:i + 2], 16) / 255 for i in (1, 3, 5))
    found = []
    for rect in page.rects:
        colour = rect.get("non_stroking_color")
        if rect.get("fill") and colour and len(colour) == 3 and all(
                abs(a - b) < 0.01 for a, b in zip(colour, want)):
            found.append(rect)
    return found


def boxed_text(path: Path, fill_hex: str, page_indexes=None) -> str:
    """The text drawn inside warning-box rectangles (all pages, or those given), in
    drawing order, one space between lines."""
    out, top = [], None
    with pdfplumber.open(path) as pdf:
        indexes = range(len(pdf.pages)) if page_indexes is None else page_indexes
        for index in indexes:
            page = pdf.pages[index]
            rects = box_rects(page, fill_hex)
            for char in page.chars:
                if any(_within(char, rect) for rect in rects):
                    same_line = top == round(char["top"])
                    out.append(char["text"] if same_line else " " + char["text"])
                    top = round(char["top"])
    return " ".join("".join(out).split())


def _within(char, rect) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return rect["x0"] <= x <= rect["x1"] and rect["top"] <= y <= rect["bottom"]
