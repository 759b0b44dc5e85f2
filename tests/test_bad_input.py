"""Bad pages: one line naming the file (and line), non-zero exit, no output file."""

from __future__ import annotations

import re

import pytest

from helpers import build_page, pdf_text, read_back, run_cli, write_page

GOOD_BODY = "\n### Usage\n\nFor testing.\n"

BAD_PAGES = {
    "invalid-yaml": ("---\ntitle: [unclosed\n---\n" + GOOD_BODY, "started on line 2", ":3"),
    "not-utf8": (b"---\ntitle: Caf\xe9\n---\n" + GOOD_BODY.encode(), "not valid UTF-8", ":2"),
    "empty-body": ("---\ntitle: Empty\n---\n\n  \n", "body is empty", ""),
    "no-title": ("---\nlayout: x\n---\n" + GOOD_BODY, "no title", ""),
    "list-front-matter": ("---\n- a\n- b\n---\n" + GOOD_BODY, "found a list", ""),
    "scalar-front-matter": ("---\njust text\n---\n" + GOOD_BODY, "found a single value", ""),
    "unclosed": ("---\ntitle: Open\n" + GOOD_BODY, "never closed", ":1"),
    "duplicate-key": ("---\ntitle: A\ntitle: B\n---\n" + GOOD_BODY, "duplicate key 'title'", ":3"),
    "python-tag": ("---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n" + GOOD_BODY,
                   "could not determine a constructor", ":2"),
    "title-not-text": ("---\ntitle: [a, b]\n---\n" + GOOD_BODY, "'title': expected text", ""),
    "alias-bomb": ("---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
                   "title: Bomb\n---\n" + GOOD_BODY, "aliases", ":3"),
    "bad-lang": ("---\ntitle: X\nlang: '../../x'\n---\n" + GOOD_BODY, "'lang'", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_PAGES))
def test_bad_page_is_one_line_error_and_no_output(tmp_path, name):
    text, reason, line = BAD_PAGES[name]
    result, pdf = build_page(tmp_path, name, text)
    assert result.exit_code != 0
    message = result.output.strip().splitlines()
    assert len([m for m in message if m.startswith("error:")]) == 1
    error = next(m for m in message if m.startswith("error:"))
    assert f"{name}.md{line}" in error, error
    assert reason in error
    assert "Traceback" not in result.output
    assert not pdf.exists()
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


@pytest.mark.parametrize("raw, expected", [("NO", "NO"), ("1.10", "1.10"), ("0012345", "0012345"),
                                           ("yes", "yes"), ("2026-01-01", "2026-01-01")])
def test_yaml_values_stay_text(tmp_path, raw, expected):
    import pikepdf

    result, pdf = build_page(tmp_path, "coerce", f"---\ntitle: {raw}\n---\n{GOOD_BODY}")
    assert result.exit_code == 0, result.output
    with pikepdf.open(pdf) as doc:
        assert str(doc.docinfo["/Title"]) == expected
    assert expected in pdf_text(pdf)


def test_bom_and_crlf_are_normalised(tmp_path):
    text = "\ufeff---\r\ntitle: Crlf\r\n---\r\n\r\n### Usage\r\n\r\nLine one.\r\n"
    result, pdf = build_page(tmp_path, "crlf", text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    doc = read_back(pdf)
    assert doc.title == "Crlf"  # the BOM did not hide the front matter
    assert doc.text.startswith("Crlf\n") and "\nLine one.\n" in doc.text
    assert not {"\ufeff", "\r"} & set(doc.text)


def test_failed_rebuild_keeps_the_previous_pdf_intact(tmp_path):
    result, pdf = build_page(tmp_path, "keep", "---\ntitle: Keep\n---\n" + GOOD_BODY)
    assert result.exit_code == 0
    before = pdf.read_bytes()
    write_page(tmp_path / "content", "keep", "---\ntitle: [broken\n---\n" + GOOD_BODY)
    again = run_cli("build", "keep", "--content", tmp_path / "content", "--out", tmp_path / "out")
    assert again.exit_code != 0
    assert pdf.read_bytes() == before
    leftovers = [p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".part"]
    assert leftovers == []  # no temp files


def test_batch_reports_failures_and_builds_the_rest(tmp_path):
    content = tmp_path / "content"
    write_page(content / "a", "good-one", "---\ntitle: Good One\n---\n" + GOOD_BODY)
    write_page(content / "b", "bad-one", "---\ntitle: [x\n---\n" + GOOD_BODY)
    write_page(content / "c", "good-two", "---\ntitle: Good Two\n---\n" + GOOD_BODY)
    result = run_cli("build", "--all", "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["good-one.pdf",
                                                                          "good-two.pdf"]
    assert "bad-one.md:3: invalid YAML" in result.output
    assert "built 2, skipped 0 (up to date), failed 1" in result.output


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "CON", "a/b", "x" * 500, ".."])
def test_names_are_not_paths(tmp_path, name):
    write_page(tmp_path / "content", "real", "---\ntitle: Real\n---\n" + GOOD_BODY)
    result = run_cli("build", name, "--content", tmp_path / "content", "--out", tmp_path / "out")
    assert result.exit_code == 2
    line = result.output.splitlines()[0]
    assert re.search(r"is not a page (name|under the content folder)|no page named", line), line
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# A combined vaccine in the public collection: a 240-character file name.
VACCINE = ("diphtheria-toxoid-tetanus-toxoid-pertussis-toxoid-filamentous-haemagglutinin-"
           "pertactin-inactivated-poliovirus-type-1-type-2-type-3-haemophilus-influenzae-"
           "type-b-polysaccharide-conjugated-to-tetanus-protein-hepatitis-b-surface-antigen-"
           "rdna-1")


@pytest.mark.parametrize("name", [VACCINE, "v" * 252], ids=["vaccine-240", "longest-252"])
def test_every_page_name_the_file_system_allows_builds(tmp_path, name):
    assert len(VACCINE) == 240
    write_page(tmp_path / "content", name, "---\ntitle: Long\n---\n" + GOOD_BODY)
    out = tmp_path / "out"
    first = run_cli("build", name, "--content", tmp_path / "content", "--out", out)
    assert first.exit_code == 0, first.output
    [pdf] = out.glob("*.pdf")
    # shortened with a stable hash, leaving room for a temp file and a style suffix
    assert len(pdf.name) <= 255 - 15 - 32 and pdf.stem.startswith(name[:150])
    assert re.fullmatch(r"-[0-9a-f]{12}", pdf.stem[-13:])
    assert f"{pdf.name} (1 page)" in first.output
    again = run_cli("build", name, "--content", tmp_path / "content", "--out", out, "--force")
    assert again.exit_code == 0 and [p.name for p in out.glob("*.pdf")] == [pdf.name]
    assert read_back(pdf).title == "Long"


def test_long_names_differing_at_the_end_get_their_own_files(tmp_path):
    names = [VACCINE[:-1] + "a", VACCINE[:-1] + "b"]
    for name in names:
        write_page(tmp_path / "content", name, "---\ntitle: Long\n---\n" + GOOD_BODY)
    result = run_cli("build", "--all", "--content", tmp_path / "content", "--out",
                     tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2


def test_misspelt_name_is_suggested_but_never_built(tmp_path):
    write_page(tmp_path / "content", "ixabepilone", "---\ntitle: Ixabepilone\n---\n" + GOOD_BODY)
    result = run_cli("build", "ixabeplione", "--content", tmp_path / "content", "--out",
                     tmp_path / "out")
    assert result.exit_code == 2
    assert "ixabepilone  Ixabepilone  (spelled similarly: check the name)" in result.output
    assert not (tmp_path / "out").exists()


def test_name_matches_title_case_insensitively(tmp_path):
    write_page(tmp_path / "content" / "x", "abc-123", "---\ntitle: Some Drug\n---\n" + GOOD_BODY)
    result = run_cli("build", "some-drug", "--content", tmp_path / "content", "--out",
                     tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "abc-123.pdf (1 page)" in result.output
    assert [p.name for p in (tmp_path / "out").glob("*.pdf")] == ["abc-123.pdf"]
    doc = read_back(tmp_path / "out" / "abc-123.pdf")
    assert doc.title == "Some Drug" and doc.text.startswith("Some Drug\n")
