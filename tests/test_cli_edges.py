"""A CLI without surprises: styles never overwrite each other, every page prints its
path, a wrong --out or -o is the user's mistake said plainly, nothing is replaced
without --force, and usage errors say what to type."""

from __future__ import annotations

import pytest

from helpers import ROOT, clinic_workspace, read_back, run_cli, run_cli_in, sha256

CONTENT = ROOT / "content"


def build(out, *extra):
    return run_cli("build", "ixabepilone", "--content", CONTENT, "--out", out, *extra)


def test_each_style_has_its_own_file_and_the_default_keeps_the_plain_name(tmp_path):
    out = tmp_path / "out"
    assert build(out).exit_code == 0
    plain = sha256(out / "ixabepilone.pdf")
    large = build(out, "--style", "large-print")
    assert large.exit_code == 0, large.output
    assert "ixabepilone.large-print.pdf (" in large.stdout
    assert sha256(out / "ixabepilone.pdf") == plain  # not overwritten
    sizes = {round(c["size"]) for c in read_back(out / "ixabepilone.large-print.pdf").pages[0].chars}
    assert 18 in sizes
    assert build(out, "--style", "default").stdout.endswith("ixabepilone.pdf (up to date)\n")


def test_the_clinics_own_style_keeps_the_plain_name(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    (tmp_path / "handouts.yaml").write_text("style: large-print\n")
    result = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone")
    assert result.exit_code == 0 and result.stdout.startswith("out/ixabepilone.pdf (")
    other = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone", "--style", "default")
    assert other.stdout.startswith("out/ixabepilone.default.pdf (")
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == [
        "ixabepilone.default.pdf", "ixabepilone.pdf"]


def test_an_up_to_date_page_prints_its_path(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    assert run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone").exit_code == 0
    again = run_cli_in(monkeypatch, tmp_path, "build", "ixabepilone")
    assert again.exit_code == 0
    assert again.stdout == "out/ixabepilone.pdf (up to date)\n"


def test_out_naming_a_file_is_said_before_building(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    result = build(tmp_path / "out")
    assert result.exit_code == 2
    assert f"--out: {tmp_path / 'out'} is a file, not a folder" in result.output
    assert "ixabepilone.md" not in result.output  # the page is not blamed


@pytest.mark.parametrize("command", ["build", "pack", "check"])
def test_no_names_says_what_to_type(command, tmp_path):
    extra = ("-o", tmp_path / "p.pdf") if command == "pack" else ()
    result = run_cli(command, "--content", CONTENT, *extra)
    assert result.exit_code == 2
    assert f"no page given: type 'handouts {command} NAME ...'" in result.output
    assert f"'handouts {command} --all'" in result.output


def test_pack_refuses_a_wrong_extension_and_an_existing_file(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    wrong = run_cli_in(monkeypatch, tmp_path, "pack", "ixabepilone", "-o", "x.txt")
    assert wrong.exit_code == 2 and "-o: the file name must end in .pdf" in wrong.output
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "out").exists()
    (tmp_path / "run.pdf").write_bytes(b"keep me")
    kept = run_cli_in(monkeypatch, tmp_path, "pack", "ixabepilone", "-o", "run.pdf")
    assert kept.exit_code == 2 and "run.pdf exists; give --force" in kept.output
    assert (tmp_path / "run.pdf").read_bytes() == b"keep me"
    forced = run_cli_in(monkeypatch, tmp_path, "pack", "ixabepilone", "-o", "run.pdf", "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "run.pdf").read_bytes().startswith(b"%PDF-")


def test_eml_refuses_to_replace_a_draft(tmp_path, monkeypatch):
    clinic_workspace(tmp_path)
    (tmp_path / "draft.eml").write_text("an earlier draft")
    args = ("email", "ixabepilone", "--to", "a@example.org", "--eml")
    kept = run_cli_in(monkeypatch, tmp_path, *args, "draft.eml")
    assert kept.exit_code == 2 and "--eml: draft.eml exists; give --force" in kept.output
    assert (tmp_path / "draft.eml").read_text() == "an earlier draft"
    assert not (tmp_path / "out").exists()  # refused before anything was built
    wrong = run_cli_in(monkeypatch, tmp_path, *args, "draft.txt")
    assert wrong.exit_code == 2 and "--eml: the file name must end in .eml" in wrong.output
    forced = run_cli_in(monkeypatch, tmp_path, *args, "draft.eml", "--force")
    assert forced.exit_code == 0, forced.output
    assert "X-Unsent: 1" in (tmp_path / "draft.eml").read_text()
