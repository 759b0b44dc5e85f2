"""Shared test helpers: build real PDFs through the real CLI, read them back once, and
find the corpus. Fixtures and hooks live in conftest.py; everything else is here."""

from __future__ import annotations

import hashlib
import re
import shutil
import textwrap
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping

import pytest
from click.testing import CliRunner

from handouts.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "ixabepilone.md"
CORPUS = ROOT.parent / "shared" / "corpus"

PHONE, AFTER_HOURS = "555-0100", "555-0199"
EMERGENCY = "For an emergency call 911."
CLINIC = "Riverside Example Clinic"
ADDRESS = "12 River Road, Springfield"


# -- the CLI ---------------------------------------------------------------------------

def run_cli(*args):
    """Invoke the real CLI in-process, in the current folder; return the click Result."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def outputs_of(result) -> list[Path]:
    """The PDFs a build says it wrote or found up to date (`out/x.pdf (3 pages)`)."""
    found = re.findall(r"^(.+\.pdf) \((?:\d+ pages?|up to date)\)$", result.stdout, re.M)
    return [Path(p).absolute() for p in found]


def run_cli_in(monkeypatch, cwd: Path, *args):
    """`run_cli` from another folder. The folder is changed with `monkeypatch.chdir`, so
    pytest puts it back when the test (or the MonkeyPatch context) ends."""
    monkeypatch.chdir(cwd)
    return run_cli(*args)


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


SUMMARY = re.compile(r"built (\d+), skipped (\d+) \(up to date\), failed (\d+), warnings (\d+)")


def counts(output: str) -> tuple[int, int, int]:
    """(built, skipped, failed) from a batch's summary line."""
    built, skipped, failed, _ = map(int, SUMMARY.search(output).groups())
    return built, skipped, failed


def live_in_group(pgid: int) -> list[int]:
    """Processes of process group `pgid` still running (zombies, already dead, aside)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split() if stat else ()
        if fields and int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


# -- pages and workspaces --------------------------------------------------------------

def qpdf_check(path: Path) -> None:
    """`qpdf --check` passes (.ci/run installs qpdf; a missing qpdf fails, never skips)."""
    import shutil
    import subprocess

    assert shutil.which("qpdf"), "qpdf is not installed (apt-get install qpdf)"
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def built_path(result) -> Path:
    """The PDF a `build` run says it wrote (`out/NAME[.STYLE].pdf (N pages)`)."""
    found = re.findall(r"^(\S.*\.pdf) \(\d+ pages?\)$", result.stdout, re.M)
    assert len(found) == 1, result.output
    return Path(found[0])


def write_page(folder: Path, name: str, text) -> Path:
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
    made = outputs_of(result)
    return result, made[0] if made else out / f"{name}.pdf"


def make_logo(path: Path, size=(240, 120), colour=(11, 60, 93)) -> Path:
    """A real PNG (or JPEG by suffix), drawn with Pillow (a ReportLab dependency)."""
    from PIL import Image

    Image.new("RGB", size, colour).save(path)
    return path


def write_config(folder: Path, text: str) -> Path:
    path = folder / "handouts.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def copy_pages(pages, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, folder / page.name)
    return folder


def clinic_workspace(root: Path, pages=(SEED,)) -> Path:
    """content/ with the given pages, a full handouts.yaml and its logo."""
    copy_pages(pages, root / "content")
    make_logo(root / "logo.png")
    write_config(root, f"""
        clinic:
          name: {CLINIC}
          address: {ADDRESS}
          logo: logo.png
          logo_alt: River logo
        phones:
          care_team: '{PHONE}'
          after_hours: '{AFTER_HOURS}'
        emergency: {EMERGENCY}
        """)
    return root


# -- the corpus ------------------------------------------------------------------------

@cache
def _corpus_pages() -> tuple[Path, ...]:
    return tuple(sorted(CORPUS.rglob("*.md"))) if CORPUS.is_dir() else ()


def corpus_pages() -> list[Path]:
    """Every page of ../shared/corpus, sorted. CI always has the corpus: without it the
    checkout is broken, so the test fails (it never shrinks or passes on less)."""
    pages = _corpus_pages()
    if not pages:
        what = "no .md pages in it" if CORPUS.is_dir() else "no such folder"
        pytest.fail(f"../shared/corpus not found: {CORPUS} ({what}); the corpus "
                    "belongs beside this checkout", pytrace=False)
    return list(pages)


def drug_pages(pages: list[Path]) -> list[Path]:
    """The pages the content gate lets through (the rest are not drug information, and
    `build` refuses them)."""
    from handouts.read.gate import gate
    from handouts.read.parse import read_page

    return [page for page in pages if not gate(read_page(page))[0]]


def corpus_dir() -> Path:
    """../shared/corpus, once corpus_pages() has found pages in it."""
    corpus_pages()
    return CORPUS


def corpus_sample(count: int | None = None, step: int = 1) -> list[Path]:
    """Every `step`-th corpus page in sorted order, at most `count` of them (the same
    pages on every run)."""
    return corpus_pages()[::step][:count]


# -- words and hashes ------------------------------------------------------------------

def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    # the page's own safe inline tags (10<sup>6</sup>) print as formatting, not words
    text = SAFE_INLINE_TAG.sub(" ", text)
    return words(ftfy.fix_text(text, uncurl_quotes=False))


# The inline HTML a handout prints as formatting (README "Untrusted content").
SAFE_INLINE_TAG = re.compile(r"</?(sup|sub|i|em|b|strong)(\s[^<>]*)?>|<br\b[^<>]*>", re.I)


def renamed_label_words(drug) -> Counter:
    """Words of standard section labels, which the handout may print under a friendlier
    heading (the only words a build is allowed to drop), counted: "Side Effects" may
    drop one "Side", not every "Side" on the page."""
    return Counter(w for s in drug.sections if s.standard for w in words(s.title))


# -- reading a built PDF back, once ----------------------------------------------------

class _Read(Mapping):
    """A pdfplumber object as read back: a read-only mapping with pdfplumber's keys,
    kept as one tuple of values, values that recur (a line's top and bottom, colours,
    font names) shared: a dict per char would hold several times the memory across the
    ~160 PDFs a session keeps."""

    __slots__ = ("_values",)
    KEYS: tuple[str, ...] = ()
    UNIQUE: tuple[str, ...] = ()  # values that seldom recur: not worth sharing
    _INDEX: dict[str, int] = {}
    _SHARE: tuple[bool, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._INDEX = {key: n for n, key in enumerate(cls.KEYS)}
        cls._SHARE = tuple(key not in cls.UNIQUE for key in cls.KEYS)

    def __init__(self, obj: Mapping):
        self._values = tuple(_shared(obj.get(key)) if share else obj.get(key)
                             for key, share in zip(self.KEYS, self._SHARE))

    def __getitem__(self, key: str):
        return self._values[self._INDEX[key]]

    def __iter__(self):
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


_SHARED: dict = {}


def _shared(value):
    """One object for equal values (floats, text, tuples of floats)."""
    kind = type(value)
    if kind is float or kind is str or (kind is tuple and all(type(v) is float for v in value)):
        return _SHARED.setdefault(value, value)
    return value


class Char(_Read):
    __slots__ = ()
    KEYS = ("text", "fontname", "size", "x0", "x1", "top", "bottom", "doctop", "width",
            "height", "upright", "non_stroking_color", "stroking_color", "tag", "mcid")


class Shape(_Read):  # a rect, line or curve
    __slots__ = ()
    KEYS = ("x0", "x1", "top", "bottom", "width", "height", "fill", "stroke", "linewidth",
            "non_stroking_color", "stroking_color")


class Image(_Read):
    __slots__ = ()
    KEYS = ("x0", "x1", "top", "bottom", "width", "height")


@dataclass(frozen=True)
class PageBack:
    """One PDF page as pdfplumber read it: the objects tests look at, read-only
    (chars, rects, lines and curves are mappings with pdfplumber's keys)."""

    index: int
    width: float
    height: float
    chars: tuple[Mapping, ...]
    rects: tuple[Mapping, ...]
    lines: tuple[Mapping, ...]
    curves: tuple[Mapping, ...]
    images: tuple[Mapping, ...]

    @cached_property
    def text(self) -> str:
        """What pdfplumber's page.extract_text() gives."""
        from pdfplumber.utils import chars_to_textmap

        return chars_to_textmap(list(self.chars), layout_bbox=(0, 0, self.width, self.height),
                                layout_width=self.width, layout_height=self.height).as_string

    @cached_property
    def words(self) -> tuple[Mapping, ...]:
        """What pdfplumber's page.extract_words() gives."""
        from pdfplumber.utils import extract_words

        return tuple(MappingProxyType(w) for w in extract_words(list(self.chars)))

    def text_within(self, bbox) -> str:
        """The text of the chars wholly inside (x0, top, x1, bottom), as
        page.within_bbox(bbox).extract_text() gives it."""
        from pdfplumber.utils import within_bbox

        return text_of(within_bbox(self.chars, bbox))

    def text_crossing(self, bbox) -> str:
        """The text of the chars inside (x0, top, x1, bottom) or crossing its edge, as
        page.crop(bbox).extract_text() gives it."""
        from pdfplumber.utils import crop_to_bbox

        return text_of(crop_to_bbox(self.chars, bbox))


def text_of(chars) -> str:
    """pdfplumber's text of some chars, in reading order."""
    from pdfplumber.utils import extract_text

    return extract_text(list(chars))


@dataclass(frozen=True, eq=False)
class Element:
    """A structure element: its tag ("H1", "P", ...), /Alt, and its /K in order: child
    elements and (page index, MCID) marks of its own marked content."""

    tag: str
    alt: str | None
    parts: tuple

    @property
    def kids(self) -> tuple["Element", ...]:
        return tuple(p for p in self.parts if isinstance(p, Element))

    def marks(self) -> Iterator[tuple[int, int]]:
        """(page index, MCID) of all its marked content, its kids' included, in tree order."""
        for part in self.parts:
            if isinstance(part, Element):
                yield from part.marks()
            else:
                yield part


@dataclass(frozen=True)
class ReadBack:
    """A built PDF parsed back once: pdfplumber's pages, pikepdf's structure tree and
    title. Get one with read_back(path)."""

    path: Path
    pages: tuple[PageBack, ...]
    title: str
    tree: Element | None  # the StructTreeRoot's element (None: an untagged PDF)

    @cached_property
    def text(self) -> str:
        """Every page's text, a line break between pages."""
        return "\n".join(page.text for page in self.pages)

    @cached_property
    def marked_text(self) -> Mapping[tuple[int, int], str]:
        """The text of each (page index, MCID) of marked content."""
        groups: dict = {}
        for page in self.pages:
            for c in page.chars:
                if c["mcid"] is not None:
                    groups.setdefault((page.index, c["mcid"]), []).append(c)
        return MappingProxyType({key: text_of(chars) for key, chars in groups.items()})

    def elements(self) -> list[Element]:
        """Every structure element, depth first, in tree order."""
        out, todo = [], [self.tree]
        while todo:
            el = todo.pop(0)
            out.append(el)
            todo[0:0] = el.kids
        return out

    def parent_of(self, el: Element) -> Element:
        return next(e for e in self.elements() if any(k is el for k in e.kids))

    def tree_words(self, el: Element | None = None) -> list[str]:
        """The words of an element's marked content (of the whole tree by default)."""
        return [w for mark in (el or self.tree).marks()
                for w in words(self.marked_text.get(mark, ""))]  # a Figure has no text

    def pages_of(self, el: Element) -> set[int]:
        return {page for page, _ in el.marks()}


_read: dict[Path, tuple[tuple, ReadBack]] = {}  # path -> (what was read, its reading)


def read_back(path: Path) -> ReadBack:
    """The PDF at `path`, parsed once: read again only when its size, time or bytes
    change (a rebuilt file is read anew), or after forget_readings()."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (stat.st_size, stat.st_mtime_ns, sha256(path))
    seen = _read.get(path)
    if seen is None or seen[0] != key:
        seen = _read[path] = (key, _parse_back(path))
    return seen[1]


def forget_readings() -> None:
    """Drop every kept reading (conftest does so after each test module)."""
    _read.clear()
    _SHARED.clear()


def _parse_back(path: Path) -> ReadBack:
    import pdfplumber
    import pikepdf

    with pdfplumber.open(path) as pdf:
        pages = tuple(PageBack(
            n, float(pg.width), float(pg.height), tuple(map(Char, pg.chars)),
            *(tuple(map(Shape, shapes)) for shapes in (pg.rects, pg.lines, pg.curves)),
            tuple(map(Image, pg.images)))
            for n, pg in enumerate(pdf.pages))
    with pikepdf.open(path) as pdf:
        index = {pg.objgen: n for n, pg in enumerate(pdf.pages)}
        root = pdf.Root.get("/StructTreeRoot")
        tree = _element(root.K, index) if root is not None else None
        title = str(pdf.docinfo.get("/Title", ""))
    return ReadBack(path, pages, title, tree)


def _element(el, index) -> Element:
    import pikepdf

    k = el.get("/K")
    parts = []
    for kid in (list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]):
        if isinstance(kid, int):
            parts.append((index[el.Pg.objgen], int(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            parts.append((index[kid.get("/Pg", el.get("/Pg")).objgen], int(kid.MCID)))
        elif isinstance(kid, pikepdf.Dictionary):
            parts.append(_element(kid, index))
    alt = el.get("/Alt")
    return Element(str(el.S).lstrip("/"), None if alt is None else str(alt), tuple(parts))


def pdf_text(path: Path) -> str:
    return read_back(path).text


def page_texts(path: Path) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [" ".join(page.text.split()) for page in read_back(path).pages]


def fast_text(path: Path) -> str:
    """Text of every page via pypdf: no positions, but fast on hundreds of pages."""
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def pdf_words(path: Path) -> set[str]:
    return set(words(pdf_text(path)))


# -- PDF/UA validators -----------------------------------------------------------------

# pdfua 0.1.3 cannot evaluate UA-14-001 (empty headings) for a heading whose /K is an
# array (a heading split across pages): it calls getattr() on a pikepdf Array, which
# raises. test_headings_have_text_and_nest checks that rule's point instead.
PDFUA_KNOWN_SKIP = "UA-14-001  not evaluated: rule raised ValueError"


def ua1_failures(paths) -> dict[str, list[str]]:
    """page-validation's ua1 profile: the failed rules of each file that has any."""
    import page

    failed = {}
    for path in paths:
        report = page.validate_pdf(path, profile="ua1")
        if not report.is_compliant or report.rules.failed:
            failed[Path(path).name] = sorted({f"{f.rule_id}: {f.message}"
                                              for f in report.failures})
    return failed


def assert_pdfua_passes(paths) -> None:
    """`pdfua check` reports no finding for any file, and skips only the known rule."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pdfua", "check", *map(str, paths)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("result: PASS (no findings)") == len(paths), done.stdout
    skipped = [line for line in done.stdout.splitlines() if "[skip" in line]
    assert all(PDFUA_KNOWN_SKIP in line for line in skipped), skipped


# -- the warning box -------------------------------------------------------------------

def box_rects(page, fill_hex: str) -> list:
    """Rectangles on a page (read back, or pdfplumber's own) filled with `fill_hex`."""
    want = tuple(int(fill_hex[i:i + 2], 16) / 255 for i in (1, 3, 5))
    found = []
    for rect in page.rects:
        colour = rect.get("non_stroking_color")
        if rect.get("fill") and colour and len(colour) == 3 and all(
                abs(a - b) < 0.01 for a, b in zip(colour, want)):
            found.append(rect)
    return found


def text_in_boxes(pages, fill_hex: str) -> str:
    """The text drawn inside rectangles filled with `fill_hex` on `pages` (read back, or
    pdfplumber's own), in drawing order, one space between lines."""
    out, top = [], None
    for page in pages:
        rects = box_rects(page, fill_hex)
        for char in page.chars:
            if any(_within(char, rect) for rect in rects):
                same_line = top == round(char["top"])
                out.append(char["text"] if same_line else " " + char["text"])
                top = round(char["top"])
    return " ".join("".join(out).split())


def warning_boxes(doc: ReadBack, label: str) -> list[Element]:
    """The warning boxes of a read-back PDF: Sects whose first kid is a heading that
    reads `label` (the style's box label)."""
    wanted = words(label)
    return [el for el in doc.elements() if el.tag == "Sect" and el.kids
            and el.kids[0].tag.startswith("H") and doc.tree_words(el.kids[0]) == wanted]


def boxed_text(path: Path, fill_hex: str) -> str:
    """The text inside the warning-box rectangles of every page."""
    return text_in_boxes(read_back(path).pages, fill_hex)


def _within(char, rect) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return rect["x0"] <= x <= rect["x1"] and rect["top"] <= y <= rect["bottom"]
