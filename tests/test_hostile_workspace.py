"""A hostile workspace: files planted where the tool runs, files that are not regular
files, links and huge files. Nothing runs, nothing blocks, nothing outside is written;
each problem is one line naming the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SEED, run_cli, run_cli_in, write_page

PLANTED = ("reportlab_mods", "reportlab_settings", "yaml")


def _plant(folder: Path) -> Path:
    """Modules that, if imported, leave a marker file and break the import."""
    marker = folder / "IMPORTED"
    for name in PLANTED:
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\nraise SystemExit(99)\n")
    return marker


@pytest.mark.parametrize("entry", ["python -m handouts", "handouts"])
def test_modules_planted_in_the_workspace_are_never_imported(tmp_path, entry):
    marker = _plant(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "ixabepilone.md").write_bytes(SEED.read_bytes())
    (tmp_path / "handouts.yaml").write_text("clinic:\n  name: Planted Clinic\n")
    command = ([sys.executable, "-m", "handouts"] if entry.startswith("python")
               else [str(Path(sys.executable).parent / "handouts")])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["build", "ixabepilone"], ["check", "--all"], ["list"]):
        done = subprocess.run(command + args, cwd=tmp_path, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode in (0, 1), done.stderr  # check may warn; never 99
        assert not marker.exists(), marker.read_text()
    assert (tmp_path / "out" / "ixabepilone.pdf").stat().st_size > 1000
