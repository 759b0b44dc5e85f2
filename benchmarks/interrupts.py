"""Stress test: interrupt `handouts build --all --jobs 2` over the corpus at random
moments, again and again, and count what went wrong.

Kinds (cycled): SIGINT to the whole process group (a terminal's Ctrl-C), SIGINT to the
main process alone, SIGTERM to the main process (timeout, CI, systemd), SIGHUP to the
group (a closed terminal). Per trial it checks: the process ends within --hang seconds
(else a hang: the group is killed), exit code 128+signal and a last line
`interrupted: ...`, no live process of its group left 2 s later, every PDF passes
`qpdf --check`, no temp file left, every PDF written is in the manifest with its hash.
Trials share one output folder, so each run resumes the last one: it must skip exactly
the PDFs already there. Once more than half the pages are built, a run to the end must
build exactly the rest (no failure, built + skipped = all pages); then the folder starts
empty again.

    .venv/bin/python benchmarks/interrupts.py --trials 10      # 10 of each kind
    .venv/bin/python benchmarks/interrupts.py --quick          # one of each, ~2 min

Prints one line per trial and the totals; exits 1 if any count is not zero. Not part of
the test run (tests/test_interrupts.py runs a bounded version).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import copy_pages, drug_pages, live_in_group  # noqa: E402  (the suite's own)

CORPUS = ROOT.parent / "shared" / "corpus"
KINDS = {"int-group": (signal.SIGINT, True), "int-main": (signal.SIGINT, False),
         "term-main": (signal.SIGTERM, False), "hup-group": (signal.SIGHUP, True)}


def command(content: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "handouts", "build", "--all", "--content", str(content),
            "--out", str(out), "--jobs", str(jobs)]


def damaged(out: Path) -> list[str]:
    bad = []
    for pdf in sorted(out.glob("*.pdf")):
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        if done.returncode != 0:
            bad.append(pdf.name)
    return bad


def unrecorded(out: Path) -> list[str]:
    """PDFs whose manifest entry is missing or holds another hash."""
    try:
        entries = json.loads((out / ".handouts-manifest.json").read_text())["handouts"]
    except (OSError, ValueError, KeyError):
        entries = {}
    return [p.name for p in sorted(out.glob("*.pdf"))
            if entries.get(p.name, {}).get("output") != hashlib.sha256(p.read_bytes()).hexdigest()]


def counts(line: str) -> tuple[int, int, int]:
    import re

    match = re.search(r"built (\d+), skipped (\d+) \(up to date\), failed (\d+)", line)
    return tuple(int(g) for g in match.groups()) if match else (-1, -1, -1)


def trial(kind: str, content: Path, out: Path, jobs: int, delay: float, hang: float) -> dict:
    signum, group = KINDS[kind]
    before = len(list(out.glob("*.pdf"))) if out.exists() else 0
    proc = subprocess.Popen(command(content, out, jobs), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=ROOT)
    time.sleep(delay)
    (os.killpg if group else os.kill)(proc.pid, signum)
    sent = time.monotonic()
    row = {"kind": kind, "delay": delay, "hang": 0}
    try:
        _, err = proc.communicate(timeout=hang)
    except subprocess.TimeoutExpired:
        row["hang"] = 1
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    row["seconds"] = time.monotonic() - sent
    lines = err.strip().splitlines() or [""]
    finished = proc.returncode == 0  # the build ended before the signal came
    row["finished_first"] = int(finished)
    row["bad_exit"] = int(not finished and (proc.returncode != 128 + signum
                                            or not lines[-1].startswith("interrupted: ")))
    row["traceback"] = int("Traceback" in err)
    time.sleep(2)
    left = live_in_group(proc.pid)
    row["leftover"] = len(left)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    row["built"], skipped, failed = counts(lines[-1])
    # a run that planned nothing yet prints no counts; one that did skipped the rest
    row["resume_bad"] = int(skipped not in (-1, before) or failed > 0)
    row["damaged"] = len(damaged(out)) if out.exists() else 0
    row["temp"] = len([p for p in out.glob(".*.part")]) if out.exists() else 0
    row["unrecorded"] = len(unrecorded(out)) if out.exists() else 0
    return row


def run_to_the_end(content: Path, out: Path, jobs: int, total: int) -> int:
    """1 if a resumed run does not build exactly the missing pages, else 0."""
    pdfs = len(list(out.glob("*.pdf")))
    again = subprocess.run(command(content, out, jobs), capture_output=True, text=True,
                           cwd=ROOT, timeout=900)
    built, skipped, failed = counts(again.stderr.strip().splitlines()[-1])
    ok = again.returncode == 0 and failed == 0 and skipped == pdfs and built + skipped == total
    print(f"    resumed to the end: built {built}, skipped {skipped}, failed {failed}"
          + ("" if ok else "  <-- WRONG"), flush=True)
    return int(not ok)


PROBLEMS = ("hang", "bad_exit", "traceback", "leftover", "damaged", "temp", "unrecorded",
            "resume_bad")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10, help="trials of each kind")
    parser.add_argument("--quick", action="store_true", help="one trial of each kind")
    parser.add_argument("--content", type=Path, default=CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hang", type=float, default=30.0,
                        help="seconds after the signal before a run counts as hung")
    parser.add_argument("--max-delay", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    trials = 1 if args.quick else args.trials
    work = Path(tempfile.mkdtemp(prefix="handouts-interrupts-"))
    # Only pages the content gate lets through: a refused page would count as failed.
    pages = drug_pages(sorted(p for p in args.content.rglob("*.md")
                              if p.name.lower() not in ("readme.md", "index.md")))
    args.content, total = copy_pages(pages, work / "content"), len(pages)
    sums = {key: 0 for key in PROBLEMS + ("finished_first",)}
    started = time.monotonic()
    out, resumes = work / "out", 0
    try:
        for n in range(trials * len(kinds)):
            kind = kinds[n % len(kinds)]
            row = trial(kind, args.content, out, args.jobs,
                        round(rng.uniform(0.3, args.max_delay), 2), args.hang)
            last = n + 1 == trials * len(kinds)
            if last or len(list(out.glob("*.pdf"))) > total // 2:
                row["resume_bad"] += run_to_the_end(args.content, out, args.jobs, total)
                shutil.rmtree(out, ignore_errors=True)
                resumes += 1
            for key in sums:
                sums[key] += row[key]
            print(f"{n + 1:3} {kind:9} after {row['delay']:5.2f} s: built {row['built']:4}, "
                  f"ended in {row['seconds']:5.2f} s"
                  + "".join(f", {k} {row[k]}" for k in PROBLEMS if row[k])
                  + (" (finished before the signal)" if row["finished_first"] else ""),
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tried = trials * len(kinds)
    print(f"\n{tried} interrupts ({', '.join(kinds)}; {trials} each) over {total} pages, "
          f"--jobs {args.jobs}, {resumes} runs resumed to the end, "
          f"in {time.monotonic() - started:.0f} s")
    print(", ".join(f"{key} {value}" for key, value in sums.items()))
    return 1 if any(sums[k] for k in PROBLEMS) else 0


if __name__ == "__main__":
    sys.exit(main())
