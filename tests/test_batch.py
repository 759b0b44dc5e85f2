"""Batch builds: parallel = serial bytes, progress only on a terminal, incremental
rebuilds for every kind of input, and stable shards (stop signals: test_interrupts.py)."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import handouts
from handouts.deliver import manifest
from handouts.render import glyphs
from handouts.deliver.parallel import default_jobs
from handouts.console import ProgressBar, bar_text
from handouts.read.workspace import find_pages, parse_shard, select_shard, shard_of
from helpers import (
    ROOT, SEED, SUMMARY, clinic_workspace, copy_pages, corpus_dir, corpus_sample, counts, make_logo, run_cli, sha256,
)



def pdf_hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.glob("*.pdf"))}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Eight corpus pages from across the alphabet, plus the seed."""
    folder = copy_pages(corpus_sample(8, step=130), tmp_path_factory.mktemp("sample"))
    shutil.copy(SEED, folder / SEED.name)
    return folder


# -- parallel ------------------------------------------------------------------------

def test_parallel_run_writes_the_same_bytes_as_a_serial_one(sample, tmp_path):
    serial = run_cli("build", "--all", "--content", sample, "--out", tmp_path / "1", "--jobs", 1)
    parallel = run_cli("build", "--all", "--content", sample, "--out", tmp_path / "2",
                       "--jobs", 2)
    assert serial.exit_code == parallel.exit_code == 0, serial.output + parallel.output
    assert counts(serial.output) == counts(parallel.output) == (9, 0, 0)
    one, two = pdf_hashes(tmp_path / "1"), pdf_hashes(tmp_path / "2")
    assert len(one) == 9 and one == two
    # the same lines, in completion order
    lines = [sorted(r.stdout.replace(f"{os.sep}{n}{os.sep}", "/").splitlines())
             for n, r in ((1, serial), (2, parallel))]
    assert lines[0] == lines[1]


def test_default_jobs_is_the_cores_this_process_may_use():
    assert default_jobs() == len(os.sched_getaffinity(0))
    assert "one per available core" in " ".join(run_cli("build", "--help").output.split())


def test_a_failing_page_is_reported_and_the_rest_still_build(sample, tmp_path):
    content = copy_pages(list(sample.glob("*.md"))[:3], tmp_path / "content")
    (content / "broken.md").write_text("---\n- a list\n---\n# X\n")
    result = run_cli("build", "--all", "--content", content, "--out", tmp_path / "out",
                     "--jobs", 2)
    assert result.exit_code == 1
    assert counts(result.output) == (3, 0, 1)
    assert re.search(r"error: .*broken\.md:2: front matter", result.output)
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 3


def test_two_pages_with_one_name_do_not_race_for_one_pdf(tmp_path):
    for letter in "ab":
        (tmp_path / "content" / letter).mkdir(parents=True)
        shutil.copy(SEED, tmp_path / "content" / letter / "ixabepilone.md")
    result = run_cli("build", "--all", "--content", tmp_path / "content", "--out",
                     tmp_path / "out", "--jobs", 2)
    assert result.exit_code == 1
    assert counts(result.output) == (1, 0, 1)
    assert "b/ixabepilone.md: another page has the same name" in result.output


def test_a_name_given_twice_is_built_once(tmp_path):
    result = run_cli("build", "ixabepilone", "Ixabepilone", "--content", ROOT / "content",
                     "--out", tmp_path, "--jobs", 2)
    assert result.exit_code == 0, result.output
    assert counts(result.output) == (1, 0, 0)


# -- progress ------------------------------------------------------------------------

def test_bar_text_shows_count_rate_and_eta():
    text = bar_text(30, 120, 10.0, width=12)
    assert text == "[###.........]  30/120  25%    3.0/s  ETA 0:30"
    assert "ETA --:--" in bar_text(0, 5, 0.0)
    assert "ETA 1:00:00" in bar_text(1, 3601, 1.0)


class FakeTerminal:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_bar_draws_on_a_terminal_only():
    ticks = iter(range(100))
    for tty in (True, False):
        stream = FakeTerminal(tty)
        bar = ProgressBar(stream, clock=lambda: next(ticks), every=0)
        bar.start(3)
        for _ in range(3):
            bar.advance()
        bar.close()
        assert ("3/3 100%" in stream.text) == tty
        assert (stream.text == "") == (not tty)


def test_cli_prints_no_bar_when_stderr_is_not_a_terminal(sample, tmp_path):
    result = run_cli("build", "--all", "--content", sample, "--out", tmp_path, "--jobs", 2)
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "ETA" not in result.output
    assert counts(result.output) == (9, 0, 0)  # the plain summary line is still there
    assert result.output.count(".pdf (") == 9


def test_cli_draws_the_bar_on_a_real_terminal(sample, tmp_path):
    """stderr on a pseudo-terminal, as in an interactive shell."""
    content = copy_pages(sorted(sample.glob("*.md"))[:4], tmp_path / "content")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "handouts", "build", "--all", "--content", str(content),
         "--out", str(tmp_path / "out"), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen = b""
    while True:  # read as it comes, so the terminal's buffer never fills
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the build exited and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    stdout = proc.stdout.read()
    code = proc.wait(timeout=120)
    screen = seen.decode()
    assert code == 0, screen
    assert "ETA" in screen and "/s" in screen and "4/4 100%" in screen
    assert "\r" in screen
    assert stdout.count(".pdf (") == 4  # stdout (not a terminal) keeps plain lines


# -- incremental ---------------------------------------------------------------------

@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A clinic workspace whose style chain is clinic.yaml -> base.yaml -> default."""
    clinic_workspace(tmp_path)
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "base.yaml").write_text("extends: default\nbody: {size: 14}\n")
    (styles / "clinic.yaml").write_text("extends: base\n")
    with (tmp_path / "handouts.yaml").open("a") as config:
        config.write("style: clinic\n")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _build(*extra):
    result = run_cli("build", "ixabepilone", "--jobs", 1, *extra)
    assert result.exit_code == 0, result.output
    return counts(result.output) if SUMMARY.search(result.output) else (1, 0, 0)


def _append(path: Path, text: bytes = b"\n# changed\n") -> None:
    path.write_bytes(path.read_bytes() + text)


def _copy_package_part(monkeypatch, tmp_path, attribute_owner, name, source: Path) -> Path:
    copy = tmp_path / "copied" / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(attribute_owner, name, copy)
    return copy


CHANGES = {
    "page byte": lambda ws, mp: _append(ws / "content" / "ixabepilone.md", b" "),
    "style file": lambda ws, mp: _append(ws / "styles" / "clinic.yaml"),
    "parent style": lambda ws, mp: _append(ws / "styles" / "base.yaml"),
    "config file": lambda ws, mp: _append(ws / "handouts.yaml"),
    "logo": lambda ws, mp: make_logo(ws / "logo.png", colour=(200, 0, 0)),
    "font": lambda ws, mp: _append(_copy_package_part(
        mp, ws, glyphs, "FONT_DIR",
        Path(handouts.__file__).parent / "fonts") / "DejaVuSans.ttf", b"\0"),
    "package source": lambda ws, mp: _append(_copy_package_part(
        mp, ws, manifest, "PACKAGE_DIR", Path(handouts.__file__).parent) / "render" / "document.py"),
    "package version": lambda ws, mp: mp.setattr(handouts, "__version__", "99.0"),
    "library version": lambda ws, mp: mp.setattr(
        manifest, "_version", lambda name: "9.9" if name == "reportlab" else "1"),
    "SOURCE_DATE_EPOCH": lambda ws, mp: mp.setenv("SOURCE_DATE_EPOCH", "1700000000"),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_changing_any_input_rebuilds_and_nothing_else_does(workspace, monkeypatch, kind):
    pdf = workspace / "out" / "ixabepilone.pdf"
    assert _build() == (1, 0, 0)
    before = pdf.stat().st_mtime_ns
    assert _build() == (0, 1, 0)
    assert pdf.stat().st_mtime_ns == before  # not even rewritten
    CHANGES[kind](workspace, monkeypatch)
    assert _build() == (1, 0, 0), kind
    assert _build() == (0, 1, 0), kind


def test_touching_or_rewriting_inputs_unchanged_does_not_rebuild(workspace):
    assert _build() == (1, 0, 0)
    later = time.time() + 100
    for path in [workspace / "content" / "ixabepilone.md", workspace / "handouts.yaml",
                 workspace / "logo.png", *sorted((workspace / "styles").iterdir())]:
        path.write_bytes(path.read_bytes())
        os.utime(path, (later, later))
    assert _build() == (0, 1, 0)


def test_force_rebuilds_and_a_damaged_or_missing_pdf_is_rebuilt(workspace):
    pdf = workspace / "out" / "ixabepilone.pdf"
    assert _build() == (1, 0, 0)
    assert _build("--force") == (1, 0, 0)
    pdf.write_bytes(pdf.read_bytes()[:1000])  # truncated by hand
    assert _build() == (1, 0, 0)
    pdf.unlink()
    assert _build() == (1, 0, 0)
    (workspace / "out" / manifest.MANIFEST_NAME).write_text("{not json")
    assert _build() == (1, 0, 0)
    assert _build() == (0, 1, 0)


def test_manifest_records_input_and_output_hashes(workspace):
    _build()
    import json

    data = json.loads((workspace / "out" / manifest.MANIFEST_NAME).read_text())
    entry = data["handouts"]["ixabepilone.pdf"]
    assert entry["output"] == sha256(workspace / "out" / "ixabepilone.pdf")
    assert re.fullmatch(r"[0-9a-f]{64}", entry["inputs"])


# -- shards --------------------------------------------------------------------------

def test_shards_are_disjoint_cover_all_and_depend_on_the_name_only():
    pages = find_pages(corpus_dir())
    slices = [select_shard(pages, k, 4) for k in range(1, 5)]
    names = [{p.name for p in s} for s in slices]
    assert sum(len(s) for s in names) == len(pages) == len(set().union(*names))
    assert all(len(s) > len(pages) / 8 for s in names)  # roughly balanced
    half = pages[::2]  # other pages added or removed: no page changes shard
    for k in range(1, 5):
        assert set(select_shard(half, k, 4)) <= set(slices[k - 1])
    assert shard_of("Abacavir", 4) == shard_of("abacavir", 4)


def test_shard_builds_split_the_pages(sample, tmp_path):
    outs = []
    for k in (1, 2):
        result = run_cli("build", "--all", "--content", sample, "--out", tmp_path / str(k),
                         "--shard", f"{k}/2", "--jobs", 1)
        assert result.exit_code == 0, result.output
        outs.append({p.name for p in (tmp_path / str(k)).glob("*.pdf")})
    assert outs[0] and outs[1] and not outs[0] & outs[1]
    assert outs[0] | outs[1] == {f"{p.stem}.pdf" for p in sample.glob("*.md")}


@pytest.mark.parametrize("value", ["0/3", "4/3", "1/0", "a/b", "3", "-1/2", "1/2/3"])
def test_bad_shard_is_a_usage_error(sample, value):
    result = run_cli("build", "--all", "--content", sample, "--shard", value)
    assert result.exit_code == 2
    assert "Invalid value for '--shard'" in result.output
    assert "K/N" in result.output


def test_parse_shard():
    assert parse_shard("2/5") == (2, 5) and parse_shard(" 1 / 1 ") == (1, 1)
    with pytest.raises(ValueError, match="1 <= K <= N"):
        parse_shard("6/5")


def test_help_lists_the_batch_options():
    text = run_cli("build", "--help").output
    for option in ("--jobs", "--force", "--shard"):
        assert option in text
