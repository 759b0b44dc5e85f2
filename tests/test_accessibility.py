"""Every handout is a tagged PDF/UA-1 document, in every shipped style: two validators
pass it, its structure tree reads like its pages, and the large-print and monochrome
styles keep their promises. Real PDFs built through the CLI, read back."""

from __future__ import annotations

from pathlib import Path

import page
import pikepdf
import pytest

from handouts.read.parse import read_page
from handouts.settings.style import load_style
from helpers import (
    ROOT, assert_pdfua_passes, corpus_dir, corpus_sample, read_back, run_cli, text_of,
    ua1_failures, warning_boxes, words, write_page,
)

STYLES = ("default", "large-print", "monochrome")
SAMPLE_STEP = 21  # every 21st corpus page, sorted: 51 of 1,071, all letters of the corpus
TEXT_STEP = 5  # every 5th built file also gets the (slower) tree-vs-page text check
SEED_NAME = "ixabepilone"

# A page made to split: a paragraph longer than a page (one P, content on 2+ pages),
# a warning box longer than a page (its label and group label repeated, as artifacts;
# whom to call once, at its end),
# an ordered list with a nested list, and emphasis (italic, except in large print).
SPLIT_PAGE = "\n".join([
    "---", "title: Splitting test", "---", "", "# Splitting test", "",
    "**Usage:** " + " ".join(f"Sentence {n} says *how* the medicine helps." for n in range(60)),
    "", "**Dosage:**", "",
    "1. First step", "   * nested point one", "   * nested point two", "2. Second step", "",
    "**Side Effects:**", "", "**Common side effects:**", "",
    *[f"* Common effect {n}" for n in range(5)], "",
    "**Serious side effects:**", "",
    *[f"* Serious effect {n}, which needs a call to the care team at once." for n in range(70)],
    "",
])


@pytest.fixture(scope="module", params=STYLES)
def built(request, tmp_path_factory) -> list[Path]:
    """The seed, the split page and the corpus sample, built in one style."""
    style, out = request.param, tmp_path_factory.mktemp(request.param)
    split = write_page(tmp_path_factory.mktemp("content"), "splitting", SPLIT_PAGE)
    sample = corpus_sample(step=SAMPLE_STEP)
    for content, names in ((ROOT / "content", [SEED_NAME]), (split.parent, [split.stem]),
                           (corpus_dir(), [p.stem for p in sample])):
        result = run_cli("build", *names, "--content", content, "--out", out, "--style", style)
        assert result.exit_code == 0, result.output
    suffix = "" if style == "default" else f".{style}"
    return [out / f"{name}{suffix}.pdf"
            for name in [SEED_NAME, split.stem, *(p.stem for p in sample)]]


def test_sample_spans_the_corpus():
    sample = corpus_sample(step=SAMPLE_STEP)
    assert len(sample) >= 50
    assert len({p.parent.name for p in sample}) >= 15  # spread over the letter folders


# -- validators ------------------------------------------------------------------------

def test_page_validation_ua1_no_failed_rule(built):
    assert ua1_failures(built) == {}


def test_page_validation_catches_an_untagged_pdf(tmp_path):
    """The check above means something: a plain ReportLab PDF fails it."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(tmp_path / "plain.pdf"))
    canvas.drawString(72, 720, "Untagged text")
    canvas.save()
    report = page.validate_pdf(tmp_path / "plain.pdf", profile="ua1")
    assert not report.is_compliant
    assert "PDFUA1-STRUCT-TREE-ROOT-001" in {f.rule_id for f in report.failures}


def test_pdfua_check_no_findings(built):
    assert_pdfua_passes(built)


# -- the structure tree ------------------------------------------------------------------

def read_closely(built) -> list[Path]:
    """The files the slower read-back checks look at: seed, split page, every 5th."""
    return built[:2] + built[2::TEXT_STEP]


def test_tree_reads_like_the_pages(built):
    """The tree's marked content, in tree order, is the pages' text in reading order
    minus artifacts; the disclaimer (page 1's footer) is read once, last."""
    for path in read_closely(built):
        tree, pages = read_back(path).tree_words(), page_words(path)
        assert tree == pages, f"{path.name}: first difference at word {_diverge(tree, pages)}"


def test_headings_have_text_and_nest(built):
    for path in read_closely(built):
        doc = read_back(path)
        headings = [(int(el.tag[1:]), doc.tree_words(el)) for el in doc.elements()
                    if el.tag[:1] == "H"]
        assert headings[0] == (1, words(doc.title)), path.name
        assert all(text for _, text in headings), path.name
        levels = [level for level, _ in headings]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (path.name, levels)


def test_warning_box_items_are_inside_its_grouping_element(built):
    doc = read_back(built[0])
    drug = read_page(ROOT / "content" / f"{SEED_NAME}.md")
    severe = [e.label for g in drug.severe_groups for e in g.effects]
    common = [e.label for s in drug.sections for g in s.groups if not g.severe
              for e in g.effects]
    assert len(severe) == 4 and len(common) == 10
    [box] = boxes(doc)
    inside = " ".join(doc.tree_words(box))
    for item in severe:
        assert " ".join(words(item)) in inside, item
    for item in common:
        assert " ".join(words(item)) not in inside, item
    assert "Call your doctor or care team right away" in inside  # whom to call
    [items] = [k for k in box.kids if k.tag == "L"]
    assert [li.tag for li in items.kids] == ["LI"] * 4
    assert [[k.tag for k in li.kids] for li in items.kids] == [["Lbl", "LBody"]] * 4


def test_split_paragraph_and_box_keep_one_element(built):
    doc = read_back(built[1])
    assert len(doc.pages) >= 4
    usage = max((el for el in doc.elements() if el.tag == "P"),
                key=lambda el: len(doc.tree_words(el)))
    assert doc.tree_words(usage)[:2] == ["Sentence", "0"]
    pages = sorted(doc.pages_of(usage))  # one P, marked content on two pages or more
    assert len(pages) >= 2 and pages == list(range(pages[0], pages[-1] + 1))
    [box] = boxes(doc)
    assert len(doc.pages_of(box)) >= 2
    nested = [el for el in doc.elements() if el.tag == "LBody" and any(
        k.tag == "L" for k in el.kids)]
    outer = doc.parent_of(doc.parent_of(nested[0]))  # LBody < LI < L
    assert outer.tag == "L"
    assert [doc.tree_words(li.kids[0]) for li in outer.kids] == [["1"], ["2"]]  # Lbl numbers
    text = text_by_tag(built[1])
    assert "(continued)" in text["Artifact"] and "(continued)" not in text["content"]
    # each later part names the group it goes on with, as an artifact
    assert "Serious side effects (continued):" in text["Artifact"]
    assert text["content"].count("Serious side effects") == 1
    # whom to call: once, at the end of the box
    assert text["content"].count("Call your doctor or care team") == 1
    assert "Call your doctor or care team" not in text["Artifact"]


def test_catalog_metadata_and_pages(built):
    for path in built[:2]:
        with pikepdf.open(path) as pdf:
            root = pdf.Root
            assert root.MarkInfo.Marked is True
            assert str(root.Lang) == "en"
            assert root.ViewerPreferences.DisplayDocTitle is True
            with pdf.open_metadata() as xmp:
                assert xmp["dc:title"] == str(pdf.docinfo.Title)
                assert xmp["pdfuaid:part"] == "1"
            assert root.StructTreeRoot.K.S == "/Document"
            for number, pg in enumerate(pdf.pages):
                assert pg.Tabs == "/S" and int(pg.StructParents) == number


def test_tounicode_maps_no_code_to_nul_or_bom(built):
    for path in built[:2]:
        with pikepdf.open(path) as pdf:
            for font in _fonts(pdf):
                cmap = font.ToUnicode.read_bytes().decode("ascii")
                values = [line.split()[1] for line in cmap.splitlines()
                          if line.startswith("<") and len(line.split()) == 2]
                assert values and not {"<0000>", "<FEFF>", "<FFFE>"} & set(values)


def test_clinic_logo_is_a_figure_with_alt_and_header_read_once(tmp_path):
    from PIL import Image

    Image.new("RGB", (60, 30), (20, 80, 160)).save(tmp_path / "logo.png")
    (tmp_path / "handouts.yaml").write_text(
        "clinic:\n  name: Riverside Clinic\n  address: 1 River Road\n  logo: logo.png\n"
        "  logo_alt: Riverside Clinic logo\n")
    result = run_cli("build", SEED_NAME, "--content", ROOT / "content", "--out",
                     tmp_path / "out", "--config", tmp_path / "handouts.yaml")
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / f"{SEED_NAME}.pdf"
    assert page.validate_pdf(path, profile="ua1").is_compliant
    doc = read_back(path)
    assert [el.alt for el in doc.elements() if el.tag == "Figure"] == ["Riverside Clinic logo"]
    tree = doc.tree_words()
    assert tree[:5] == ["Riverside", "Clinic", "1", "River", "Road"]
    assert tree.count("Riverside") == 1  # later pages' headers are artifacts
    assert tree == page_words(path)


# -- the styles --------------------------------------------------------------------------

@pytest.mark.parametrize("built", ["large-print"], indirect=True)
def test_large_print_body_is_18pt_upright_with_generous_leading(built):
    style = load_style("large-print")
    assert style.body.size >= 18 and style.body.leading >= 1.5 * style.body.size
    assert style.title.size > style.heading.size > style.body.size
    for path in read_closely(built):
        for pg in read_back(path).pages:
            body = [c for c in body_chars(pg) if c["tag"] != "Artifact"]
            assert body and min(c["size"] for c in body) >= 18 - 0.01, path.name
            assert not [c for c in pg.chars if "Oblique" in c["fontname"]], path.name
            baselines = sorted({round(c["bottom"], 1) for c in body
                                if abs(c["size"] - 18) < 0.01})
            gaps = [b - a for a, b in zip(baselines, baselines[1:])]
            assert not gaps or min(gaps) >= 1.5 * 18 - 0.2, (path.name, gaps)


@pytest.mark.parametrize("built", ["monochrome"], indirect=True)
def test_monochrome_is_grey_only_and_the_box_keeps_its_border(built):
    for path in built:
        for pg in read_back(path).pages:
            for obj in pg.chars + pg.rects + pg.lines + pg.curves:
                for key in ("non_stroking_color", "stroking_color"):
                    assert _grey(obj[key]), (path.name, obj[key])
    borders = [r for pg in read_back(built[0]).pages for r in pg.rects
               if r["stroke"] and r["linewidth"] >= 3 and _grey(r["stroking_color"], 0)]
    assert len(borders) == 1 and _grey(borders[0]["non_stroking_color"], 1)  # white fill


# -- helpers: the tree and the page, read back independently ------------------------------

def boxes(doc) -> list:
    """Warning boxes: Sects whose first kid is a heading reading the box label."""
    return warning_boxes(doc, load_style().warning.label)


def body_chars(pg) -> list:
    """Chars above the footer rule (the lowest long horizontal line)."""
    rule = max((ln for ln in pg.lines if abs(ln["top"] - ln["bottom"]) < 0.5
                and ln["x1"] - ln["x0"] > pg.width / 2), key=lambda ln: ln["top"])
    return [c for c in pg.chars if c["bottom"] < rule["top"]]


def page_words(path: Path) -> list[str]:
    """Non-artifact words of every page, top to bottom; page 1's footer last."""
    body, footer = [], []
    for pg in read_back(path).pages:
        real = [c for c in pg.chars if c["tag"] != "Artifact"]
        above = {id(c) for c in body_chars(pg)}
        body += words(text_of(c for c in real if id(c) in above))
        footer += words(text_of(c for c in real if id(c) not in above))
    return body + footer


def text_by_tag(path: Path) -> dict[str, str]:
    """All artifact text and all content text, page by page, whitespace folded."""
    out = {"Artifact": [], "content": []}
    for pg in read_back(path).pages:
        for key in out:
            chars = [c for c in pg.chars if (c["tag"] == "Artifact") == (key != "content")]
            out[key].append(text_of(chars))
    return {key: " ".join(" ".join(texts).split()) for key, texts in out.items()}


def _fonts(pdf):
    seen = {}
    for pg in pdf.pages:
        for font in pg.Resources.get("/Font", {}).values():
            seen[font.objgen] = font
    return list(seen.values())


def _grey(colour, value=None) -> bool:
    """No hue (and, given `value`, that grey level); None is the default, black."""
    if colour is None:
        return value in (None, 0)
    colour = tuple(colour) if isinstance(colour, (list, tuple)) else (colour,)
    if len(colour) not in (1, 3) or max(colour) - min(colour) > 0.001:
        return False
    return value is None or abs(colour[0] - value) < 0.001


def _diverge(a: list, b: list) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"{n}: tree {a[n:n + 8]} vs page {b[n:n + 8]}"
