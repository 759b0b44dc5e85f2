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
