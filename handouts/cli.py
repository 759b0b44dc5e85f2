"""CLI stage: thin click commands over the pipeline stages.

Heavy modules (ReportLab, markdown-it) are imported inside commands, so `--help` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__

CONTENT = click.option("--content", "content", type=click.Path(path_type=Path),
                       default=Path("content"), show_default=True,
                       help="Folder of drug pages (searched recursively).")
OUT = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                   show_default=True, help="Folder for the PDFs.")
STYLE = click.option("--style", "style_name", default="default", show_default=True,
                     help="Style NAME (styles/NAME.yaml, then built in) or a .yaml file.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
def main() -> None:
    """Turn Markdown drug pages into printable patient-handout PDFs."""


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "build_all", is_flag=True, help="Build every page in the content folder.")
@CONTENT
@OUT
@STYLE
def build(names, build_all: bool, content: Path, out_dir: Path, style_name: str) -> None:
    """Build NAME.pdf for each page NAME (the file name without .md), or --all."""
    from .output import build_batch
    from .style import load_style
    from .workspace import find_pages, resolve

    if bool(names) == build_all:
        raise click.UsageError("give page NAMEs or --all (not both)")
    style = load_style(style_name, (Path("styles"),))
    pages = find_pages(content) if build_all else resolve(names, content)
    result = build_batch(pages, style, out_dir, _report_built, _report_failed)
    if build_all or len(pages) > 1:
        click.echo(result.summary(), err=True)
    if result.failed:
        raise SystemExit(1)


def _report_built(built) -> None:
    for warning in built.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{_shown(built.path)} ({built.pages} page{'s' * (built.pages != 1)})")


def _report_failed(message: str) -> None:
    click.echo(f"error: {message}", err=True)


@main.command(name="list")
@CONTENT
def list_pages(content: Path) -> None:
    """List the pages found: name and title."""
    from .workspace import _title, find_pages

    for page in find_pages(content):
        click.echo(f"{page.name}\t{_title(page)}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
