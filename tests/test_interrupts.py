"""Stop signals and time limits on real batches (real processes, real signals): a batch
ends within seconds with 128+signal, leaves no worker running, every PDF complete, the
manifest holding everything built, and the next run resumes. A bounded version of
benchmarks/interrupts.py."""

from __future__ import annotations

import json
import os
import re
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from handouts.read.workspace import find_pages, select_shard
from helpers import (
    ROOT, copy_pages, corpus_pages, corpus_sample, counts, drug_pages, live_in_group, run_cli,
    sha256,
)

STOPS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}
ENDS_WITHIN = 20  # seconds from the signal to the exit: "within a few seconds", with room
                  # for a loaded CI machine


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """Enough pages that a batch is still running when it is interrupted (all of them
    drug handouts: a page the content gate refuses would count as failed)."""
    pages = drug_pages(corpus_pages())[:160]
    assert len(pages) == 160
    return copy_pages(pages, tmp_path_factory.mktemp("many"))


def _start(content: Path, out: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "handouts", "build", "--all", "--content", str(content),
         "--out", str(out), *map(str, extra)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        cwd=ROOT)


def _when_first_pdf(out: Path, extra_delay: float = 0.0, before: int = 0) -> None:
    """Once this run wrote its first PDF (there were `before`), and `extra_delay` more."""
    deadline = time.monotonic() + 60
    while len(list(out.glob("*.pdf"))) <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(extra_delay)


def _interrupt(content: Path, out: Path, jobs: int, signum: int, whole_group: bool,
               delay: float = 0.0, before: int = 0):
    """Start a real build, send `signum` once PDFs are being written, and wait."""
    proc = _start(content, out, "--jobs", jobs)
    _when_first_pdf(out, delay, before)
    (os.killpg if whole_group else os.kill)(proc.pid, signum)
    sent = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=ENDS_WITHIN)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"no exit {ENDS_WITHIN} s after {signal.Signals(signum).name}: hung")
    took = time.monotonic() - sent
    time.sleep(1)  # a worker that outlived the batch would still be there
    return proc, stdout, stderr, took


def _check_clean_stop(proc, stdout, stderr, out: Path, signum: int, total: int,
                      before: int = 0) -> int:
    """Everything a clean stop promises (`before` PDFs were there); returns how many
    PDFs it built."""
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: built "), last
    built, _, failed = counts(last)
    pdfs = sorted(out.glob("*.pdf"))
    assert 0 < built == len(pdfs) - before and len(pdfs) < total and failed == 0
    # one line per PDF built ("(N pages)"); an up-to-date one says "(up to date)"
    assert len(re.findall(r"\.pdf \(\d+ pages?\)$", stdout, re.M)) == built
    assert live_in_group(proc.pid) == []
    assert [p.name for p in out.iterdir() if p.name.endswith(".part")] == []
    entries = json.loads((out / ".handouts-manifest.json").read_text())["handouts"]
    for pdf in pdfs:  # complete, and recorded with its own hash
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert done.returncode == 0, (pdf.name, done.stdout)
        assert entries[pdf.name]["output"] == sha256(pdf)
    return built


@pytest.mark.parametrize("jobs, name, whole_group", [
    (2, "SIGINT", True), (2, "SIGINT", False), (2, "SIGTERM", False), (2, "SIGHUP", True),
    (1, "SIGINT", True), (1, "SIGTERM", False)])
def test_a_stop_signal_ends_the_batch_cleanly_and_the_next_run_resumes(
        many, tmp_path, jobs, name, whole_group):
    out = tmp_path / "out"
    proc, stdout, stderr, took = _interrupt(many, out, jobs, STOPS[name], whole_group)
    assert took < ENDS_WITHIN
    _check_clean_stop(proc, stdout, stderr, out, STOPS[name], 160)
    done_before = {p.stem for p in out.glob("*.pdf")}
    rerun = run_cli("build", "--all", "--content", many, "--out", out, "--jobs", 2,
                    "--shard", "1/8")  # a slice is enough to see the skips
    in_slice = {p.name for p in select_shard(find_pages(many), 1, 8)}
    assert counts(rerun.output) == (len(in_slice - done_before),
                                    len(in_slice & done_before), 0)


def test_interrupts_in_a_row_at_random_moments_never_hang(many, tmp_path):
    """Each run resumes the last; the signal comes at a random moment of the build."""
    rng = random.Random(13)
    out = tmp_path / "out"
    kinds = [("SIGINT", True), ("SIGINT", False), ("SIGTERM", False)] * 2
    for name, whole_group in kinds:
        before = len(list(out.glob("*.pdf")))
        proc, stdout, stderr, _ = _interrupt(many, out, 2, STOPS[name], whole_group,
                                             delay=rng.uniform(0, 0.6), before=before)
        if proc.returncode == 0:  # every page was built before the signal came
            break
        _check_clean_stop(proc, stdout, stderr, out, STOPS[name], 160, before)
        assert counts(stderr)[1] == before  # it resumed: the earlier PDFs were skipped
    final = run_cli("build", "--all", "--content", many, "--out", out, "--jobs", 2)
    built, skipped, failed = counts(final.output)
    assert final.exit_code == 0 and failed == 0 and built + skipped == 160


def test_a_second_ctrl_c_ends_the_process_at_once(many, tmp_path):
    """Workers that cannot let go (frozen here with SIGSTOP) hold the first Ctrl-C for up
    to parallel.STOP_GRACE; a second one ends the process, and its workers, at once."""
    out = tmp_path / "out"
    proc = _start(many, out, "--jobs", 2)
    _when_first_pdf(out)
    workers = [pid for pid in live_in_group(proc.pid) if pid != proc.pid]
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    os.kill(proc.pid, signal.SIGINT)
    time.sleep(1.0)
    assert proc.poll() is None  # still waiting for the workers to drop their pages
    os.kill(proc.pid, signal.SIGINT)
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=ENDS_WITHIN)
    assert time.monotonic() - sent < 2
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "stopped at once (second interrupt)"
    time.sleep(1)
    assert live_in_group(proc.pid) == []


def test_workers_die_with_a_killed_parent(many, tmp_path):
    out = tmp_path / "out"
    proc = _start(many, out, "--jobs", 2)
    _when_first_pdf(out)
    assert len(live_in_group(proc.pid)) == 3  # the parent and its two workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=ENDS_WITHIN)
    deadline = time.monotonic() + 5
    while live_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_in_group(proc.pid) == []


def _slow_pages(content: Path, count: int) -> None:
    """Pages inside the size limit that take seconds to lay out (1,100 PDF pages)."""
    content.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (content / f"slow{n}.md").write_text(
            f"---\ntitle: Slow {n}\n---\n\n### Usage\n\n" + "abcdefg " * 240_000 + "\n")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_over_the_time_limit_fails_alone(tmp_path, jobs):
    content = tmp_path / "content"
    _slow_pages(content, 1)
    copy_pages(corpus_sample(3), content)
    out = tmp_path / "out"
    start = time.monotonic()
    result = run_cli("build", "--all", "--content", content, "--out", out, "--jobs", jobs,
                     "--time-limit", 0.5)
    assert time.monotonic() - start < 30
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {content / 'slow0.md'}: took longer than 0.5 s and was "
                      "stopped (the time limit per page; see --time-limit)"]
    assert counts(result.output) == (3, 0, 1)
    assert sorted(p.stem for p in out.glob("*.pdf")) == sorted(p.stem for p in
                                                               corpus_sample(3))
    for pdf in out.glob("*.pdf"):
        with pikepdf.open(pdf) as doc:
            assert len(doc.pages) >= 1
