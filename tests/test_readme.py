"""The README's two commands are the ones CI runs and they stay copy-paste ready."""

import re

from helpers import ROOT


def _commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start")[1].split("\n## ")[0]
    return re.findall(r"```sh\n(.+?)\n```", quick, re.S)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    build, test = _commands()
    assert "handouts build ixabepilone" in build
    assert "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
