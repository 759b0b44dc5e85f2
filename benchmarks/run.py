"""Benchmark handouts against WeasyPrint and Typst on the same pages, in one run.

    python3 -m venv .venv && .venv/bin/pip install -q -e '.[bench]' && .venv/bin/python benchmarks/run.py

Measures (a) a cold `handouts build ixabepilone` as a whole process, (b) batch throughput
of `handouts build --all` over the corpus at --jobs 1 and the default, (c) peak RSS over
a 1,000-page batch in one process, (d) PDF sizes over the corpus and (e) WeasyPrint and
Typst on a fixed sample of the same pages; prints a table with PASS/FAIL per target and
writes benchmarks/results.md and benchmarks/results.json. Every figure is measured in
its own subprocess with a timeout. Not part of the test run (pytest collects tests/ only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    BENCH_DIR, KIB, MIB, REPO, Load, bench_env, corpus_dir, corpus_pages, median, sample,
    wait_idle,
)

PY = sys.executable
HANDOUTS = str(Path(PY).with_name("handouts"))
WORKER = str(BENCH_DIR / "worker.py")

TARGETS = {
    "cold_s": 0.35,          # cold single build, seconds (at most)
    "typst_ratio": 1.0,      # batch pages/s at default --jobs / Typst pages/s (at least)
    "weasy_ratio": 10.0,     # the same over WeasyPrint (at least)
    "median_kib": 20.0,      # median PDF over the corpus (at most)
    "rss_mib": 150.0,        # peak RSS per worker over 1,000 pages (below)
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


WAIT_IDLE = 30.0  # set from --wait-idle


def measured(fn, *args, **kwargs) -> dict:
    """Run one measurement once the machine is quiet, and record how much CPU other
    processes took meanwhile (key 'others': a share of all CPUs)."""
    wait_idle(WAIT_IDLE, log=log)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Load() as load:
        res = fn(*args, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    res["others"] = load.others(own)
    return res


# -- preflight: say clearly what is missing ----------------------------------------------

def preflight() -> dict[str, str]:
    """Which comparison engines can run; the value is why not ('' when fine)."""
    problems = {}
    try:
        import weasyprint  # noqa: F401
        problems["weasyprint"] = ""
    except ImportError:
        problems["weasyprint"] = "Python package missing: pip install -e '.[bench]'"
    except OSError as exc:  # cffi could not dlopen Pango/HarfBuzz/fontconfig
        problems["weasyprint"] = (
            f"system library missing ({exc}); install with: apt-get install -y "
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1")
    try:
        import typst  # noqa: F401
        problems["typst"] = ""
    except ImportError:
        problems["typst"] = "Python package missing: pip install -e '.[bench]'"
    for name, why in problems.items():
        if why:
            log(f"WARNING: {name} cannot run: {why}")
    return problems


def run_json(args: list[str], timeout: float, env: dict | None = None) -> dict:
    """Run worker.py with `args`; its stdout is one JSON object."""
    try:
        proc = subprocess.run([PY, WORKER, *args], capture_output=True, text=True,
                              timeout=timeout, env=env or bench_env(), cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    return json.loads(proc.stdout)


# -- (a) cold single build ---------------------------------------------------------------

def cold_build(tmp: Path, runs: int, features: dict) -> dict:
    """Each run writes into a new empty folder (and passes --force when the CLI has it),
    so an incremental build can never skip the page."""
    times, size = [], None
    for i in range(runs + 1):  # the first run only warms the page cache and .pyc files
        out = tmp / f"cold-{i}"
        cmd = [HANDOUTS, "build", "ixabepilone", "--out", str(out)]
        cmd += ["--force"] if features.get("force") else []
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              env=bench_env(), cwd=REPO)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or not (out / "ixabepilone.pdf").exists():
            return {"error": (proc.stderr.strip() or "no PDF written")[-300:]}
        size = (out / "ixabepilone.pdf").stat().st_size
        if i:
            times.append(elapsed)
    return {"median": median(times), "min": min(times), "max": max(times), "runs": times,
            "size": size}


# -- (b) batch throughput through the CLI ------------------------------------------------

def cli_features() -> dict:
    """Does `handouts build` take --jobs and --force (being added on another branch)?"""
    proc = subprocess.run([HANDOUTS, "build", "--help"], capture_output=True, text=True,
                          timeout=60, env=bench_env(), cwd=REPO)
    text = proc.stdout
    default = re.search(r"--jobs\b.*?\[default:\s*([^\]]+)\]", text, re.S)
    return {"jobs": "--jobs" in text, "force": "--force" in text,
            "default_jobs": " ".join(default.group(1).split()) if default else None}


def cli_batch(content: Path, out: Path, jobs: str | None, features: dict,
              timeout: float = 900) -> dict:
    cmd = [HANDOUTS, "build", "--all", "--content", str(content), "--out", str(out)]
    if features["force"]:
        cmd.append("--force")
    if jobs is not None and features["jobs"]:
        cmd += ["--jobs", jobs]
    res = run_json(["cli", str(timeout), "--", *cmd], timeout + 30)
    if "error" in res:
        return res
    # "built N, failed M" (older) or "built N, skipped S (up to date), failed M"
    summary = re.search(r"built (\d+),(?: skipped \d+[^,]*,)? failed (\d+)", res["stderr"])
    built = int(summary.group(1)) if summary else len(list(out.glob("*.pdf")))
    pdf_pages = sum(int(m) for m in re.findall(r"\((\d+) pages?\)\s*$", res["stdout"], re.M))
    return {"cmd": " ".join(Path(c).name if c == HANDOUTS else c for c in cmd),
            "code": res["code"], "wall": res["wall"], "cpu": res["cpu"], "built": built,
            "failed": int(summary.group(2)) if summary else None, "pdf_pages": pdf_pages,
            "pages_per_s": built / res["wall"], "max_child_rss": res["max_child_rss"]}


# -- (d) sizes ---------------------------------------------------------------------------

def sizes(folder: Path) -> dict:
    values = sorted(p.stat().st_size for p in folder.glob("*.pdf"))
    if not values:
        return {"count": 0}
    return {"count": len(values), "median": median(values), "max": values[-1],
            "min": values[0], "p90": values[int(0.9 * (len(values) - 1))],
            "total": sum(values)}


def tagged(folder: Path) -> bool | None:
    """Whether the engine's PDFs carry a structure tree (tagged PDF), from one file."""
    try:
        import pikepdf
    except ImportError:
        return None
    first = next(iter(sorted(folder.glob("*.pdf"))), None)
    if first is None:
        return None
    with pikepdf.open(first) as pdf:
        return "/StructTreeRoot" in pdf.Root


def count_pdf_pages(folder: Path) -> int | None:
    try:
        import pikepdf
    except ImportError:
        return None
    total = 0
    for path in folder.glob("*.pdf"):
        with pikepdf.open(path) as pdf:
            total += len(pdf.pages)
    return total


# -- (e) engines in one process, on the sample ---------------------------------------------

def engine_run(name: str, list_file: Path, tmp: Path, extra_env: dict | None = None,
               label: str | None = None) -> dict:
    out = tmp / f"alt-{label or name}"
    out.mkdir(parents=True, exist_ok=True)
    res = measured(run_json, ["throughput", name, str(list_file), str(out)], 900,
                   bench_env(**(extra_env or {})))
    if "error" in res:
        return res
    res["label"] = label or name
    res["pages_per_s"] = res["pages"] / res["wall"] if res["wall"] else float("nan")
    res["cpu_per_page"] = res["cpu"] / max(res["pages"], 1)
    res["sizes"] = sizes(out)
    res["pdf_pages"] = count_pdf_pages(out) or res["pdf_pages"]
    res["tagged"] = tagged(out)
    return res


def copy_sample(pages: list[Path], corpus: Path, dest: Path) -> Path:
    """The sample as a content folder of its own (copied to a temp dir: find_pages skips
    symlinks), so `handouts build --all` can run on exactly these pages."""
    for page in pages:
        target = dest / page.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    return dest


# -- report --------------------------------------------------------------------------------

def fmt_s(x) -> str:
    return f"{x:.3f} s" if isinstance(x, (int, float)) else "n/a"


def busy(res: dict) -> str:
    return f" [others {res['others']:.0%}]" if "others" in res else ""


def verdict(ok) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for pkg in ("handouts", "reportlab", "weasyprint", "typst", "markdown-it-py"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    try:
        out["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                       capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        out["commit"] = None
    return out


def targets(r: dict) -> list[tuple[str, str, str, bool | None]]:
    """(target, limit, measured, ok) rows."""
    rows = []
    cold = r["cold"].get("median")
    rows.append(("cold `handouts build ixabepilone`", f"<= {TARGETS['cold_s']} s",
                 fmt_s(cold), None if cold is None else cold <= TARGETS["cold_s"]))
    batch = r["sample_cli"].get("pages_per_s")
    for keys, name, limit in ((("typst", "typst-1thread"), "Typst", "typst_ratio"),
                              (("weasyprint",), "WeasyPrint", "weasy_ratio")):
        # the alternative's best figure (Typst with or without its threads)
        alts = [r["engines"].get(k, {}).get("pages_per_s") for k in keys]
        alt = max((a for a in alts if a), default=None)
        ratio = batch / alt if batch and alt else None
        rows.append((f"batch pages/s at default --jobs vs {name} (same {r['sample_n']} pages)",
                     f">= {TARGETS[limit]:g}x",
                     f"{ratio:.2f}x ({batch:.1f} vs {alt:.1f} pages/s)" if ratio else "n/a",
                     None if ratio is None else ratio >= TARGETS[limit]))
    med = r["sizes"].get("median")
    rows.append(("median PDF over the corpus", f"<= {TARGETS['median_kib']:g} KiB",
                 f"{med / KIB:.1f} KiB" if med else "n/a",
                 None if med is None else med / KIB <= TARGETS["median_kib"]))
    peaks = [c["hwm"] for c in r["rss"].get("checkpoints", [])]
    peaks += [b["max_child_rss"] for b in (r["batch_1"], r["batch_default"])
              if "max_child_rss" in b]
    peak = max(peaks) if peaks else None
    rows.append(("peak RSS per worker over 1,000 pages", f"< {TARGETS['rss_mib']:g} MiB",
                 f"{peak / MIB:.1f} MiB" if peak else "n/a",
                 None if peak is None else peak / MIB < TARGETS["rss_mib"]))
    cps = r["rss"].get("checkpoints", [])
    if len(cps) >= 2:
        grow = cps[-1]["hwm"] - cps[0]["hwm"]
        flat = cps[-1]["hwm"] <= cps[0]["hwm"] * 1.10
        rows.append((f"peak RSS flat ({cps[0]['pages']} -> {cps[-1]['pages']} pages)",
                     "growth <= 10%", f"{grow / MIB:+.1f} MiB", flat))
    return rows


def report(r: dict) -> str:
    v = r["versions"]
    lines = [
        "# Benchmark results",
        "",
        *([f"Measured: {r['label']}.", ""] if r.get("label") else []),
        f"Machine: {v['cpus']} CPUs, Python {v['python']}; handouts {v['handouts']} "
        f"(commit {v['commit']}), ReportLab {v['reportlab']}, WeasyPrint {v['weasyprint']}, "
        f"typst-py {v['typst']}. Corpus: {r['corpus_n']} pages. Run took "
        f"{r['elapsed']:.0f} s.",
        "",
        "## Targets",
        "",
        "| target | limit | measured | result |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | **{verdict(d)}** |" for a, b, c, d in targets(r)]
    lines += ["", "## Figures", "",
              "Other processes' share of the CPUs during each figure is shown as [others N%]; "
              "above 10% the wall-clock figure is pessimistic.", "",
              "| figure | value |", "| --- | --- |"]
    c = r["cold"]
    if "median" in c:
        lines.append(f"| (a) cold `handouts build ixabepilone`, median of {len(c['runs'])} "
                     f"| {c['median']:.3f} s (min {c['min']:.3f}, max {c['max']:.3f}){busy(c)} |")
    else:
        lines.append(f"| (a) cold build | error: {c.get('error')} |")
    for key, label in (("batch_1", "--jobs 1"), ("batch_default", "default --jobs")):
        b = r[key]
        if "wall" in b:
            lines.append(
                f"| (b) corpus batch, {label}: `{b['cmd']}` | {b['pages_per_s']:.1f} pages/s "
                f"({b['built']} built, {b['failed']} failed, {b['pdf_pages']} PDF pages, "
                f"{b['wall']:.1f} s wall, {b['cpu']:.1f} s CPU; largest process "
                f"{b['max_child_rss'] / MIB:.1f} MiB){busy(b)} |")
        else:
            lines.append(f"| (b) corpus batch, {label} | error: {b.get('error')} |")
    for cp in r["rss"].get("checkpoints", []):
        lines.append(f"| (c) in-process build_one loop, after {cp['pages']} pages | VmHWM "
                     f"{cp['hwm'] / MIB:.1f} MiB, VmRSS {cp['rss'] / MIB:.1f} MiB "
                     f"({cp['pages'] / cp['seconds']:.1f} pages/s){busy(r['rss'])} |")
    if "error" in r["rss"]:
        lines.append(f"| (c) RSS | error: {r['rss']['error']} |")
    s = r["sizes"]
    if s.get("count"):
        lines.append(f"| (d) PDF size over {s['count']} corpus PDFs | median {s['median'] / KIB:.1f}"
                     f" KiB, p90 {s['p90'] / KIB:.1f} KiB, max {s['max'] / KIB:.1f} KiB |")
    sc = r["sample_cli"]
    if "wall" in sc and sc is not r["batch_default"] and r["sample_n"] < r["corpus_n"]:
        lines.append(f"| (e) handouts CLI on the {r['sample_n']}-page sample, default --jobs "
                     f"| {sc['pages_per_s']:.1f} pages/s ({sc['wall']:.1f} s wall){busy(sc)} |")
    lines += ["", f"## Engines in one process, same {r['sample_n']} pages "
              f"(Letter, DejaVu Sans, body {r['metrics']['body']}, headings "
              f"{r['metrics']['heading']}, footer: disclaimer + page X of Y)", "",
              "| engine | pages/s | vs handouts | CPU ms/page | PDF pages | median PDF | max PDF "
              "| vs handouts (median size) | tagged PDF | peak RSS | others |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    base = r["engines"].get("handouts", {})
    for e in r["engines"].values():
        if "error" in e:
            lines.append(f"| {e.get('label')} | error: {e['error']} | | | | | | | | | |")
            continue
        sz = e["sizes"]
        rel = e["pages_per_s"] / base["pages_per_s"] if base.get("pages_per_s") else float("nan")
        srel = sz["median"] / base["sizes"]["median"] if base.get("sizes") else float("nan")
        lines.append(f"| {e['label']} | {e['pages_per_s']:.1f} | {rel:.2f}x | "
                     f"{e['cpu_per_page'] * 1000:.0f} ms | {e['pdf_pages']} | "
                     f"{sz['median'] / KIB:.1f} KiB | {sz['max'] / KIB:.1f} KiB | {srel:.2f}x | "
                     f"{ {True: 'yes', False: 'no'}.get(e.get('tagged'), '?')} | "
                     f"{e['peak_rss'] / MIB:.0f} MiB | {e.get('others', 0):.0%} |")
        if e.get("failed"):
            lines.append(f"|  ({e['label']} failed on {len(e['failed'])} page(s): "
                         f"{'; '.join(e['failed'][:3])}) | | | | | | | | | |")
    lines += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"


# -- main ------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=0,
                    help="pages for the engine comparison, spread over the corpus; 0 = every "
                         "page [0]. WeasyPrint takes ~0.16 s a page: 100 keeps a run short")
    ap.add_argument("--runs", type=int, default=7, help="cold builds to take the median of [7]")
    ap.add_argument("--rss-pages", default="100,500,1000",
                    help="checkpoints of the in-process RSS loop [100,500,1000]")
    ap.add_argument("--limit", type=int, default=0,
                    help="use only the first N corpus pages for the batch runs (smoke test)")
    ap.add_argument("--wait-idle", type=float, default=30.0,
                    help="before each figure, wait up to this many seconds for other "
                         "processes to leave the CPUs idle [30]")
    ap.add_argument("--label", default="",
                    help="what was measured, for the report header (e.g. a branch and commit)")
    ap.add_argument("--results", type=Path, default=BENCH_DIR / "results.md",
                    help="where to write the Markdown results (JSON beside it)")
    args = ap.parse_args()

    global WAIT_IDLE
    WAIT_IDLE = args.wait_idle
    started = time.perf_counter()
    corpus = corpus_dir()
    if not corpus.is_dir():
        log(f"error: corpus not found at {corpus} (expected <repo>/../shared/corpus; "
            "set HANDOUTS_BENCH_CORPUS to override)")
        return 2
    if not Path(HANDOUTS).exists():
        log(f"error: {HANDOUTS} not found: install the project into this venv first")
        return 2
    problems = preflight()
    pages = corpus_pages(corpus)
    notes = [f"Corpus: {corpus} ({len(pages)} pages); SOURCE_DATE_EPOCH fixed; every figure "
             "in its own process."]
    from benchmarks.common import style_metrics

    m = style_metrics()
    results: dict = {"corpus_n": len(pages), "notes": notes, "versions": versions(),
                     "label": args.label,
                     "metrics": {"body": f"{m.body_size:g}/{m.body_leading:g} pt",
                                 "heading": f"{m.heading_size:g} pt"}}

    with tempfile.TemporaryDirectory(prefix="handouts-bench-") as tmpname:
        tmp = Path(tmpname)
        batch_content = corpus
        if args.limit:
            batch_content = copy_sample(pages[:args.limit], corpus, tmp / "limited")
            notes.append(f"--limit {args.limit}: batch runs used only the first "
                         f"{args.limit} pages (smoke test, not a result)")

        features = cli_features()
        log("(a) cold single build ...")
        results["cold"] = measured(cold_build, tmp, args.runs, features)

        results["features"] = features
        if not features["jobs"]:
            notes.append("`handouts build` has no --jobs yet: both batch runs are the plain "
                         "serial `build --all` (the 'default --jobs' figure is serial too).")
        else:
            notes.append(f"`handouts build --jobs` default: {features['default_jobs'] or 'not shown in --help'}.")
        if not features["force"]:
            notes.append("`handouts build` has no --force yet: each batch writes into a new "
                         "empty folder instead.")

        log("(b) corpus batch, --jobs 1 ...")
        results["batch_1"] = measured(cli_batch, batch_content, tmp / "batch-1", "1", features)
        log("(b) corpus batch, default --jobs ...")
        results["batch_default"] = measured(cli_batch, batch_content, tmp / "batch-default", None, features)
        results["sizes"] = sizes(tmp / "batch-default")

        log("(c) peak RSS over a 1,000-page in-process loop ...")
        rss_list = tmp / "rss-pages.txt"
        rss_list.write_text("\n".join(map(str, pages)))
        results["rss"] = measured(run_json, ["rss", str(rss_list), str(tmp / "rss-out"),
                                                      args.rss_pages], 900)
        if len(pages) < max(int(c) for c in args.rss_pages.split(",")):
            notes.append("The RSS loop cycles through the corpus (fewer pages than checkpoints).")

        chosen = pages if args.sample <= 0 else sample(pages, args.sample)
        results["sample_n"] = len(chosen)
        if len(chosen) < len(pages):
            notes.append(f"Engine sample: {len(chosen)} pages, every {len(pages) / len(chosen):.1f}th "
                         "of the sorted corpus; the same files for all engines, and the CLI batch "
                         "target is measured on a copy of exactly these pages.")
        else:
            notes.append("Engines: every corpus page; the batch targets use the corpus batch (b).")
        notes.append("Each engine sets up once (fonts, style, parser) and renders one untimed "
                     "warm-up page first, as a long batch would.")
        list_file = tmp / "sample.txt"
        list_file.write_text("\n".join(map(str, chosen)))
        if args.limit or len(chosen) < len(pages):
            # the batch target compares like with like: the CLI on exactly these pages
            sample_content = copy_sample(chosen, corpus, tmp / "sample-content")
            log(f"(e) handouts CLI on the {len(chosen)}-page sample, default --jobs ...")
            results["sample_cli"] = measured(cli_batch, sample_content, tmp / "sample-cli",
                                             None, features)
        else:
            results["sample_cli"] = results["batch_default"]  # the corpus run is the sample

        engines = {}
        log("(e) handouts in one process ...")
        engines["handouts"] = engine_run("handouts", list_file, tmp)
        if not problems.get("typst"):
            log("(e) typst ...")
            engines["typst"] = engine_run("typst", list_file, tmp)
            log("(e) typst, one thread ...")
            engines["typst-1thread"] = engine_run("typst", list_file, tmp,
                                                  {"RAYON_NUM_THREADS": "1"}, "typst-1thread")
        else:
            engines["typst"] = {"error": problems["typst"], "label": "typst"}
        if not problems.get("weasyprint"):
            log("(e) weasyprint ...")
            engines["weasyprint"] = engine_run("weasyprint", list_file, tmp)
        else:
            engines["weasyprint"] = {"error": problems["weasyprint"], "label": "weasyprint"}
        results["engines"] = engines
        notes.append("pages/s counts source pages (documents), not PDF pages. handouts prints "
                     "more per page (warning box, header, review band, bookmarks) so it makes "
                     "more PDF pages from the same text; Typst and WeasyPrint print the Markdown "
                     "as is, with the page's disclaimer moved to the footer.")
        notes.append("Typst runs with its default threads and with RAYON_NUM_THREADS=1 "
                     "(`typst-1thread`); the targets compare against the faster of the two.")

    noisy = [k for k, v in results.items() if isinstance(v, dict) and v.get("others", 0) > 0.10]
    noisy += [k for k, v in results.get("engines", {}).items() if v.get("others", 0) > 0.10]
    if noisy:
        notes.append("Other processes used more than 10% of the CPUs during: "
                     f"{', '.join(noisy)}; those wall-clock figures are pessimistic (CPU ms/page "
                     "is not affected). Re-run on a quiet machine for clean figures.")
    results["elapsed"] = time.perf_counter() - started
    text = report(results)
    print(text)
    args.results.write_text(text)
    args.results.with_suffix(".json").write_text(
        json.dumps(results, indent=2, default=str) + "\n")
    log(f"wrote {args.results} and {args.results.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
