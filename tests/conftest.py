"""Pytest fixtures and hooks only; the shared helpers are in helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT, forget_readings, run_cli


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory) -> Path:
    """The seed page built once with the default style."""
    out = tmp_path_factory.mktemp("seed")
    result = run_cli("build", "ixabepilone", "--content", ROOT / "content", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "ixabepilone.pdf"


@pytest.fixture(scope="module", autouse=True)
def forget_readings_after_the_module():
    """read_back() keeps what it parsed until the module that built those PDFs is done
    (no PDF is read by two modules): the ~160 readings of test_accessibility would
    otherwise stay in memory for the whole run and be copied into every process the
    corpus pass forks."""
    yield
    forget_readings()


@pytest.fixture(scope="session")
def cups_server():
    """A private cupsd on a unix socket and 127.0.0.1, with a raw queue (handouts-test)
    and a queue that can print two-sided (handouts-duplex), each capturing what its
    device receives. Skipped only where CUPS is not installed, and never under CI."""
    import os
    import shutil

    from cups_server import CUPSD, CupsServer

    if not (os.path.exists(CUPSD) and shutil.which("lp")):
        reason = ("CUPS is not installed (apt-get install --no-install-recommends "
                  "cups-daemon cups-client; .ci/run does)")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with CupsServer() as server:
        server.add_queue("handouts-test")
        server.add_queue("handouts-duplex", duplex=True)
        yield server


@pytest.fixture
def cups_env(cups_server, monkeypatch):
    """This process's environment pointed at the private server (lp, lpstat see it)."""
    for key, value in cups_server.env.items():
        monkeypatch.setenv(key, value)
    for key in ("PRINTER", "LPDEST"):
        monkeypatch.delenv(key, raising=False)
    return cups_server


# -- the front desk (handouts serve) ----------------------------------------------------

class Outbox:
    """aiosmtpd handler: every message the front desk sent, as received."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture(scope="session")
def outbox():
    """A real SMTP server (aiosmtpd) on 127.0.0.1: what the front desk emails."""
    from aiosmtpd.controller import Controller

    from web_helpers import bind

    sock = bind()
    port = sock.getsockname()[1]
    sock.close()
    box = Outbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def desk_root(tmp_path_factory, outbox) -> Path:
    from web_helpers import desk_workspace

    return desk_workspace(tmp_path_factory.mktemp("desk"), outbox.port)


def _desk_app(root: Path, host: str):
    from handouts.web.app import create_app
    from handouts.web.serve import Options, site_for

    return create_app(site_for(Options(host=host), host, root))


@pytest.fixture(scope="session")
def desk_url(desk_root) -> str:
    """The front desk on 127.0.0.1 (no login), real uvicorn in a thread."""
    from web_helpers import ThreadServer

    with ThreadServer(_desk_app(desk_root, "127.0.0.1")) as url:
        yield url


USER, PASSWORD = "nurse.jones", "correct horse battery"


@pytest.fixture(scope="session")
def login_root(tmp_path_factory) -> Path:
    """A workspace with one user, for serving on 127.0.0.2."""
    from handouts.web.auth import add_user
    from web_helpers import desk_workspace

    root = desk_workspace(tmp_path_factory.mktemp("login"))
    add_user(root / "handouts-users.yaml", USER, PASSWORD)
    return root


@pytest.fixture(scope="session")
def login_url(login_root) -> str:
    """The front desk on 127.0.0.2: another loopback address, so login is required
    (only 127.0.0.1, ::1 and localhost are login-free) and nothing outside this
    machine can reach it."""
    from web_helpers import ThreadServer

    with ThreadServer(_desk_app(login_root, "127.0.0.2"), host="127.0.0.2") as url:
        yield url


@pytest.fixture
def client(desk_url):
    import httpx

    with httpx.Client(base_url=desk_url, timeout=30) as session:
        yield session


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium (never a downloaded browser), launched once."""
    from playwright.sync_api import sync_playwright

    from web_helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS, timeout=60_000)
        yield launched
        launched.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _context(browser, base_url: str, request, **options):
    settings = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB",
                "reduced_motion": "reduce", **options}
    context = browser.new_context(base_url=base_url, accept_downloads=True, **settings)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def page(browser, desk_url, request):
    """A fresh browser context (own cookies) and page on the front desk; a screenshot
    in artifacts/ when the test fails."""
    context = _context(browser, desk_url, request)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not tab.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def new_context(browser, request):
    """Make more browser contexts (another address, no JavaScript, a tablet)."""
    made = []

    def make(base_url: str, **options):
        made.append(_context(browser, base_url, request, **options))
        return made[-1]

    yield make
    for context in made:
        context.close()
