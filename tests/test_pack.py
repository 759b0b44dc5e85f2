"""Print packs, read back: contents with start pages, every handout on an odd page with
blank backs for duplex, a bookmark tree per handout, each handout's pages unchanged."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pikepdf
import pytest

from handouts.settings.config import Config
from handouts.deliver.pack import CONTENTS_TITLE, Entry, _contents_fixed_point, starts
from handouts.settings.style import load_style
from helpers import (
    CLINIC, SEED, assert_pdfua_passes, clinic_workspace, corpus_dir, corpus_sample, page_texts,
    qpdf_check, read_back, run_cli, run_cli_in, sha256, ua1_failures, words,
)


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """A clinic workspace, the standalone handouts and a pack of them (plus details)."""
    root = tmp_path_factory.mktemp("pack")
    sample = corpus_sample(3, step=300)
    clinic_workspace(root, [SEED, *sample])
    names = ["ixabepilone", *(p.stem for p in sample)]
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = run_cli_in(monkeypatch, root, "build", *names, "--out", root / "single")
        assert built.exit_code == 0, built.output
        result = run_cli_in(monkeypatch, root, "pack", *names, "-o", root / "run.pdf")
        assert result.exit_code == 0, result.output
    singles = [root / "single" / f"{name}.pdf" for name in names]
    counts = [_read(path, lambda pdf: len(pdf.pages)) for path in singles]
    assert {c % 2 for c in counts} == {0, 1}, counts  # the sample must need blank pages
    return SimpleNamespace(root=root, pack=root / "run.pdf", names=names, singles=singles,
                           counts=counts, result=result, texts=page_texts(root / "run.pdf"))


def _titles(singles):
    return [_read(path, lambda pdf: str(pdf.docinfo["/Title"])) for path in singles]


def _read(path, what):
    with pikepdf.open(path) as pdf:
        return what(pdf)


def test_cli_says_what_it_wrote(packed):
    total = _read(packed.pack, lambda pdf: len(pdf.pages))
    assert packed.result.output.strip().endswith(
        f"run.pdf ({len(packed.names)} handouts, {total} pages)")


def test_contents_lists_titles_with_their_odd_start_pages(packed):
    expected = starts(packed.counts, 1)
    assert all(start % 2 == 1 for start in expected)
    contents = packed.texts[0]
    assert contents.startswith(f"{CLINIC} ") and f" {CONTENTS_TITLE} " in contents
    for title, start in zip(_titles(packed.singles), expected):
        assert re.search(re.escape(title) + r"\s+" + str(start) + r"\b", contents), title
        assert title in packed.texts[start - 1][:200], (title, start)  # it starts there


def test_each_handout_keeps_its_own_pages_footer_and_numbering(packed):
    with pikepdf.open(packed.pack) as pdf:
        for single, start, count in zip(packed.singles, starts(packed.counts, 1),
                                        packed.counts):
            with pikepdf.open(single) as alone:
                for number in range(1, count + 1):
                    page = pdf.pages[start - 2 + number]
                    assert page.Contents.read_bytes() == \
                        alone.pages[number - 1].Contents.read_bytes()
                    text = packed.texts[start - 2 + number]
                    assert text.endswith(f"Page {number} of {count}")


def test_blank_pages_only_where_duplex_needs_them(packed):
    first_pages = starts(packed.counts, 1)
    used = {n for s, c in zip(first_pages, packed.counts) for n in range(s, s + c)}
    total = len(packed.texts)
    blanks = sorted(set(range(2, total + 1)) - used)
    assert blanks, "the sample should need at least one blank page"
    for n in blanks:
        assert packed.texts[n - 1] == ""
        assert n % 2 == 0  # only ever a left-hand page is left blank
    blank = blanks[0] - 1
    size = _read(packed.pack, lambda pdf: [float(v) for v in pdf.pages[blank].mediabox])
    assert size == [0, 0, 612.0, 792.0]  # the handouts' paper


def test_bookmarks_per_handout_point_at_their_pages(packed):
    with pikepdf.open(packed.pack) as pdf:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as outline:
            top = list(outline.root)
            found = [(item.title, index[item.destination[0].objgen]) for item in top]
            children = [[index[c.destination[0].objgen] for c in item.children]
                        for item in top[1:]]
        assert pdf.Root.PageMode == "/UseOutlines"
    first_pages = starts(packed.counts, 1)
    assert found == [(CONTENTS_TITLE, 1), *zip(_titles(packed.singles), first_pages)]
    for pages, start, count in zip(children, first_pages, packed.counts):
        assert pages and all(start <= n < start + count for n in pages)


def test_pack_is_deterministic_and_valid(packed, tmp_path, monkeypatch):
    again = run_cli_in(monkeypatch, packed.root, "pack", *packed.names, "-o",
                       tmp_path / "again.pdf", "--jobs", 1)
    assert again.exit_code == 0, again.output
    assert sha256(tmp_path / "again.pdf") == sha256(packed.pack)
    with pikepdf.open(packed.pack) as pdf:
        assert pdf.check_pdf_syntax() == []
    qpdf_check(packed.pack)


def test_a_failing_handout_means_no_pack(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    (tmp_path / "content" / "broken.md").write_text("---\ntitle: [x\n---\n# X\n")
    result = run_cli_in(monkeypatch, tmp_path, "pack", "--all", "-o", tmp_path / "out" / "run.pdf")
    assert result.exit_code == 1
    assert "broken.md" in result.output
    assert "pack not written: 1 of 2 handouts failed" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("args, message", [
    ((), "no page given: type 'handouts pack NAME ...'"),
    (("ixabepilone", "--all"), "give page NAMEs or --all, not both"),
    (("ixabepilone",), "Missing option '-o'"),
])
def test_pack_usage_errors(tmp_path, monkeypatch, args, message):
    clinic_workspace(tmp_path)
    output = () if message.startswith("Missing") else ("-o", tmp_path / "p.pdf")
    result = run_cli_in(monkeypatch, tmp_path, "pack", *args, *output)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "p.pdf").exists() and not (tmp_path / "out").exists()


def test_start_pages():
    assert starts([4, 1, 2, 3], 1) == [3, 7, 9, 11]
    assert starts([1, 1], 2) == [3, 5]
    assert starts([2], 3) == [5]


def test_long_contents_spans_pages_and_the_start_pages_follow():
    style = load_style()
    entries = [Entry(f"Handout number {n} with a title long enough to need two lines "
                     "in the contents table", b"", 3) for n in range(60)]
    data, placed = _contents_fixed_point(entries, style, Config())
    pages = _read(io.BytesIO(data), lambda pdf: len(pdf.pages))
    assert pages > 1
    assert [e.start for e in placed] == starts([3] * 60, pages)


# -- the pack is a tagged PDF/UA-1 document --------------------------------------------

@pytest.fixture(scope="module")
def pack_of_20(tmp_path_factory):
    """20 corpus handouts, spread over the letters, in one pack, and each on its own."""
    root = tmp_path_factory.mktemp("pack20")
    sample = corpus_sample(20, step=53)
    names = [p.stem for p in sample]
    built = run_cli("build", *names, "--content", corpus_dir(), "--out", root / "single")
    assert built.exit_code == 0, built.output
    result = run_cli("pack", *names, "--content", corpus_dir(), "-o", root / "pack.pdf")
    assert result.exit_code == 0, result.output
    return SimpleNamespace(pack=root / "pack.pdf", singles=[root / "single" / f"{n}.pdf"
                                                           for n in names])


def test_a_pack_of_20_passes_both_validators(pack_of_20):
    assert len(pack_of_20.singles) == 20
    assert ua1_failures([pack_of_20.pack]) == {}
    assert_pdfua_passes([pack_of_20.pack])


def test_the_pack_tree_is_the_contents_then_each_handouts_own_tree(pack_of_20):
    doc = read_back(pack_of_20.pack)
    assert doc.tree.tag == "Document"
    kids = doc.tree.kids
    assert [k.tag for k in kids[:3]] == ["H1", "P", "TOC"]
    assert doc.tree_words(kids[0]) == [CONTENTS_TITLE]
    assert [k.tag for k in kids[3:]] == ["Part"] * 20
    toc = kids[2]
    titles = _titles(pack_of_20.singles)
    assert [k.tag for k in toc.kids] == ["TOCI"] * 20
    assert [" ".join(doc.tree_words(item.kids[0])) for item in toc.kids] == [
        " ".join(words(t)) for t in titles]
    for part, single in zip(kids[3:], pack_of_20.singles):
        alone = read_back(single)
        assert doc.tree_words(part) == alone.tree_words()  # the same text, in order
        assert [e.tag for e in part.kids] == [e.tag for e in alone.tree.kids]


def test_pack_pages_have_one_parent_tree_and_bookmarks_point_into_the_tree(pack_of_20):
    with pikepdf.open(pack_of_20.pack) as pdf:
        keys = [int(p.StructParents) for p in pdf.pages if "/StructParents" in p]
        assert len(keys) == len(set(keys)) == sum(1 for p in pdf.pages if "/Contents" in p
                                                   and p.Contents.read_bytes().strip())
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        assert sorted(int(nums[i]) for i in range(0, len(nums), 2)) == sorted(keys)
        assert pdf.Root.MarkInfo.Marked is True
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
        item, targets = pdf.Root.Outlines.First, []
        while item is not None:
            targets.append(str(item.SE.S))
            item = item.get("/Next")
    assert targets == ["/H1"] + ["/Part"] * 20
