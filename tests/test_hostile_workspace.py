"""A hostile workspace: files planted where the tool runs, files that are not regular
files, links and huge files. Nothing runs, nothing blocks, nothing outside is written;
each problem is one line naming the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SEED, run_cli, run_cli_in, write_page

PLANTED = ("reportlab_mods", "reportlab_settings", "yaml")


def _plant(folder: Path) -> Path:
    """Modules that, if imported, leave a marker file and break the import."""
    marker = folder / "IMPORTED"
    for name in PLANTED:
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\nraise SystemExit(99)\n")
    return marker


@pytest.mark.parametrize("entry", ["python -m handouts", "handouts"])
def test_modules_planted_in_the_workspace_are_never_imported(tmp_path, entry):
    marker = _plant(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "ixabepilone.md").write_bytes(SEED.read_bytes())
    (tmp_path / "handouts.yaml").write_text("clinic:\n  name: Planted Clinic\n")
    command = ([sys.executable, "-m", "handouts"] if entry.startswith("python")
               else [str(Path(sys.executable).parent / "handouts")])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["build", "ixabepilone"], ["check", "--all"], ["list"]):
        done = subprocess.run(command + args, cwd=tmp_path, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode in (0, 1), done.stderr  # check may warn; never 99
        assert not marker.exists(), marker.read_text()
    assert (tmp_path / "out" / "ixabepilone.pdf").stat().st_size > 1000


# -- files that are not regular files, or huge --------------------------------------------

GOOD = "---\ntitle: Good\n---\n\n### Usage\n\nFor testing.\n"


def _run(cwd: Path, *args, timeout: float = 60):
    """The real CLI in a subprocess (a hang must fail the test, not stall the suite)."""
    return subprocess.run([sys.executable, "-m", "handouts", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def test_a_fifo_page_blocks_nothing_and_the_rest_still_build(tmp_path):
    content = tmp_path / "content"
    write_page(content, "good", GOOD)
    os.mkfifo(content / "x.md")
    built = _run(tmp_path, "build", "--all", "--jobs", 1)
    errors = [line for line in built.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: content/x.md: cannot read page: it is a FIFO (named pipe), "
                      "not a regular file"]
    assert "built 1, skipped 0 (up to date), failed 1" in built.stderr
    assert (tmp_path / "out" / "good.pdf").exists()
    listed = _run(tmp_path, "list")
    assert listed.returncode == 0 and listed.stdout.splitlines() == ["good\tGood", "x\t"]
    checked = _run(tmp_path, "check", "--all")
    assert checked.returncode == 1 and "content/x.md: error [parse]" in checked.stdout


def test_a_fifo_message_file_or_config_is_one_line(tmp_path):
    write_page(tmp_path / "content", "good", GOOD)
    os.mkfifo(tmp_path / "message.txt")
    mailed = _run(tmp_path, "email", "good", "--to", "a@example.org", "--eml", "d.eml",
                  "--message-file", "message.txt")
    assert mailed.returncode != 0
    assert "message.txt: cannot read message: it is a FIFO (named pipe)" in mailed.stderr
    os.mkfifo(tmp_path / "handouts.yaml")
    built = _run(tmp_path, "build", "good")
    assert built.returncode != 0 and not (tmp_path / "out" / "good.pdf").exists()
    assert ("handouts.yaml: is a FIFO (named pipe), not a config file" in built.stderr)


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_config_that_is_not_a_file_is_an_error_not_ignored(tmp_path, monkeypatch, kind):
    write_page(tmp_path / "content", "good", GOOD)
    if kind == "folder":
        (tmp_path / "handouts.yaml").mkdir()
    else:
        (tmp_path / "handouts.yaml").symlink_to(tmp_path / "gone.yaml")
    result = run_cli_in(monkeypatch, tmp_path, "build", "good")
    assert result.exit_code != 0
    what = "a folder" if kind == "folder" else "a dangling symbolic link"
    assert f"handouts.yaml: is {what}, not a config file" in result.output


def _sparse(path: Path, size: int = 3 * 1024 ** 3) -> Path:
    with path.open("wb") as handle:
        handle.write(b"---\ntitle: Huge\n---\n")
        handle.truncate(size)
    return path


@pytest.mark.parametrize("what", ["page", "style", "config"])
def test_a_3_gb_file_is_refused_from_its_size_before_it_is_read(tmp_path, what):
    write_page(tmp_path / "content", "good", GOOD)
    target = {"page": "content/huge.md", "style": "styles/huge.yaml",
              "config": "handouts.yaml"}[what]
    (tmp_path / target).parent.mkdir(exist_ok=True)
    _sparse(tmp_path / target)
    args = {"page": ("build", "--all"), "style": ("build", "good", "--style", "huge"),
            "config": ("build", "good")}[what]
    done = _run(tmp_path, *args, timeout=60)
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr
    assert f"{target}: {what} is 3221225472 bytes; the limit is" in done.stderr, done.stderr
    if what == "page":
        assert (tmp_path / "out" / "good.pdf").exists()
        assert _run(tmp_path, "list").stdout.splitlines() == ["good\tGood", "huge\tHuge"]


# -- links and folders ---------------------------------------------------------------------

def test_a_link_in_the_output_folder_is_replaced_not_written_through(tmp_path, monkeypatch):
    write_page(tmp_path / "content", "a", GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.pdf").write_bytes(b"the other handout")
    (out / "a.pdf").symlink_to("b.pdf")
    result = run_cli_in(monkeypatch, tmp_path, "build", "a")
    assert result.exit_code == 0, result.output
    assert (out / "b.pdf").read_bytes() == b"the other handout"
    assert not (out / "a.pdf").is_symlink() and (out / "a.pdf").read_bytes()[:5] == b"%PDF-"


def test_init_where_content_is_a_file_writes_nothing(tmp_path):
    (tmp_path / "content").write_text("not a folder")
    result = run_cli("init", tmp_path)
    assert result.exit_code != 0
    assert "content is a file where a folder is needed; nothing was written" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_manifest_that_cannot_be_saved_is_an_error_line_and_the_summary_follows(
        tmp_path, monkeypatch):
    write_page(tmp_path / "content", "good", GOOD)
    (tmp_path / "out" / ".handouts-manifest.json").mkdir(parents=True)  # cannot replace it
    result = run_cli_in(monkeypatch, tmp_path, "build", "--all")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert "manifest not saved: the next run rebuilds these pages" in lines[-2]
    assert lines[-1].startswith("built 1, skipped 0 (up to date), failed 1")


# -- paths named inside files ---------------------------------------------------------------

def test_style_paths_named_in_files_stay_in_the_workspace(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("extends: default\nbody: {size: 99}\n")
    ws = tmp_path / "ws"
    write_page(ws / "content", "good", GOOD)
    (ws / "styles").mkdir()
    (ws / "styles" / "mine.yaml").write_text(f"extends: {outside / 'secret.yaml'}\n")
    result = run_cli_in(monkeypatch, ws, "build", "good", "--style", "mine")
    assert result.exit_code != 0
    assert "is outside the workspace" in result.output and "99" not in result.output
    (ws / "handouts.yaml").write_text(f"style: {outside / 'secret.yaml'}\n")
    assert "is outside the workspace" in run_cli_in(monkeypatch, ws, "build", "good").output
    # typed on the command line, a path may be anywhere (the user chose it)
    (outside / "fine.yaml").write_text("extends: default\n")
    (ws / "handouts.yaml").unlink()
    ok = run_cli_in(monkeypatch, ws, "build", "good", "--style", outside / "fine.yaml")
    assert ok.exit_code == 0, ok.output


def test_a_file_that_is_not_a_style_is_not_echoed(tmp_path, monkeypatch):
    write_page(tmp_path / "content", "good", GOOD)
    (tmp_path / "creds.yaml").write_text("db_password: hunter2-secret\napi_key: abc123xyz\n")
    result = run_cli_in(monkeypatch, tmp_path, "build", "good", "--style", "creds.yaml")
    assert result.exit_code != 0
    assert "creds.yaml: not a style file: none of its 2 top-level keys" in result.output
    assert "hunter2" not in result.output and "db_password" not in result.output
