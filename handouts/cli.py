"""CLI stage: thin click commands over the pipeline stages.

Heavy modules (ReportLab, markdown-it) are imported inside commands, so `--help` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import HandoutError

CONTENT = click.option("--content", "content", type=click.Path(path_type=Path),
                       default=Path("content"), show_default=True,
                       help="Folder of drug pages (searched recursively).")
OUT = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                   show_default=True, help="Folder for the PDFs.")
STYLE = click.option("--style", "style_name", default=None,
                     help="Style NAME (styles/NAME.yaml, then built in) or a .yaml file "
                          "[default: the config's style, else default].")
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                      help="Workspace config [default: ./handouts.yaml when present].")


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
@CONFIG
def build(names, build_all: bool, content: Path, out_dir: Path, style_name: str | None,
          config_path: Path | None) -> None:
    """Build NAME.pdf for each page NAME (the file name without .md), or --all."""
    from .output import build_batch
    from .workspace import find_pages, resolve

    if bool(names) == build_all:
        raise click.UsageError("give page NAMEs or --all (not both)")
    config, style = load_settings(config_path, style_name)
    pages = find_pages(content) if build_all else resolve(names, content)
    result = build_batch(pages, style, out_dir, _report_built, _report_failed, config)
    if build_all or len(pages) > 1:
        click.echo(result.summary(), err=True)
    if result.failed:
        raise SystemExit(1)


def load_settings(config_path: Path | None, style_name: str | None):
    """The workspace config and the style it (or --style) selects, paper size applied."""
    from .config import load_config
    from .style import load_style

    config = load_config(config_path)
    overrides = {"page": {"size": config.paper}} if config.paper else None
    style = load_style(style_name or config.style, (Path("styles"),), overrides)
    return config, style


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


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every page in the content folder.")
@CONTENT
@STYLE
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per problem; json: see the README.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
def check(names, check_all: bool, content: Path, style_name: str | None,
          config_path: Path | None, fmt: str, strict: bool) -> None:
    """Check pages without building them: parse problems, missing sections, review
    status, reading grade, characters the fonts lack. Exit 1 on errors (or warnings
    with --strict)."""
    from .check import check_pages
    from .workspace import find_pages, resolve

    if bool(names) == check_all:
        raise click.UsageError("give page NAMEs or --all (not both)")
    config, style = load_settings(config_path, style_name)
    pages = find_pages(content) if check_all else resolve(names, content)
    report = check_pages(pages, style, config)
    if fmt == "json":
        import json

        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.text_lines():
            click.echo(line)
    if report.failed(strict):
        raise SystemExit(1)


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--to", "recipients", multiple=True, required=True, metavar="ADDR",
              help="Recipient address; repeat for more (each gets a separate message).")
@click.option("--subject", help="Subject line (default names the clinic, not the drug).")
@click.option("--message", help="Message text (default: a short note listing the handouts).")
@click.option("--message-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read the message text from a UTF-8 file.")
@click.option("--eml", type=click.Path(path_type=Path, dir_okay=False),
              help="Save FILE.eml draft(s) instead of sending.")
@CONFIG
@STYLE
@CONTENT
@OUT
def email(names, recipients, subject, message, message_file, eml, config_path,
          style_name: str | None, content: Path, out_dir: Path) -> None:
    """Email the handouts for NAMEs to each --to, one message per recipient.

    SMTP settings come from the smtp: block of handouts.yaml, overridden by
    HANDOUTS_SMTP_HOST/_PORT/_SECURITY/_USER/_FROM/_CAFILE; the password only from
    HANDOUTS_SMTP_PASSWORD. Everything is checked and built before anything is sent.
    """
    import os

    from . import mail
    if message is not None and message_file is not None:
        raise click.UsageError("give --message or --message-file, not both")
    config, style = load_settings(config_path, style_name)
    settings = None if eml else mail.smtp_settings(config.smtp, os.environ)
    sender = settings.sender if settings else mail.draft_sender(config.smtp, os.environ)
    request = mail.Request(names, recipients, subject, message, message_file)
    letters = mail.prepare(request, config, style, content, out_dir, sender, draft=bool(eml))
    for warning in dict.fromkeys(w for a in letters[0].attachments for w in a.warnings):
        click.echo(f"warning: {warning}", err=True)
    if eml:
        for path, letter in zip(mail.write_drafts(letters, eml), letters):
            click.echo(f"{_shown(path)}: draft to {letter.recipient}: {letter.describe()}")
        return
    report = mail.send(letters, settings, click.echo)
    if not report.ok:
        raise HandoutError(report.summary())


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
