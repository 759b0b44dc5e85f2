"""Where the time and the bytes go: profiles and PDF-size analysis behind the findings.

    .venv/bin/python benchmarks/profiling.py            # writes benchmarks/profile.md

1. Cold single build: interpreter start-up, -X importtime by package, phase timings in
   fresh processes, and a cProfile of `python -m handouts build ixabepilone`.
2. A 100-page in-process batch (the engine sample): cProfile by area and function, and
   experiments run in their own processes (no fsync, no ASCII85) to price each finding.
3. PDF bytes by kind (font programs, ToUnicode, widths, content streams, outlines, xref)
   with pikepdf and the classic xref offsets, ReportLab's font subsets against fontTools
   subsets of the same glyphs without hinting, and size experiments.

The experiments monkeypatch ReportLab or handouts *inside their own benchmark process*
only; nothing under handouts/ is changed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    BENCH_DIR, FONT_DIR, KIB, REPO, bench_env, corpus_dir, corpus_pages, median, sample,
    wait_idle,
)

PY = sys.executable
SELF = str(Path(__file__).resolve())


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(args, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env=bench_env(), cwd=REPO, **kw)


# -- 1. cold build ----------------------------------------------------------------------

PHASES = r'''
import time, sys
T = [("start", time.perf_counter())]
def mark(n): T.append((n, time.perf_counter()))
import handouts.cli; mark("import handouts.cli (click)")
from pathlib import Path
from handouts.settings.inputs import Inputs
config, style = Inputs.locate(None, None).load(); mark("load config + style (YAML)")
from handouts.read.workspace import resolve
pages = resolve(["ixabepilone"], Path("content")); mark("find the page")
import handouts.read.parse; mark("import parse (ftfy, markdown-it, frontmatter)")
import handouts.render.document; mark("import render (ReportLab)")
drug = handouts.read.parse.read_page(pages[0].path, "ixabepilone"); mark("read_page (first call)")
look = handouts.render.look.look_for(style); mark("look_for: register 4 TTFs, styles")
r = handouts.render.document.render(drug, style, config); mark("render")
from handouts.deliver.files import write_atomic
write_atomic(Path(sys.argv[1]) / "x.pdf", r.data); mark("write_atomic (fsync)")
import json
print(json.dumps({b: t1 - t0 for (a, t0), (b, t1) in zip(T, T[1:])}))
'''


def cold_section(tmp: Path, runs: int) -> list[str]:
    wait_idle(60, log=log)
    out = ["## 1. Cold single build", ""]
    handouts = str(Path(PY).with_name("handouts"))
    force = ["--force"] if "--force" in sh([handouts, "build", "--help"]).stdout else []
    fresh = iter(range(10_000))

    def build_args() -> list[str]:
        """A new empty folder every time, so an incremental build never skips the page."""
        return ["build", "ixabepilone", "--out", str(tmp / f"cold-{next(fresh)}"), *force]

    starts = {}
    for label, args in (("`python -c pass`", lambda: [PY, "-c", "pass"]),
                        ("`python -I -S -c pass` (no site)", lambda: [PY, "-I", "-S", "-c", "pass"]),
                        ("`handouts --help`", lambda: [handouts, "--help"]),
                        ("`handouts build ixabepilone`", lambda: [handouts, *build_args()])):
        times = []
        for i in range(runs + 1):
            cmd = args()
            t = time.perf_counter()
            sh(cmd)
            if i:
                times.append(time.perf_counter() - t)
        starts[label] = median(times)
    out += ["Whole-process wall time, median of %d:" % runs, "",
            "| command | wall |", "| --- | --- |"]
    out += [f"| {k} | {v * 1000:.0f} ms |" for k, v in starts.items()]

    # phases, each run in a fresh process
    script = tmp / "phases.py"
    script.write_text(PHASES)
    rows = defaultdict(list)
    for _ in range(runs):
        res = sh([PY, str(script), str(tmp)])
        try:
            for k, v in json.loads(res.stdout).items():
                rows[k].append(v)
        except json.JSONDecodeError:  # the package's internals moved: say so, go on
            rows.clear()
            out += ["", "(phase timings skipped: " + (res.stderr.strip().splitlines()
                                                      or ["no output"])[-1] + ")"]
            break
    total = sum(median(v) for v in rows.values()) or float("nan")
    out += ["", f"Phases inside one cold process (median of {runs} fresh processes; "
            "interpreter start-up comes on top):", "",
            "| phase | ms | share |", "| --- | --- | --- |"]
    out += [f"| {k} | {median(v) * 1000:.1f} | {median(v) / total:.0%} |" for k, v in rows.items()]
    out.append(f"| total in-process | {total * 1000:.1f} | |")

    # -X importtime, grouped by top-level package (self time)
    res = sh([PY, "-X", "importtime", "-m", "handouts", *build_args()])
    res = sh([PY, "-X", "importtime", "-m", "handouts", *build_args()])  # .pyc files warm
    selfs, cums = Counter(), {}
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            selfs[m[4].split(".")[0]] += int(m[1])
            cums[m[4]] = int(m[2])
    total_imp = sum(selfs.values())
    out += ["", f"`python -X importtime -m handouts build ixabepilone`: {total_imp / 1000:.0f} ms "
            "of imports. Self time by top-level package:", "",
            "| package | self ms |", "| --- | --- |"]
    out += [f"| {k} | {v / 1000:.1f} |" for k, v in selfs.most_common(12)]
    keys = ["handouts.cli", "click", "handouts.settings.config", "handouts.render.document", "reportlab.platypus",
            "reportlab.platypus.paragraph", "ftfy", "wcwidth", "markdown_it", "yaml",
            "PIL.Image", "pyphen", "handouts.review", "handouts.model", "frontmatter"]
    out += ["", "Cumulative import time of selected modules (ms): "
            + ", ".join(f"{k} {cums[k] / 1000:.1f}" for k in keys if k in cums) + "."]

    # cProfile of the whole cold run
    prof = tmp / "cold.prof"
    sh([PY, "-m", "cProfile", "-o", str(prof), "-m", "handouts", *build_args()])
    out += ["", "cProfile of the cold run, selected cumulative times (ms; profiling "
            "overhead inflates them, compare shares):", ""]
    out += stats_table(prof, cumulative=True, pattern=(
        r"handouts/(cli|style|config|parse|layout|fonts|output|sections|check|review)\.py|"
        r"ttfonts\.py:\d+\(__init__\)|doctemplate\.py:\d+\(build\)|ftfy/__init__|"
        r"markdown_it/main\.py:\d+\((parse|__init__)\)|yaml/__init__\.py:\d+\(load\)"), limit=22)
    return out


def stats_table(prof_path, cumulative: bool, pattern: str | None = None, limit: int = 20):
    st = pstats.Stats(str(prof_path))
    rows = []
    for (file, line, func), (cc, nc, tt, ct, callers) in st.stats.items():
        name = f"{_short(file)}:{line}({func})"
        if pattern and not re.search(pattern, name):
            continue
        rows.append((ct if cumulative else tt, nc, tt, ct, name))
    rows.sort(reverse=True)
    out = ["| function | calls | self ms | cumulative ms |", "| --- | --- | --- | --- |"]
    out += [f"| `{n}` | {nc} | {tt * 1000:.1f} | {ct * 1000:.1f} |"
            for _, nc, tt, ct, n in rows[:limit]]
    return out


def _short(file: str) -> str:
    for marker in ("site-packages/", "/handouts/", "lib/python3"):
        if marker in file:
            tail = file.split(marker, 1)[1]
            return ("handouts/" + tail) if marker == "/handouts/" else tail
    return file


# -- 2. in-process batch -------------------------------------------------------------------

AREAS = [  # first match wins: (label, regex on the file path)
    ("os.fsync (write_atomic)", r"\{built-in method posix\.fsync\}"),
    ("zlib compress", r"zlib"),
    ("ReportLab TTF subsetting (ttfonts)", r"reportlab/pdfbase/ttfonts"),
    ("ReportLab paragraph wrap/split (platypus.paragraph)", r"reportlab/platypus/paragraph\.py"),
    ("ReportLab paragraph markup parser (paraparser)", r"reportlab/platypus/paraparser"),
    ("ReportLab stringWidth/metrics (pdfmetrics, rl_accel)", r"pdfmetrics|rl_accel|stringWidth"),
    ("ReportLab PDF objects + serialisation (pdfdoc)", r"reportlab/pdfbase/pdfdoc"),
    ("ReportLab canvas/textobject", r"reportlab/pdfgen"),
    ("ReportLab frames/doctemplate/flowables", r"reportlab/platypus"),
    ("ReportLab other", r"reportlab/"),
    ("ftfy + wcwidth (mojibake repair)", r"ftfy|wcwidth"),
    ("markdown-it", r"markdown_it"),
    ("YAML / front matter", r"yaml|frontmatter"),
    ("handouts parse/sections/model", r"handouts/(parse|sections|model|yamlsafe|review)"),
    ("handouts layout/flowables/fonts/output", r"handouts/"),
    ("re / regex", r"re/_|\{method '(sub|match|search|findall|finditer|split)'"),
]


def batch_profile(list_file: Path, out_dir: Path, prof_path: Path) -> dict:
    """In this process: build every listed page under cProfile."""
    from handouts.deliver.batch import build_one
    from handouts.settings.style import load_style

    pages = [Path(p) for p in list_file.read_text().splitlines() if p]
    style = load_style("default")
    build_one(pages[0], pages[0].stem, style, out_dir)  # warm-up, as the batch would be
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for page in pages:
        build_one(page, page.stem, style, out_dir)
    prof.disable()
    wall = time.perf_counter() - t
    prof.dump_stats(str(prof_path))
    return {"wall": wall, "pages": len(pages)}


def by_area(prof_path: Path) -> list[tuple[str, float]]:
    st = pstats.Stats(str(prof_path))
    totals = Counter()
    for (file, line, func), (cc, nc, tt, ct, callers) in st.stats.items():
        key = f"{file}:{func}" if file != "~" else func
        for label, rx in AREAS:
            if re.search(rx, key):
                totals[label] += tt
                break
        else:
            totals["other (stdlib, builtins)"] += tt
    return totals.most_common()


EXPERIMENTS = {  # label -> tweaks applied in a fresh process (see apply_tweaks)
    "as shipped": [],
    "no per-file fsync": ["no_fsync"],
    "rl_config.useA85 = 0": ["no_a85"],
    "_strip_controls: one regex test per line": ["strip_regex"],
    "Glyphs.fix: one regex test per run": ["glyphs_regex"],
    "ReportLab C accelerator (reportlab[accel])": ["rl_accel"],
    "all CPU tweaks above but fsync": ["no_a85", "strip_regex", "glyphs_regex", "rl_accel"],
    "all CPU tweaks and no fsync": ["no_a85", "strip_regex", "glyphs_regex", "rl_accel",
                                    "no_fsync"],
    "fonts without nameID 13 (no-op once the shipped fonts lack it)": ["no_licence"],
    "object streams (pikepdf re-save)": ["objstm"],
    "useA85 = 0 + no nameID 13": ["no_a85", "no_licence"],
    "useA85 = 0 + no nameID 13 + object streams": ["no_a85", "no_licence", "objstm"],
}

_BAD_LINE = ("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ufeff"
             "\u202a-\u202e\u2066-\u2069\u00ad]")


def apply_tweaks(tweaks: list[str], font_dir: Path) -> None:
    """Monkeypatch this benchmark process only; each tweak keeps the output the same
    except where its purpose is to change the bytes (A85, name table, object streams)."""
    import os
    import re as _re

    if "no_fsync" in tweaks:
        os.fsync = lambda fd: None
    if "no_a85" in tweaks:
        from reportlab import rl_config
        rl_config.useA85 = 0
    if "no_licence" in tweaks:
        import handouts.render.fonts
        import handouts.render.glyphs
        handouts.render.fonts.FONT_DIR = handouts.render.glyphs.FONT_DIR = font_dir
    if "strip_regex" in tweaks:
        import handouts.read.parse as hp
        bad, slow = _re.compile(_BAD_LINE), hp._strip_controls
        hp._strip_controls = lambda line, number, warnings: (
            line if not bad.search(line) else slow(line, number, warnings))
    if "glyphs_regex" in tweaks:
        import handouts.render.glyphs as hl
        slow_fix, compiled = hl.Glyphs.fix, {}

        def fix(self, text):
            rx = compiled.get(id(self.covered))
            if rx is None:
                rx = compiled[id(self.covered)] = _re.compile(
                    "[^" + _ranges(set(self.covered) | {9, 10}) + "]")
            return text if rx.search(text) is None else slow_fix(self, text)
        hl.Glyphs.fix = fix
    if "objstm" in tweaks:
        import pikepdf

        import handouts.deliver.batch as ho  # build_one's own reference
        write = ho.write_atomic

        def resave(path, data):
            with pikepdf.open(io.BytesIO(data)) as pdf:
                buf = io.BytesIO()
                pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                         compress_streams=True, deterministic_id=True)
            write(path, buf.getvalue())
        ho.write_atomic = resave


def _ranges(points: set[int]) -> str:
    """A regex character-class body for these code points, as ranges."""
    import re as _re

    out, run = [], None
    for cp in sorted(points):
        if run and cp == run[1] + 1:
            run[1] = cp
            continue
        if run:
            out.append(run)
        run = [cp, cp]
    if run:
        out.append(run)
    return "".join(_re.escape(chr(a)) if a == b else f"{_re.escape(chr(a))}-{_re.escape(chr(b))}"
                   for a, b in out)


def experiment(tweaks: list[str], list_file: Path, out_dir: Path, font_dir: Path) -> dict:
    """One configuration in this (fresh) process: wall, CPU and sizes over the pages."""
    if "rl_accel" in tweaks:
        try:
            from reportlab.lib import rl_accel
            if not getattr(rl_accel.fp_str, "__module__", "").startswith("_rl_accel") \
                    and "built-in" not in repr(rl_accel.fp_str):
                return {"error": "rl_accel not importable (pip install rl_accel)"}
        except ImportError as exc:
            return {"error": str(exc)}
    apply_tweaks(tweaks, font_dir)
    from handouts.deliver.batch import build_one
    from handouts.settings.style import load_style

    style = load_style("default")
    pages = [Path(p) for p in list_file.read_text().splitlines() if p]
    first = time.perf_counter()
    build_one(pages[0], pages[0].stem, style, out_dir)
    first = time.perf_counter() - first
    cpu, wall = time.process_time(), time.perf_counter()
    for page in pages:
        build_one(page, page.stem, style, out_dir)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    values = sorted(p.stat().st_size for p in out_dir.glob("*.pdf"))
    return {"wall": wall, "cpu": cpu, "pages": len(pages), "first_page": first,
            "median": median(values), "max": values[-1] if values else None}


def stripped_fonts(dest: Path) -> Path:
    """Copies of the bundled fonts without the licence text in the name table (nameID
    13); the copyright (0) and the licence URL (14) stay."""
    from fontTools.ttLib import TTFont

    dest.mkdir(parents=True, exist_ok=True)
    for path in FONT_DIR.glob("*.ttf"):
        font = TTFont(str(path))
        font["name"].names = [r for r in font["name"].names if r.nameID != 13]
        font.save(str(dest / path.name))
    return dest


def batch_section(tmp: Path, pages: list[Path]) -> tuple[list[str], Path]:
    list_file = tmp / "sample.txt"
    list_file.write_text("\n".join(map(str, pages)))
    out_dir = tmp / "batch-prof"
    out_dir.mkdir()
    prof = tmp / "batch.prof"
    wait_idle(60, log=log)
    res = json.loads(sh([PY, SELF, "_batch", str(list_file), str(out_dir), str(prof)],
                        timeout=900).stdout)
    st = pstats.Stats(str(prof))
    total = st.total_tt
    out = ["## 2. In-process batch of %d pages (cProfile)" % res["pages"], "",
           f"{res['pages']} pages in {res['wall']:.1f} s under cProfile "
           f"({res['pages'] / res['wall']:.1f} pages/s with profiling overhead). "
           "Self time by area:", "", "| area | self s | share |", "| --- | --- | --- |"]
    out += [f"| {k} | {v:.2f} | {v / total:.0%} |" for k, v in by_area(prof)]
    out += ["", "Top functions by self time:", ""]
    out += stats_table(prof, cumulative=False, limit=25)
    out += ["", "Selected cumulative times:", ""]
    out += stats_table(prof, cumulative=True, pattern=(
        r"handouts/(output|parse|layout|sections|flowables)\.py:\d+\("
        r"(build_one|read_page|parse_text|render|build_story|write_atomic|markdown_blocks|"
        r"build_sections|_clean|wrap|split|draw|save)\)|doctemplate\.py:\d+\((build|handle_flowable)\)|"
        r"canvas\.py:\d+\((save|showPage)\)|ttfonts\.py:\d+\((makeSubset|splitString)\)|"
        r"pdfdoc\.py:\d+\((format|GetPDFData|SaveToFile)\)|paragraph\.py:\d+\((wrap|split|draw|breakLines)\)|"
        r"ftfy/__init__\.py:\d+\((fix_text|fix_and_explain)\)"), limit=30)

    # pyinstrument: the same loop as a call tree (if installed)
    try:
        import pyinstrument  # noqa: F401
        res2 = sh([PY, SELF, "_pyinstrument", str(list_file), str(tmp / "pyi-out")], timeout=900)
        tree = res2.stdout.strip().splitlines()
        out += ["", "pyinstrument call tree of the same loop (frames >= 2% shown):", "", "```"]
        out += tree[:80] + ["```"]
    except ImportError:
        out += ["", "(pyinstrument not installed: pip install -e '.[bench]')"]

    # experiments, each in a fresh process, interleaved and repeated (median)
    fonts = stripped_fonts(tmp / "fonts-stripped")
    accel = install_rl_accel(tmp / "rl_accel")
    figures: dict[str, list] = defaultdict(list)
    for rep in range(REPEATS):
        wait_idle(60, log=log)
        for label, tweaks in EXPERIMENTS.items():
            od = tmp / f"exp-{rep}-{abs(hash(label))}"
            od.mkdir()
            env = bench_env(PYTHONPATH=str(accel)) if accel and "rl_accel" in tweaks else None
            res = subprocess.run([PY, SELF, "_exp", ",".join(tweaks), str(list_file), str(od),
                                  str(fonts)], capture_output=True, text=True, timeout=900,
                                 env=env or bench_env(), cwd=REPO)
            try:
                figures[label].append(json.loads(res.stdout))
            except json.JSONDecodeError:
                figures[label].append({"error": (res.stderr.strip().splitlines() or ["?"])[-1]})
            shutil.rmtree(od)  # keeps only the figures, and the disk small
    base = figures["as shipped"]
    base_cpu = median([r["cpu"] / r["pages"] for r in base if "cpu" in r])
    out += ["", f"### Experiments (same {len(pages)} pages; each row a fresh process, no "
            f"profiler; median of {REPEATS} interleaved runs)", "",
            "| configuration | pages/s (wall) | CPU ms/page | CPU vs as shipped | median PDF | max PDF |",
            "| --- | --- | --- | --- | --- | --- |"]
    for label, runs in figures.items():
        ok = [r for r in runs if "error" not in r]
        if not ok:
            out.append(f"| {label} | {runs[0].get('error')} | | | | |")
            continue
        pps = median([r["pages"] / r["wall"] for r in ok])
        cpu = median([r["cpu"] / r["pages"] for r in ok])
        out.append(f"| {label} | {pps:.1f} | {cpu * 1000:.1f} | {cpu / base_cpu - 1:+.0%} | "
                   f"{ok[0]['median'] / KIB:.1f} KiB | {ok[0]['max'] / KIB:.1f} KiB |")
    return out, out_dir


REPEATS = 3


def install_rl_accel(dest: Path) -> Path | None:
    """ReportLab's optional C accelerator, into a private folder used only by the
    rl_accel experiment (so every other figure measures the project as it installs)."""
    res = subprocess.run([PY, "-m", "pip", "install", "-q", "--target", str(dest), "rl_accel"],
                         capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        log("rl_accel could not be installed; that experiment is skipped")
        return None
    return dest


def pyinstrument_run(list_file: Path, out_dir: Path) -> None:
    from pyinstrument import Profiler

    from handouts.deliver.batch import build_one
    from handouts.settings.style import load_style

    out_dir.mkdir(parents=True, exist_ok=True)
    pages = [Path(p) for p in list_file.read_text().splitlines() if p]
    style = load_style("default")
    build_one(pages[0], pages[0].stem, style, out_dir)
    prof = Profiler(interval=0.001)
    prof.start()
    for page in pages:
        build_one(page, page.stem, style, out_dir)
    prof.stop()
    from pyinstrument.renderers import ConsoleRenderer

    text = prof.output(ConsoleRenderer(unicode=False, color=False, show_all=False,
                                       processor_options={"filter_threshold": 0.02}))
    print(text)


# -- 3. PDF bytes ------------------------------------------------------------------------------

def xref_spans(data: bytes) -> tuple[dict[int, int], int, int] | None:
    """Object number -> bytes it takes in the file, from a classic xref table; plus the
    header size and the xref + trailer size. None for xref streams."""
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    if not m:
        return None
    start = int(m.group(1))
    if data[start:start + 4] != b"xref":
        return None
    lines = data[start:].split(b"\n")
    first, count = map(int, lines[1].split())
    offsets = {}
    for i, line in enumerate(lines[2:2 + count]):
        parts = line.split()
        if len(parts) >= 3 and parts[2] == b"n":
            offsets[first + i] = int(parts[0])
    order = sorted(offsets.items(), key=lambda kv: kv[1])
    spans = {}
    for (num, off), nxt in zip(order, [o for _, o in order[1:]] + [start]):
        spans[num] = nxt - off
    return spans, order[0][1] if order else 0, len(data) - start


def classify(pdf) -> tuple[dict[int, str], int]:
    """Object number -> kind; and the bytes of inline /Widths arrays (inside font dicts)."""
    import pikepdf

    kinds: dict[int, str] = {}
    widths = 0

    def mark(obj, kind):
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)) and obj.is_indirect:
            kinds.setdefault(obj.objgen[0], kind)

    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        if isinstance(contents, pikepdf.Array):
            for c in contents:
                mark(c, "content streams")
        elif contents is not None:
            mark(contents, "content streams")
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        t = obj.get("/Type")
        if t == "/Font":
            mark(obj, "font dicts + widths")
            if "/ToUnicode" in obj:
                mark(obj.ToUnicode, "ToUnicode CMaps")
            w = obj.get("/Widths")
            if w is not None:
                if w.is_indirect:
                    mark(w, "font dicts + widths")
                widths += len(w.unparse())
            for d in obj.get("/DescendantFonts", []):
                mark(d, "font dicts + widths")
                if "/W" in d:
                    widths += len(d.W.unparse())
        elif t == "/FontDescriptor":
            mark(obj, "font dicts + widths")
            for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                if key in obj:
                    mark(obj[key], "font programs (FontFile2)")
        elif t in ("/Page", "/Pages", "/Catalog"):
            mark(obj, "page tree + catalog")
        elif t == "/Outlines" or ("/Title" in obj and "/Parent" in obj):
            mark(obj, "outline (bookmarks)")
        elif t in ("/StructTreeRoot", "/StructElem", "/MarkInfo") or "/Nums" in obj:
            mark(obj, "structure tree (tags)")
        elif "/Producer" in obj or "/Creator" in obj:
            mark(obj, "info + metadata")
        elif t == "/Metadata":
            mark(obj, "info + metadata")
    return kinds, widths


def breakdown(path: Path) -> dict[str, int]:
    import pikepdf

    data = path.read_bytes()
    spans = xref_spans(data)
    with pikepdf.open(path) as pdf:
        kinds, widths = classify(pdf)
        if spans is None:  # xref streams: approximate from the objects themselves
            out = Counter()
            for obj in pdf.objects:
                num = obj.objgen[0]
                size = (len(obj.read_raw_bytes()) + len(obj.stream_dict.unparse())
                        if isinstance(obj, pikepdf.Stream) else len(obj.unparse()))
                out[kinds.get(num, "other objects")] += size
            out["xref, trailer, header, object streams"] = len(data) - sum(out.values())
            return dict(out)
    per_obj, header, xref = spans
    out = Counter()
    for num, size in per_obj.items():
        out[kinds.get(num, "other objects")] += size
    out["font dicts + widths"] -= widths
    out["/Widths arrays"] += widths
    out["xref table + trailer"] += xref
    out["header"] += header
    return dict(out)


def font_comparison(paths: list[Path]) -> tuple[list[str], dict]:
    """ReportLab's embedded subsets against fontTools subsets of the same glyphs."""
    import pikepdf
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "MATH", "gasp", "FFTM"]
    opts.notdef_outline = True
    totals = Counter()
    tables = Counter()
    n = 0
    for path in paths:
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if not (isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"
                        and "/FontDescriptor" in obj and "/FontFile2" in obj.FontDescriptor):
                    continue
                ff = obj.FontDescriptor.FontFile2
                raw = ff.read_bytes()
                stem = str(obj.BaseFont).split("+", 1)[-1]
                src = FONT_DIR / f"{stem}.ttf"
                if not src.exists():
                    continue
                tu = obj.ToUnicode.read_bytes().decode("latin-1") if "/ToUnicode" in obj else ""
                cps = {int(x, 16) for x in re.findall(r"<[0-9A-Fa-f]{2,4}>\s*<([0-9A-Fa-f]{4})>", tu)}
                cps.discard(0)
                ft = TTFont(str(src))
                sub = subset.Subsetter(opts)
                sub.populate(unicodes=cps)
                sub.subset(ft)
                buf = io.BytesIO()
                ft.save(buf)
                rl = TTFont(io.BytesIO(raw))
                for tag in rl.reader.keys():
                    tables[tag] += len(rl.reader[tag])
                n += 1
                totals["fonts"] += 1
                totals["rl_raw"] += len(raw)
                totals["rl_flate"] += len(ff.read_raw_bytes())
                totals["ft_raw"] += len(buf.getvalue())
                totals["ft_flate"] += len(zlib.compress(buf.getvalue()))
                rl["name"].names = [r for r in rl["name"].names if r.nameID != 13]
                b2 = io.BytesIO()
                rl.save(b2)
                totals["rl_noname_flate"] += len(zlib.compress(b2.getvalue()))
    lines = [f"Embedded font programs in {len(paths)} PDFs ({n} subsets): ReportLab's subset "
             "against a fontTools subset of the same code points (hinting off, no layout/MATH/"
             "gasp tables, default name IDs 0-6), both Flate-compressed:", "",
             "| | raw bytes / subset | compressed bytes / subset |", "| --- | --- | --- |",
             f"| ReportLab subset (as embedded) | {totals['rl_raw'] / n:.0f} | {totals['rl_flate'] / n:.0f} |",
             f"| ReportLab subset without nameID 13 | | {totals['rl_noname_flate'] / n:.0f} |",
             f"| fontTools subset | {totals['ft_raw'] / n:.0f} | {totals['ft_flate'] / n:.0f} |",
             "", "Tables in ReportLab's subsets (raw bytes per subset): "
             + ", ".join(f"`{t}` {v / n:.0f}" for t, v in tables.most_common()) + "."]
    return lines, dict(totals)


def size_section(out_dir: Path, tmp: Path) -> list[str]:
    paths = sorted(out_dir.glob("*.pdf"), key=lambda p: p.stat().st_size)
    if not paths:
        return ["## 3. PDF bytes", "", "(no PDFs)"]
    per = [breakdown(p) for p in paths]
    kinds = sorted({k for b in per for k in b}, key=lambda k: -sum(b.get(k, 0) for b in per))
    total = sum(sum(b.values()) for b in per)
    typical = paths[len(paths) // 2]
    tb = breakdown(typical)
    import pikepdf
    with pikepdf.open(typical) as pdf:
        n_pages = len(pdf.pages)
    out = ["## 3. PDF bytes", "",
           f"{len(paths)} handouts PDFs (the sample), median {median([p.stat().st_size for p in paths]) / KIB:.1f} KiB. "
           f"Bytes by kind (spans between classic xref offsets; /Widths measured inside "
           f"the font dicts). Typical handout = the median-size one, `{typical.name}` "
           f"({typical.stat().st_size / KIB:.1f} KiB, {n_pages} pages):", "",
           "| kind | share of all bytes | median per PDF | typical handout |",
           "| --- | --- | --- | --- |"]
    for k in kinds:
        s = sum(b.get(k, 0) for b in per)
        out.append(f"| {k} | {s / total:.1%} | {median([b.get(k, 0) for b in per]) / KIB:.2f} KiB | "
                   f"{tb.get(k, 0) / KIB:.2f} KiB |")
    lines, _ = font_comparison(paths[:: max(1, len(paths) // 30)])
    out += [""] + lines
    # content streams: what ASCII85 costs
    import pikepdf
    a85 = flate = raw_total = 0
    for p in paths:
        with pikepdf.open(p) as pdf:
            for page in pdf.pages:
                c = page.obj.Contents
                raw = c.read_bytes()
                raw_total += len(raw)
                a85 += len(c.read_raw_bytes())
                flate += len(zlib.compress(raw))
    out += [""] + other_engines(typical, tmp)
    out += ["", f"Content streams: {raw_total / len(paths) / KIB:.1f} KiB of operators per PDF, "
            f"stored as {a85 / len(paths) / KIB:.1f} KiB (ASCII85 + Flate, ReportLab's default "
            f"`rl_config.useA85 = 1`); Flate alone would be {flate / len(paths) / KIB:.1f} KiB "
            f"({1 - flate / a85:.0%} less)."]
    return out


def other_engines(handout_pdf: Path, tmp: Path) -> list[str]:
    """The typical page through Typst and WeasyPrint too: where their bytes go."""
    from benchmarks.engines import ENGINES, MissingEngine

    source = next((p for p in corpus_pages(corpus_dir()) if p.stem == handout_pdf.stem), None)
    rows = {"handouts": breakdown(handout_pdf)}
    for name in ("typst", "weasyprint"):
        od = tmp / f"other-{name}"
        od.mkdir()
        try:
            ENGINES[name](od).render(source)
            rows[name] = breakdown(od / f"{source.stem}.pdf")
        except (MissingEngine, Exception) as exc:  # report, don't stop the profile
            log(f"{name}: {exc}")
    kinds = sorted({k for b in rows.values() for k in b}, key=lambda k: -rows["handouts"].get(k, 0))
    out = [f"The same page (`{source.stem}`) through the comparison engines, bytes by kind "
           "(Typst tags its PDFs by default; WeasyPrint writes object streams):", "",
           "| kind | " + " | ".join(rows) + " |", "| --- |" + " --- |" * len(rows)]
    for k in kinds:
        out.append(f"| {k} | " + " | ".join(f"{b.get(k, 0) / KIB:.2f} KiB" for b in rows.values()) + " |")
    out.append("| **total** | " + " | ".join(f"**{sum(b.values()) / KIB:.1f} KiB**" for b in rows.values()) + " |")
    return out


# -- main -----------------------------------------------------------------------------------

def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_batch":
        print(json.dumps(batch_profile(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_exp":
        tweaks = [t for t in sys.argv[2].split(",") if t]
        print(json.dumps(experiment(tweaks, Path(sys.argv[3]), Path(sys.argv[4]),
                                    Path(sys.argv[5]))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_pyinstrument":
        pyinstrument_run(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--output", type=Path, default=BENCH_DIR / "profile.md")
    ap.add_argument("--label", default="", help="what was measured, for the header")
    args = ap.parse_args()
    started = time.perf_counter()
    pages = sample(corpus_pages(corpus_dir()), args.sample)
    with tempfile.TemporaryDirectory(prefix="handouts-prof-") as name:
        tmp = Path(name)
        log("1. cold build ...")
        text = ["# Profiles and PDF-size analysis", "",
                "Written by `benchmarks/profiling.py`; the findings and recommendations drawn "
                "from it are in benchmarks/README.md.", ""]
        if args.label:
            text += [f"Measured: {args.label}.", ""]
        text += cold_section(tmp, args.runs)
        log("2. in-process batch ...")
        lines, out_dir = batch_section(tmp, pages)
        text += [""] + lines
        log("3. PDF bytes ...")
        text += [""] + size_section(out_dir, tmp)
    text += ["", f"(profiling.py took {time.perf_counter() - started:.0f} s)"]
    args.output.write_text("\n".join(text) + "\n")
    print("\n".join(text))
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
