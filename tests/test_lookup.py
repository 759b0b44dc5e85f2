"""Finding the page a person means, on real corpus pages: exact names, titles as typed,
paths, aliases, then names that start with or contain the text; look-alike spellings
only as marked suggestions. An ambiguous or partial name builds nothing."""

from __future__ import annotations

import re
import shutil

import pytest

from handouts.read import lookup as lk
from helpers import ROOT, corpus_dir, corpus_pages, read_back, run_cli, run_cli_in, write_page


def build(tmp_path, *names, content=None):
    out = tmp_path / "out"
    result = run_cli("build", *names, "--content", content or corpus_dir(), "--out", out)
    return result, sorted(p.name for p in out.glob("*.pdf")) if out.exists() else []


def corpus_names_with(text: str) -> list[str]:
    """Pages whose file name holds `text`, found from the file names alone."""
    return sorted(p.stem for p in corpus_pages() if text in p.stem)


def test_cipro_lists_the_ciprofloxacin_pages_and_never_celiprolol(tmp_path):
    assert "celiprolol" in {p.stem for p in corpus_pages()}  # the look-alike is there
    result, built = build(tmp_path, "cipro")
    assert result.exit_code == 2 and built == []
    listed = re.findall(r"^  (\S+)  ", result.output, re.M)
    assert listed[0].startswith("ciprofloxacin")
    assert sorted(listed) == corpus_names_with("cipro")
    assert "celiprolol" not in result.output
    assert "nothing was done" in result.output.splitlines()[0]


def test_levofloxacin_lists_every_page_with_it_before_any_look_alike(tmp_path):
    result, built = build(tmp_path, "levofloxacin")
    assert result.exit_code == 2 and built == []
    lines = result.output.splitlines()
    pages = [ln.split()[0] for ln in lines if ln.endswith(("(starts with it)", "(contains it)"))]
    assert sorted(pages) == corpus_names_with("levofloxacin") and len(pages) >= 2
    similar = [ln.split()[0] for ln in lines if ln.endswith("(spelled similarly: check the name)")]
    assert "enrofloxacin" in similar  # still offered, but marked and after the real ones
    assert max(lines.index(ln) for ln in lines if ln.split()[:1] and ln.split()[0] in pages) \
        < min(i for i, ln in enumerate(lines) if "spelled similarly" in ln)


def test_acetaminophen_finds_the_pages_that_contain_it(tmp_path):
    found = lk.lookup("acetaminophen", corpus_dir())
    expected = sorted(p.stem for p in corpus_pages() if "acetaminophen" in p.stem
                      or "acetaminophen" in p.read_text(encoding="utf-8")[:400].lower()
                      .split("\n---", 1)[0])
    assert sorted(m.page.name for m in found.matches) == expected and expected
    assert {m.how for m in found.matches} <= {lk.PREFIX, lk.CONTAINS}
    assert found.chosen is None
    assert "acetophenazine" not in [m.page.name for m in found.matches]


@pytest.mark.parametrize("typed, page", [
    ("Ciprofloxacin (Systemic)", "ciprofloxacin-systemic"),
    ("levofloxacin + azithromycin", "levofloxacin-azithromycin"),
    ("CIPROFLOXACIN SYSTEMIC", "ciprofloxacin-systemic"),
    ("ciprofloxacin", "ciprofloxacin"),  # exact name wins over the pages that start so
])
def test_titles_and_names_as_typed_build_that_page(tmp_path, typed, page):
    result, built = build(tmp_path, typed)
    assert result.exit_code == 0, result.output
    assert built == [f"{page}.pdf"]
    title = read_back(tmp_path / "out" / f"{page}.pdf").title
    assert lk.key(title) == lk.key(lk.read_head(corpus_dir() / page[0] / f"{page}.md")[0])


def test_a_path_to_a_page_builds_it(tmp_path, monkeypatch):
    result = run_cli_in(monkeypatch, ROOT, "build", "content/ixabepilone.md", "--out",
                        tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").glob("*.pdf")] == ["ixabepilone.pdf"]
    path = corpus_dir() / "c" / "ciprofloxacin-systemic.md"
    result, built = build(tmp_path / "second", str(path))
    assert result.exit_code == 0 and built == ["ciprofloxacin-systemic.pdf"]
    result, built = build(tmp_path / "third", "c/ciprofloxacin-systemic.md")  # under --content
    assert result.exit_code == 0 and built == ["ciprofloxacin-systemic.pdf"]


@pytest.mark.parametrize("typed", ["../shared/corpus/c/ciprofloxacin.md", "README.md/x",
                                   "/etc/passwd.md", "c/nosuchpage.md/.."])
def test_a_path_outside_the_content_folder_is_refused(tmp_path, monkeypatch, typed):
    result = run_cli_in(monkeypatch, ROOT, "build", typed, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "is not a page under the content folder content" in result.output
    assert not (tmp_path / "out").exists()


def test_aliases_find_a_page_by_its_brand_names(tmp_path):
    content = tmp_path / "content"
    source = (corpus_dir() / "c" / "ciprofloxacin-systemic.md").read_text(encoding="utf-8")
    write_page(content, "ciprofloxacin-systemic",
               source.replace("---\n", "---\naliases: [Cipro, Cipro XR]\n", 1))
    shutil.copy(corpus_dir() / "c" / "celiprolol.md", content / "celiprolol.md")
    found = lk.lookup("cipro xr", content)
    assert [(m.page.name, m.how, m.text) for m in found.exact] == [
        ("ciprofloxacin-systemic", lk.ALIAS, "Cipro XR")]
    result, built = build(tmp_path, "Cipro", content=content)
    assert result.exit_code == 0, result.output
    assert built == ["ciprofloxacin-systemic.pdf"]


def test_a_bad_aliases_value_is_an_error_naming_the_page(tmp_path):
    content = tmp_path / "content"
    write_page(content, "x", "---\ntitle: X\naliases: {a: 1}\n---\n# X\n\n**Usage:** Y.\n")
    result, built = build(tmp_path, "x", content=content)
    assert result.exit_code == 1 and built == []
    assert "x.md: front matter 'aliases': expected a list of names" in result.output


def test_two_pages_with_one_title_build_neither(tmp_path):
    content = tmp_path / "content"
    for name in ("calm-a", "calm-b"):
        write_page(content, name, "---\ntitle: Calmex\n---\n# Calmex\n\n**Usage:** Sleep.\n")
    result, built = build(tmp_path, "calmex", content=content)
    assert result.exit_code == 2 and built == []
    assert "'calmex' names 2 pages; nothing was done" in result.output
    assert re.findall(r"^  (\S+)  ", result.output, re.M) == ["calm-a", "calm-b"]


def test_a_misspelling_is_only_ever_a_marked_suggestion():
    found = lk.lookup("ixabeplione", ROOT / "content")
    assert found.chosen is None and found.matches == ()
    assert [(m.page.name, m.how) for m in found.similar] == [("ixabepilone", lk.SIMILAR)]
    assert "spelled similarly: check the name" in "\n".join(found.refusal(ROOT / "content"))


def test_list_searches_best_first(tmp_path):
    result = run_cli("list", "cipro", "--content", corpus_dir())
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0][0] == "ciprofloxacin" and rows[0][2] == "(starts with it)"
    assert sorted(r[0] for r in rows if r[2] != "(spelled similarly: check the name)") == \
        corpus_names_with("cipro")
    unknown = run_cli("list", "zzqqxx", "--content", corpus_dir())
    assert unknown.exit_code == 1 and "no page matches 'zzqqxx'" in unknown.output
    everything = run_cli("list", "--content", corpus_dir())
    assert len(everything.stdout.splitlines()) == len(corpus_pages())


def test_the_index_rereads_only_changed_pages(tmp_path, monkeypatch):
    content = tmp_path / "content"
    for name in ("alpha", "beta"):
        write_page(content, name, f"---\ntitle: {name.title()}\n---\n# {name.title()}\n")
    read = []
    real = lk.read_head
    monkeypatch.setattr(lk, "read_head", lambda path: read.append(path.name) or real(path))
    assert lk.lookup("Alpha", content).chosen.name == "alpha"
    assert sorted(read) == ["alpha.md", "beta.md"]
    read.clear()
    assert lk.lookup("Beta", content).chosen.name == "beta" and read == []
    write_page(content, "beta", "---\ntitle: Gamma Beta\n---\n# Gamma\n")
    assert lk.lookup("gamma beta", content).chosen.name == "beta"
    assert read == ["beta.md"]
