"""The package's shape holds: stages import only what they should, no import cycle, no
oversized module or function, and ReportLab's private names the renderer relies on
still exist on the installed ReportLab (an upgrade that drops one fails here, loudly)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "handouts"
HEAVY = ("reportlab", "markdown_it", "yaml", "frontmatter")
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def _loaded_after(code: str) -> set[str]:
    """Top-level names of the heavy libraries loaded after running `code` in a fresh
    interpreter."""
    probe = (f"{code}\nimport sys, json\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _modules(stage: str) -> list[str]:
    return sorted(f"handouts.{stage}.{p.stem}" for p in (PACKAGE / stage).glob("*.py")
                  if p.stem != "__init__")


def _import_all(stage: str) -> str:
    return "\n".join(f"import {m}" for m in _modules(stage))


def test_read_stage_loads_no_reportlab():
    assert "reportlab" not in _loaded_after(_import_all("read"))


def test_render_stage_loads_no_markdown_or_yaml():
    loaded = _loaded_after(_import_all("render"))
    assert "reportlab" in loaded  # the probe does load the stage
    assert not loaded & {"markdown_it", "yaml", "frontmatter"}, loaded


def _cli(args: list[str]) -> str:
    return ("from click.testing import CliRunner\nfrom handouts.cli import main\n"
            f"r = CliRunner().invoke(main, {args!r})\n"
            "assert r.exit_code == 0, r.output")


def test_help_loads_no_heavy_library():
    assert _loaded_after(_cli(["--help"])) == set()


def test_check_loads_no_reportlab():
    loaded = _loaded_after(_cli(["check", "ixabepilone", "--content", "content"]))
    assert "markdown_it" in loaded  # it really parsed the page
    assert "reportlab" not in loaded


def _package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """Package modules `path` imports at module level (what an import cycle is made of)."""
    name = _module_name(path)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in known else module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in known and m != name}


def test_no_import_cycle():
    files = {_module_name(p): p for p in _package_files()}
    graph = {name: _imports(path, set(files)) for name, path in files.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            pytest.fail("import cycle: " + " -> ".join(trail[trail.index(name):] + [name]))
        if name in done:
            return
        for dep in sorted(graph[name]):
            visit(dep, trail + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert len(done) == len(files) > 30


def test_modules_and_functions_stay_short():
    long_modules, long_functions = [], []
    for path in _package_files():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(PACKAGE)} ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.lineno} "
                                          f"{node.name} ({length} lines)")
    assert long_modules == [] and long_functions == []


def test_reportlab_private_names_still_exist():
    """render/internals.py is the one place that touches ReportLab's private API; every
    name it lists must still be there (else: pin ReportLab, or port internals.py)."""
    from reportlab.pdfbase.pdfdoc import PDFDocument, PDFPage
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Frame

    from handouts.render import internals

    canvas = Canvas(None)
    instances = {"Canvas": canvas, "PDFDocument": canvas._doc, "PDFPage": PDFPage(),
                 "TTFont": TTFont, "Frame": Frame(0, 0, 100, 100)}
    assert PDFDocument and set(instances) == {owner for owner, _ in internals.PRIVATE_NAMES}
    missing = [f"{owner}.{name}" for owner, name in internals.PRIVATE_NAMES
               if not hasattr(instances[owner], name)]
    assert missing == [], f"ReportLab no longer has {missing}: see render/internals.py"


def test_private_api_is_used_in_internals_only():
    names = {name for _, name in __import__("handouts.render.internals",
                                           fromlist=["x"]).PRIVATE_NAMES}
    outside = [f"{p.relative_to(PACKAGE)}: {n}" for p in _package_files()
               if p.name != "internals.py" for n in names
               if f".{n}" in p.read_text(encoding="utf-8")]
    assert outside == []


def _web_imports() -> set[str]:
    """Every handouts module (or module.name) the web layer imports, at any depth."""
    found = set()
    for path in sorted((PACKAGE / "web").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                found |= {f"{node.module or ''}.{a.name}".strip(".") for a in node.names}
    return found


def test_web_builds_through_the_clis_own_functions():
    """No second rendering path: the web lays handouts out only through deliver/batch
    (render_one) and deliver/pack (assemble), as `build` and `pack` do, and never
    imports the render stage itself."""
    imports = _web_imports()
    assert {"deliver.batch.render_one", "deliver.pack.assemble"} <= imports
    assert {name for name in imports if name.startswith("render")} == set()
