"""Front desk (`handouts serve`) speed and load, on loopback only (issue 16).

  .venv/bin/python benchmarks/web_load.py [--users 20] [--requests 20] [--copies 6]

1. Search: the corpus repeated COPIES times under different names in a temp folder
   (6 x 1,071 = 6,426 pages); 300 searches one after another (prefixes, whole names,
   misspellings); the server's own time from its Server-Timing header. Target p95 < 50 ms.
2. First preview: 10 pages never shown before: the preview page (build + check) plus
   its first page image, as a browser loads them. Target: each < 1 s.
3. Load: USERS concurrent clients each fetching REQUESTS PDFs of 40 pages (half never
   built before), plus one client that drops every download half way; p50/p95 latency,
   errors (anything but 200 with a PDF, or other bytes than the first copy of the same
   handout), server RSS, and whether any temp file was left behind.

The server is `handouts serve --fd N` in its own process on 127.0.0.1; the run is
bounded (at most TIME_LIMIT s of load) and stops by itself. Writes
benchmarks/web-results.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("HANDOUTS_BENCH_CORPUS", HERE.parent.parent / "shared" / "corpus"))
TIME_LIMIT = 180.0  # seconds of load at most
QUERIES = ["cipro", "ciprofloxacin", "levofloxacin", "para", "paracetamol", "metformin",
           "amox", "ibuprofen", "ciprofloxasin", "metfromin", "zz", "a", "ome", "insulin",
           "vitamin d", "levo-carnitine", "Ciprofloxacin (Systemic)", "azith", "dexa", "xyz"]


def workspace(copies: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="handouts-web-bench-"))
    for n in range(1, copies + 1):
        folder = root / "content" / f"copy{n}"
        folder.mkdir(parents=True)
        for page in CORPUS.rglob("*.md"):
            shutil.copyfile(page, folder / f"{page.stem}-c{n}.md")
    return root


def start(root: Path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    port = sock.getsockname()[1]
    log = open(root / "serve.log", "wb")
    started = time.perf_counter()
    (root / "tmp").mkdir()  # the server's own TMPDIR: anything left there leaked
    proc = subprocess.Popen([sys.executable, "-m", "handouts", "serve", "--fd",
                             str(sock.fileno())], cwd=root, pass_fds=[sock.fileno()],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "TMPDIR": str(root / "tmp")})
    sock.close()
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 120:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start; see " + str(root / "serve.log"))


def server_ms(answer: httpx.Response) -> float:
    return float(answer.headers["server-timing"].split("dur=")[1])


def pct(values, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_kib(pid: int) -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def search_bench(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=30) as client:
        client.get("/", params={"q": "warm"})
        times, client_times = [], []
        for n in range(300):
            began = time.perf_counter()
            answer = client.get("/", params={"q": QUERIES[n % len(QUERIES)]})
            client_times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200
            times.append(server_ms(answer))
    return {"p50": pct(times, 50), "p95": pct(times, 95), "max": max(times),
            "client_p95": pct(client_times, 95), "n": len(times)}


def preview_bench(url: str, names: list[str]) -> list[float]:
    seconds = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for name in names:
            began = time.perf_counter()
            page = client.get(f"/handouts/{name}")
            image = client.get(f"/handouts/{name}/page-1.png")
            assert page.status_code == image.status_code == 200
            seconds.append(time.perf_counter() - began)
    return seconds


def load_bench(url: str, names: list[str], users: int, requests: int, pid: int) -> dict:
    latencies, errors, lock, expected = [], [], threading.Lock(), {}
    deadline = time.monotonic() + TIME_LIMIT
    peak = [0]

    def user(seed: int):
        chooser = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120) as client:
            for _ in range(requests):
                if time.monotonic() > deadline:
                    return
                began = time.perf_counter()
                name = chooser.choice(names)
                try:
                    answer = client.get(f"/handouts/{name}.pdf")
                    ok = answer.status_code == 200 and answer.content[:5] == b"%PDF-"
                    problem = None if ok else f"HTTP {answer.status_code}"
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                with lock:
                    if not problem:  # every copy of one handout must be the same bytes
                        digest = hashlib.sha256(answer.content).hexdigest()
                        if expected.setdefault(name, digest) != digest:
                            problem = "different bytes"
                    latencies.append(time.perf_counter() - began)
                    if problem:
                        errors.append(problem)

    def dropper():
        for name in names[:requests]:
            if time.monotonic() > deadline:
                return
            with httpx.stream("GET", f"{url}/handouts/{name}.pdf", timeout=120) as answer:
                next(answer.iter_raw(1024), None)  # half a download, then hang up

    def watch():
        while time.monotonic() < deadline and any(t.is_alive() for t in threads):
            peak[0] = max(peak[0], rss_kib(pid)[0])
            time.sleep(0.2)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    threads.append(threading.Thread(target=dropper))
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.join()
    watcher.join()
    wall = time.perf_counter() - began
    return {"n": len(latencies), "p50": pct(latencies, 50), "p95": pct(latencies, 95),
            "max": max(latencies), "errors": errors, "wall": wall,
            "rss_peak_mib": peak[0] / 1024, "healthy": httpx.get(url + "/healthz").text == "ok"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args()
    root = workspace(args.copies)
    pages = sorted(p.stem for p in (root / "content").rglob("*.md"))
    proc, url, startup = start(root)
    try:
        chooser = random.Random(16)
        fresh = chooser.sample(pages, 50)
        search = search_bench(url)
        preview = preview_bench(url, fresh[:10])
        load_names = fresh[10:30] + chooser.sample(pages, 20)
        load = load_bench(url, load_names, args.users, args.requests, proc.pid)
        rss_now, rss_peak = rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(20)
    leaked = sorted(os.listdir(root / "tmp"))
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and not {"content", "tmp"} & set(p.relative_to(root).parts))
    report = render(args, len(pages), startup, search, preview, load, rss_peak, leaked, left)
    (HERE / "web-results.md").write_text(report, encoding="utf-8")
    print(report)
    shutil.rmtree(root)


def render(args, pages, startup, search, preview, load, rss_peak, leaked, left) -> str:
    ok = lambda good: "PASS" if good else "FAIL"
    return "\n".join([
        "# Front desk: speed and load (benchmarks/web_load.py)", "",
        f"Machine: {os.cpu_count()} cores; server `handouts serve --fd` on 127.0.0.1, "
        f"{pages} pages ({args.copies} x the corpus under other names); "
        f"server start (with warm-up) {startup:.1f} s.", "",
        "| what | figure | target | |", "| --- | --- | --- | --- |",
        f"| search, server time, {search['n']} queries | p50 {search['p50']:.1f} ms, p95 "
        f"{search['p95']:.1f} ms, max {search['max']:.1f} ms (client p95 "
        f"{search['client_p95']:.1f} ms) | p95 < 50 ms | {ok(search['p95'] < 50)} |",
        f"| first preview (page + first image), 10 new pages | median "
        f"{statistics.median(preview):.2f} s, max {max(preview):.2f} s | < 1 s each | "
        f"{ok(max(preview) < 1)} |",
        f"| {args.users} users x {args.requests} PDFs (+1 client dropping downloads) | "
        f"{load['n']} requests in {load['wall']:.1f} s: p50 {load['p50'] * 1000:.0f} ms, "
        f"p95 {load['p95'] * 1000:.0f} ms, max {load['max'] * 1000:.0f} ms | no errors | "
        f"{ok(not load['errors'] and load['healthy'])} |",
        f"| errors under load | {len(load['errors'])} {sorted(set(load['errors']))} | 0 | "
        f"{ok(not load['errors'])} |",
        f"| server RSS | peak {rss_peak / 1024:.0f} MiB (sampled peak under load "
        f"{load['rss_peak_mib']:.0f} MiB) | | |",
        f"| temp files left | {len(leaked)} in the server's TMPDIR; workspace files "
        f"added: {', '.join(left) or 'none'} | 0; only the audit log | "
        f"{ok(not leaked and set(left) <= {'serve.log', 'handouts-audit.log'})} |", ""])


if __name__ == "__main__":
    main()
