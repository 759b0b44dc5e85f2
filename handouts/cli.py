"""CLI: thin click commands over the pipeline stages.

Heavy modules (ReportLab, markdown-it) are imported inside commands, so `--help` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import HandoutError
from .console import say, shown as _shown
from .text import for_terminal

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


def selection(verb: str):
    """NAME ... or --all: the pages a command works on (with --content)."""
    def decorate(command):
        command = CONTENT(command)
        command = click.option("--all", "use_all", is_flag=True,
                               help=f"{verb} every page in the content folder.")(command)
        return click.argument("names", nargs=-1)(command)
    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
def main() -> None:
    """Turn Markdown drug pages into printable patient-handout PDFs."""


def _jobs(ctx, param, value):
    if value is None:
        return None
    from .deliver.parallel import max_jobs

    if value > max_jobs():
        raise click.BadParameter(f"at most {max_jobs()} (4 per core this process may use; "
                                 f"more workers only take more memory), found {value}")
    return value


JOBS = click.option("--jobs", "-j", "jobs", type=click.IntRange(min=1), default=None,
                    callback=_jobs,
                    help="Pages built at once [default: one per available core].")
TIME_LIMIT = click.option("--time-limit", "limit", type=click.FloatRange(min=0.1), default=120,
                          show_default=True, metavar="SECONDS",
                          help="Stop a page that takes longer than this to lay out "
                               "(it counts as failed; the rest still build).")


def _stopped(result) -> None:
    """The `interrupted: ...` line and the exit code of the signal (130 for Ctrl-C)."""
    say(f"interrupted: {result.summary()}", err=True)
    raise SystemExit(128 + int(result.signal or 2))


def _shard(ctx, param, value):
    from .read.workspace import parse_shard

    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@selection("Build")
@OUT
@STYLE
@CONFIG
@JOBS
@TIME_LIMIT
@click.option("--force", is_flag=True, help="Rebuild pages whose PDF is already up to date.")
@click.option("--shard", callback=_shard, metavar="K/N",
              help="Build only the K-th of N slices of the pages (by a hash of each name).")
def build(names, use_all: bool, content: Path, out_dir: Path, style_name: str | None,
          config_path: Path | None, jobs: int | None, limit: float, force: bool,
          shard) -> None:
    """Build NAME.pdf for each page NAME (the file name without .md), or --all.

    A page whose PDF is up to date with all its inputs is skipped (--force rebuilds).
    """
    from .deliver.stopping import watching

    with watching():  # before ReportLab is imported: a signal then is noted, not lost
        _build(names, use_all, content, out_dir, style_name, config_path, jobs, limit,
               force, shard)


def _build(names, use_all, content, out_dir, style_name, config_path, jobs, limit, force,
           shard) -> None:
    from .console import ConsoleProgress
    from .deliver.batch import build_batch
    from .read.workspace import select_shard
    from .settings.inputs import Inputs

    pages = _pages(names, use_all, content)
    if shard is not None:
        pages = select_shard(pages, *shard)
    with ConsoleProgress() as progress:
        result = build_batch(pages, Inputs.locate(config_path, style_name), out_dir,
                             progress, jobs, force, limit)
    if result.interrupted:
        _stopped(result)
    if use_all or len(pages) != 1 or result.skipped:
        say(result.summary(), err=True)
    if result.failed:
        raise SystemExit(1)


@main.command()
@selection("Pack")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              required=True, help="The pack to write (FILE.pdf).")
@STYLE
@CONFIG
@JOBS
@TIME_LIMIT
def pack(names, use_all: bool, output: Path, content: Path, style_name: str | None,
         config_path: Path | None, jobs: int | None, limit: float) -> None:
    """One print-ready PDF of the handouts NAME ... (or --all), in that order.

    A contents page, then each handout on a right-hand page (blank pages added for
    double-sided printing), with bookmarks. Written only if every handout builds.
    """
    from .console import ConsoleProgress
    from .deliver.pack import build_pack
    from .settings.inputs import Inputs

    pages = _pages(names, use_all, content)
    try:
        with ConsoleProgress() as progress:
            result = build_pack(pages, Inputs.locate(config_path, style_name), output,
                                progress, jobs, limit)
    except KeyboardInterrupt:  # while assembling (rendering stops on its own)
        result = None
    batch = result.batch if result else None
    if batch is None or batch.interrupted:
        say("interrupted: pack not written", err=True)
        raise SystemExit(128 + int(batch.signal if batch else 2))
    if batch.failed:
        say(f"pack not written: {len(batch.failed)} of {len(pages)} handouts failed",
                   err=True)
        raise SystemExit(1)
    say(f"{_shown(output.absolute())} ({len(result.entries)} handouts, "
               f"{result.pages} pages)")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
def init(directory: Path) -> None:
    """Start a clinic workspace in DIRECTORY: handouts.yaml, content/ and styles/.

    Existing files are never overwritten.
    """
    from .scaffold import init_workspace

    for path in init_workspace(directory):
        say(f"created {_shown(path.absolute())}")
    where = "" if directory == Path(".") else f"cd {directory} && "
    say(f"next: edit handouts.yaml, then {where}handouts build --all", err=True)


def _pages(names, use_all: bool, content: Path):
    """The pages named, or every page with --all (exactly one of the two)."""
    from .read.workspace import find_pages, resolve

    if bool(names) == use_all:
        raise click.UsageError("give page NAMEs or --all (not both)")
    return find_pages(content) if use_all else resolve(names, content)


@main.command(name="list")
@CONTENT
def list_pages(content: Path) -> None:
    """List the pages found: name and title."""
    from .read.workspace import find_pages, page_title

    for page in find_pages(content):
        click.echo(f"{for_terminal(page.name)}\t{for_terminal(page_title(page))}")


@main.command()
@selection("Check")
@STYLE
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per problem; json: see the README.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
def check(names, use_all: bool, content: Path, style_name: str | None,
          config_path: Path | None, fmt: str, strict: bool) -> None:
    """Check pages without building them: parse problems, missing sections, review
    status, reading grade, characters the fonts lack. Exit 1 on errors (or warnings
    with --strict)."""
    from .check import check_pages
    from .settings.inputs import Inputs

    pages = _pages(names, use_all, content)
    config, style = Inputs.locate(config_path, style_name).load()
    checked = check_pages(pages, style, config)
    if fmt == "json":
        import json

        click.echo(json.dumps(checked.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in checked.text_lines():
            say(line)
    if checked.failed(strict):
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

    from .deliver import mail, smtp
    from .settings.inputs import Inputs

    if message is not None and message_file is not None:
        raise click.UsageError("give --message or --message-file, not both")
    inputs = Inputs.locate(config_path, style_name)
    config, _ = inputs.load()  # checked before anything is built or sent
    server = None if eml else smtp.smtp_server(config.smtp, os.environ)
    sender = server.sender if server else smtp.draft_sender(config.smtp, os.environ)
    request = mail.Request(names, recipients, subject, message, message_file)
    letters = mail.prepare(request, config, inputs, content, out_dir, sender, draft=bool(eml))
    for warning in dict.fromkeys(w for a in letters[0].attachments for w in a.warnings):
        say(f"warning: {warning}", err=True)
    if eml:
        for path, letter in zip(mail.write_drafts(letters, eml), letters):
            say(f"{_shown(path)}: draft to {letter.recipient}: {letter.describe()}")
        return
    outcome = smtp.send(letters, server, say)
    if not outcome.ok:
        raise HandoutError(outcome.summary())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
