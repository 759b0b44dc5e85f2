"""Pytest fixtures and hooks only; the shared helpers are in helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT, run_cli


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory) -> Path:
    """The seed page built once with the default style."""
    out = tmp_path_factory.mktemp("seed")
    result = run_cli("build", "ixabepilone", "--content", ROOT / "content", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "ixabepilone.pdf"
