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
