"""`handouts init`: a clinic workspace outside this repository that builds at once, from a
checkout and from an installed wheel, and never overwrites a file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from handouts.settings.config import CONFIG_SPEC, load_config
from handouts.scaffold import STARTER_FILES
from handouts.settings.style import load_style
from helpers import ROOT, box_rects, corpus_pages, pdf_text, read_back, run_cli, run_cli_in

EXAMPLE = ROOT / "handouts" / "starter" / "content" / "example-medicine.md"


def _keys(spec: dict) -> list[str]:
    """Every key name in a schema, nested ones included."""
    keys = []
    for key, field in spec.items():
        keys.append(key)
        if isinstance(field, dict):
            keys += _keys(field)
    return keys


def test_init_writes_a_workspace_that_builds(tmp_path, monkeypatch):
    result = run_cli_in(monkeypatch, tmp_path, "init", "ws")
    assert result.exit_code == 0, result.output
    ws = tmp_path / "ws"
    assert sorted(str(p.relative_to(ws)) for p in ws.rglob("*") if p.is_file()) == \
        sorted(STARTER_FILES)
    assert result.output.count("created ") == 3
    assert "cd ws && handouts build --all" in result.output
    build = run_cli_in(monkeypatch, ws, "build", "example-medicine")
    assert build.exit_code == 0, build.output
    text = " ".join(pdf_text(ws / "out" / "example-medicine.pdf").split())
    assert "Example Medicine" in text
    # the config's empty values give neutral wording, never an empty slot
    assert "Call your doctor or care team right away. Call 911" in text
    pages = read_back(ws / "out" / "example-medicine.pdf").pages
    assert any(box_rects(page, load_style().warning.fill) for page in pages)


def _init(folder):
    result = run_cli("init", folder)
    assert result.exit_code == 0, result.output
    return result


def test_config_documents_every_key_and_loads(tmp_path):
    _init(tmp_path)
    text = (tmp_path / "handouts.yaml").read_text()
    for key in _keys(CONFIG_SPEC):
        assert re.search(rf"^\s*#?\s*{key}:", text, re.M), f"{key} is not documented"
    config = load_config(tmp_path / "handouts.yaml")
    assert (config.style, config.clinic.name, config.phones.care_team) == ("clinic", "", "")


def test_style_extends_the_built_in_default(tmp_path):
    _init(tmp_path)
    path = tmp_path / "styles" / "clinic.yaml"
    assert re.search(r"^extends: default$", path.read_text(), re.M)
    style = load_style("clinic", (tmp_path / "styles",))
    assert [p.name for p in style.chain] == ["clinic.yaml", "default.yaml"]


def _title(text: str) -> str:
    found = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", text, re.M)
    return found.group(1).casefold() if found else ""


def test_example_page_is_original():
    """Not a copy of a corpus page: no corpus page shares its title or a paragraph."""
    example = EXAMPLE.read_text(encoding="utf-8")
    lines = {line for line in example.splitlines() if len(line) > 40}
    assert len(lines) >= 5 and _title(example) == "example medicine"
    for page in corpus_pages():  # fails, not passes, when the corpus is missing
        text = page.read_text(encoding="utf-8", errors="replace")
        assert not lines & set(text.splitlines()), page.name
        assert _title(text) != _title(example), page.name


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "clinic.yaml").write_text("mine\n")
    result = run_cli("init", tmp_path)
    assert result.exit_code == 2
    assert "refusing to overwrite existing files" in result.output
    assert "clinic.yaml" in result.output
    assert (tmp_path / "styles" / "clinic.yaml").read_text() == "mine\n"
    assert not (tmp_path / "handouts.yaml").exists()
    assert not (tmp_path / "content").exists()
    _init(tmp_path / "new")
    written = {p: p.read_bytes() for p in (tmp_path / "new").rglob("*") if p.is_file()}
    second = run_cli("init", tmp_path / "new")  # a second init, too
    assert second.exit_code == 2
    assert "refusing to overwrite existing files" in second.output
    assert {p: p.read_bytes() for p in (tmp_path / "new").rglob("*") if p.is_file()} == written


def test_init_into_a_file_is_an_error(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_cli("init", tmp_path / "file")
    assert result.exit_code == 2
    assert f"Directory '{tmp_path / 'file'}' is a file" in result.output, result.output
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.wheel
def test_init_and_build_from_an_installed_wheel(tmp_path):
    """Build a wheel from a copy of the source, install it into a new venv, and run
    `handouts init` + `build` + `pack` outside any checkout.

    Offline: the wheel is built without build isolation (setuptools from the test extra)
    and installed with --no-deps; the new venv finds the libraries the wheel depends on
    through a .pth line naming this venv's site-packages (that folder's own .pth files,
    such as the editable install of this checkout, are not run), so what is under test
    is exactly the installed package: its code, fonts, styles and starter files.
    """
    source = tmp_path / "src"
    shutil.copytree(ROOT / "handouts", source / "handouts",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist",
          source], tmp_path)
    wheel = next((tmp_path / "dist").glob("handouts-*.whl"))
    fresh = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", fresh], tmp_path)
    python = fresh / "bin" / "python"
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], tmp_path)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], tmp_path).strip())
    (site / "deps-from-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = _run([python, "-c", "import handouts; print(handouts.__file__)"], tmp_path)
    assert where.startswith(str(site)), where

    handouts = str(fresh / "bin" / "handouts")
    _run([handouts, "init", "ws"], tmp_path)
    ws = tmp_path / "ws"
    _run([handouts, "build", "example-medicine"], ws)
    _run([handouts, "pack", "--all", "-o", "pack.pdf"], ws)
    assert "Example Medicine" in pdf_text(ws / "out" / "example-medicine.pdf")
    assert "Contents" in pdf_text(ws / "pack.pdf")


def _run(command, cwd) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout
