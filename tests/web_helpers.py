"""Front-desk test helpers: a workspace made from corpus pages, the real app on real
uvicorn on a loopback address (in a thread, or `handouts serve --fd` in a subprocess),
axe-core in a real browser, and reading forms back from the pages served."""

from __future__ import annotations

import importlib.resources
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from helpers import CLINIC, CORPUS, PHONE, SEED, write_config

HOSTILE_TITLE = "<script>alert(1)</script>"
CHROMIUM = os.environ.get("HANDOUTS_CHROMIUM", "/usr/bin/chromium")
# Playwright adds most of these itself; repeated so the launch stays safe without them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
WCAG21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CIPRO = ("ciprofloxacin", "ciprofloxacin-betamethasone-phenyl-mercuric-nitrate",
         "ciprofloxacin-dexamethasone", "ciprofloxacin-phenazopyridine",
         "ciprofloxacin-systemic", "fluocinolone-acetonide-ciprofloxacin-clotrimazole")
LEVO = ("levofloxacin-ambroxol", "levofloxacin-azithromycin", "gatifloxacin-ornidazole")


# -- the workspace ------------------------------------------------------------------------

def desk_workspace(root: Path, smtp_port: int = 0) -> Path:
    """content/ with the cipro and levofloxacin corpus pages (systemic ciprofloxacin
    answering to its brand name, Cipro), the seed (reviewed), one overdue page, one
    page with a hostile title; a clinic style; handouts.yaml with email and a queue."""
    content = root / "content"
    content.mkdir(parents=True)
    for name in (*CIPRO, *LEVO):
        source = next(CORPUS.rglob(f"{name}.md")).read_text(encoding="utf-8")
        if name == "ciprofloxacin-systemic":
            source = source.replace("---\n", "---\naliases: [Cipro]\n", 1)
        if name == "levofloxacin-ambroxol":
            source = source.replace("---\n", "---\nreviewed_by: Dr A. Lovelace\n"
                                    "reviewed_on: 2020-01-02\n", 1)
        (content / f"{name}.md").write_text(source, encoding="utf-8")
    reviewed = (date.today() - timedelta(days=30)).isoformat()
    seed = SEED.read_text(encoding="utf-8").replace(
        "---\n", f"---\nreviewed_by: Dr B. Franklin, PharmD\nreviewed_on: {reviewed}\n", 1)
    (content / "ixabepilone.md").write_text(seed, encoding="utf-8")
    hostile = SEED.read_text(encoding="utf-8").replace(
        "title: Ixabepilone", f"title: '{HOSTILE_TITLE}'", 1)
    (content / "hostile.md").write_text(hostile, encoding="utf-8")
    (content / "broken.md").write_text("---\ntitle: [unclosed\n---\n# Broken\n",
                                       encoding="utf-8")
    (root / "styles").mkdir()
    (root / "styles" / "clinic.yaml").write_text(
        "extends: default\ntitle: {colour: '#5B2A86'}\nheading: {colour: '#5B2A86'}\n",
        encoding="utf-8")
    write_desk_config(root, smtp_port)
    return root


def write_desk_config(root: Path, smtp_port: int) -> Path:
    return write_config(root, f"""
        clinic:
          name: {CLINIC}
        phones:
          care_team: '{PHONE}'
        smtp:
          host: 127.0.0.1
          port: {smtp_port or 25}
          security: none
          from: 'Riverside Clinic <clinic@example.org>'
        print:
          queue: frontdesk
        """)


# -- the server ----------------------------------------------------------------------------

def bind(host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on a loopback address with a free port, bound here first so
    there is no pick-a-port-then-bind race; early connections wait in the backlog."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


def wait_healthy(url: str, timeout: float, alive=lambda: True, verify=True) -> None:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"server died while starting (last: {last!r})")
        try:
            answer = httpx.get(url + "/healthz", timeout=5.0, verify=verify)
            if answer.status_code == 200:
                return
            last = answer.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} not healthy after {timeout} s (last: {last!r})")


class ThreadServer:
    """The app on real uvicorn in a daemon thread (uvicorn skips signal handlers off
    the main thread), on a socket bound to `host`."""

    def __init__(self, app, host: str = "127.0.0.1", timeout: float = 60.0, verify=True,
                 **ssl):
        self.app, self.host, self.timeout, self.ssl = app, host, timeout, ssl
        self.verify = verify  # the CA file for an https server

    def __enter__(self) -> str:
        import uvicorn

        self.sock = bind(self.host)
        port = self.sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on",
                                access_log=False, timeout_graceful_shutdown=3, **self.ssl)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="uvicorn-test", daemon=True)
        self.thread.start()
        scheme = "https" if self.ssl else "http"
        self.url = f"{scheme}://{self.host}:{port}"
        wait_healthy(self.url, self.timeout, self.thread.is_alive, verify=self.verify)
        return self.url

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
        if self.thread.is_alive():  # a stuck request: stop waiting for it
            self.server.force_exit = True
            self.thread.join(5)
        self.sock.close()


class ServeProcess:
    """`handouts serve --fd N` in a subprocess: the real command line, on a socket
    this process bound and handed over."""

    def __init__(self, cwd: Path, *args: str, timeout: float = 60.0):
        self.cwd, self.args, self.timeout = cwd, args, timeout

    def __enter__(self) -> str:
        sock = bind()
        port, fd = sock.getsockname()[1], sock.fileno()
        self.log = open(self.cwd / "serve.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handouts", "serve", "--fd", str(fd), *self.args],
            cwd=self.cwd, pass_fds=[fd], stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT)
        sock.close()  # the child has its own copy
        self.url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(self.url, self.timeout, lambda: self.proc.poll() is None)
        except BaseException:
            self.__exit__()
            raise
        return self.url

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# -- pages served -----------------------------------------------------------------------

def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_post(client: httpx.Client, page_url: str, action: str, **fields):
    """POST a form the way the page's own form does: its CSRF token and fields."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf": token, **fields})


def inline_scripts(html: str) -> list[str]:
    """<script> elements without src, event-handler attributes and style attributes:
    what a CSP without 'unsafe-inline' would block."""
    found = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    found += re.findall(r"\son[a-z]+\s*=", html)
    found += re.findall(r"\sstyle\s*=", html)
    return found


# -- axe-core ------------------------------------------------------------------------------

def axe_source() -> str:
    """axe.min.js as shipped in the axe-playwright-python wheel (no network)."""
    files = importlib.resources.files("axe_playwright_python")
    return (files / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page) -> dict:
    """axe-core's WCAG 2.1 A/AA rules on the page. Injected with evaluate() (the
    DevTools protocol), which the page's CSP does not block."""
    page.evaluate(axe_source() + "\n;window.axe.version")
    return page.evaluate("opts => axe.run(document, opts)", {
        "runOnly": {"type": "tag", "values": WCAG21AA},
        "resultTypes": ["violations", "passes"]})


def violations(results: dict) -> str:
    lines = []
    for v in results["violations"]:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " | "))
    return "\n".join(lines)
