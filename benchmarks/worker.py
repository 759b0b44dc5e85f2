"""One measurement in a fresh process; prints one JSON object on stdout.

run.py starts this with a timeout for each figure, so imports, fonts and memory of one
measurement never leak into another.

    worker.py throughput ENGINE LIST OUT   pages/s of one engine in this process
    worker.py rss LIST OUT CHECKPOINTS     VmHWM after 100, 500, 1000 handouts builds
    worker.py cli -- CMD ...               wall time and the peak RSS of CMD's processes
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import vm_status  # noqa: E402


def throughput(engine_name: str, list_file: str, out: str) -> dict:
    from benchmarks.engines import ENGINES

    pages = [Path(p) for p in Path(list_file).read_text().splitlines() if p]
    out_dir = Path(out)
    warm_dir = out_dir / ".warm"
    warm_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    engine = ENGINES[engine_name](warm_dir)
    engine.render(pages[0])  # imports, fonts, caches: paid once per batch, not timed
    setup = time.perf_counter() - started
    engine.out_dir = out_dir
    failed: list[str] = []
    pdf_pages = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for page in pages:
        try:
            pdf_pages += engine.render(page) or 0
        except Exception as exc:  # report, keep going: one bad page must not void the run
            failed.append(f"{page.name}: {type(exc).__name__}: {str(exc)[:200]}")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"engine": engine_name, "pages": len(pages) - len(failed), "failed": failed,
            "wall": wall, "cpu": cpu, "setup": setup, "pdf_pages": pdf_pages,
            "peak_rss": vm_status()["VmHWM"]}


def rss(list_file: str, out: str, checkpoints: str) -> dict:
    from handouts.deliver.batch import build_one
    from handouts.settings.style import load_style

    pages = [Path(p) for p in Path(list_file).read_text().splitlines() if p]
    marks = sorted(int(c) for c in checkpoints.split(","))
    style, out_dir = load_style("default"), Path(out)
    rows, failed = [], 0
    start = time.perf_counter()
    for i in range(marks[-1]):
        page = pages[i % len(pages)]
        try:
            build_one(page, page.stem, style, out_dir)
        except Exception:
            failed += 1
        if i + 1 in marks:
            status = vm_status()
            rows.append({"pages": i + 1, "hwm": status["VmHWM"], "rss": status["VmRSS"],
                         "seconds": time.perf_counter() - start})
    return {"checkpoints": rows, "failed": failed}


def cli(cmd: list[str], timeout: float) -> dict:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = "timeout", exc.stdout or "", exc.stderr or ""
        out = out.decode() if isinstance(out, bytes) else out
        err = err.decode() if isinstance(err, bytes) else err
    wall = time.perf_counter() - start
    # ru_maxrss of RUSAGE_CHILDREN: the largest RSS of any one waited-for descendant
    # (the CLI itself or any of its worker processes), in KiB on Linux.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "max_child_rss": usage.ru_maxrss * 1024, "stdout": out, "stderr": err[-4000:]}


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "throughput":
        result = throughput(*argv[1:4])
    elif kind == "rss":
        result = rss(*argv[1:4])
    elif kind == "cli":
        timeout = float(argv[1])
        result = cli(argv[3:] if argv[2] == "--" else argv[2:], timeout)
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
