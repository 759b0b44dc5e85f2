"""CLI: thin click commands over the pipeline stages.

Heavy modules (ReportLab, markdown-it) are imported inside commands, so `--help` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .cli_options import (
    CONFIG, CONTENT, JOBS, NOTE, OUT, PATIENT, STYLE, TIME_LIMIT, pages as _pages, selection,
    shard as _shard, stopped as _stopped,
)
from .console import say, shown as _shown
from .errors import HandoutError
from .text import for_terminal

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
def main() -> None:
    """Turn Markdown drug pages into printable patient-handout PDFs."""


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
@click.option("-o", "--output", "output", type=click.Path(path_type=Path),
              required=True, help="The pack to write (FILE.pdf).")
@click.option("--force", is_flag=True, help="Replace FILE.pdf if it exists.")
@STYLE
@CONFIG
@JOBS
@TIME_LIMIT
def pack(names, use_all: bool, output: Path, force: bool, content: Path,
         style_name: str | None, config_path: Path | None, jobs: int | None,
         limit: float) -> None:
    """One print-ready PDF of the handouts NAME ... (or --all), in that order.

    A contents page, then each handout on a right-hand page (blank pages added for
    double-sided printing), with bookmarks. Written only if every handout builds.
    """
    from .console import ConsoleProgress
    from .deliver.files import check_new_file
    from .deliver.pack import build_pack
    from .settings.inputs import Inputs

    check_new_file(output, "-o", ".pdf", force)
    pages = _pages(names, use_all, content, "pack")
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


@main.command(name="print")
@selection("Print")
@OUT
@STYLE
@CONFIG
@click.option("--printer", metavar="QUEUE", help="CUPS queue [default: print.queue in "
              "handouts.yaml, else CUPS's default].")
@click.option("--copies", type=click.IntRange(1, 100), default=1, show_default=True)
@PATIENT
@NOTE
@click.option("--pack", "as_pack", is_flag=True,
              help="One job: a pack of them all (contents page, each on a right-hand page).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the PDF to FILE.pdf instead of printing (e.g. a personalised copy).")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
def print_handouts(names, use_all: bool, content: Path, out_dir: Path, style_name,
                   config_path, printer, copies: int, patient, note, as_pack: bool, output,
                   force: bool) -> None:
    """Print the handouts NAME ... (or --all) on a CUPS queue, one job each, two-sided
    when the queue can. --for/--note personalise this copy; it goes only to the printer
    (or to -o FILE)."""
    from .console import ConsoleProgress
    from .deliver import printing
    from .deliver.handover import handover_of
    from .settings.inputs import Inputs

    handover = handover_of(patient, note)
    pages = _pages(names, use_all, content, "print")
    inputs = Inputs.locate(config_path, style_name)
    for warning in printing.review_warnings(pages, inputs):
        click.echo(f"warning: {warning}", err=True)
    request = printing.Request(printer, copies, handover, as_pack, output, force)
    with ConsoleProgress() as progress:
        printing.deliver(pages, inputs, out_dir, request, click.echo, progress)


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


@main.command(name="list")
@click.argument("search", required=False)
@CONTENT
def list_pages(search: str | None, content: Path) -> None:
    """List the pages: name and title; with SEARCH, the pages it matches, best first,
    then those spelled similarly (marked: check the name)."""
    from .read.lookup import index, lookup

    if search is None:
        for entry in index(content):
            click.echo(f"{for_terminal(entry.page.name)}\t{for_terminal(entry.title)}")
        return
    found = lookup(search, content)
    if found.problem:
        raise click.UsageError(found.problem)
    for match in found.matches + found.similar:
        click.echo(match.line())
    if not found.matches:
        say(f"no page matches {search!r}"
            + ("; the lines above are only spelled similarly" if found.similar else ""),
            err=True)
        raise SystemExit(1)


@main.command()
@selection("Check")
@STYLE
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per problem; json: see the README.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--kinds", metavar="KIND,...", help="Report only these kinds of finding.")
@click.option("--ignore", metavar="KIND", multiple=True,
              help="Leave out this kind of finding (repeat for more), e.g. reading_grade.")
@click.option("--explain", is_flag=True,
              help="Text format: also print each page's side-effect triage (what goes "
                   "in the warning box, and why).")
def check(names, use_all: bool, content: Path, style_name: str | None,
          config_path: Path | None, fmt: str, strict: bool, kinds, ignore,
          explain: bool) -> None:
    """Check pages without building them: parse problems, pages that are not drug
    information, missing sections, review status, reading grade, characters the fonts
    lack, and the side-effect triage (--explain; always in JSON). Exit 1 on errors (or
    warnings with --strict)."""
    from .check import check_pages, kinds_kept, only
    from .settings.inputs import Inputs

    kept = kinds_kept(kinds, ignore)
    pages = _pages(names, use_all, content, "check")
    config, style = Inputs.locate(config_path, style_name).load()
    checked = only(check_pages(pages, style, config), kept)
    if fmt == "json":
        import json

        click.echo(json.dumps(checked.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in checked.text_lines(explain):
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
@click.option("--eml", type=click.Path(path_type=Path),
              help="Save FILE.eml draft(s) instead of sending.")
@click.option("--force", is_flag=True, help="Replace existing --eml drafts.")
@PATIENT
@NOTE
@CONFIG
@STYLE
@CONTENT
@OUT
def email(names, recipients, subject, message, message_file, eml, force, patient, note,
          config_path,
          style_name: str | None, content: Path, out_dir: Path) -> None:
    """Email the handouts for NAMEs to each --to, one message per recipient.

    SMTP settings come from the smtp: block of handouts.yaml, overridden by
    HANDOUTS_SMTP_HOST/_PORT/_SECURITY/_USER/_FROM/_CAFILE; the password only from
    HANDOUTS_SMTP_PASSWORD. Everything is checked and built before anything is sent.
    """
    import os

    from .deliver import mail, printing, smtp
    from .deliver.handover import handover_of
    from .read.lookup import resolve
    from .settings.inputs import Inputs

    if message is not None and message_file is not None:
        raise click.UsageError("give --message or --message-file, not both")
    if eml:  # before anything is built: a draft is never silently replaced
        mail.draft_paths(eml, len(recipients), force)
    inputs = Inputs.locate(config_path, style_name)
    config, _ = inputs.load()  # checked before anything is built or sent
    server = None if eml else smtp.smtp_server(config.smtp, os.environ)
    sender = server.sender if server else smtp.draft_sender(config.smtp, os.environ)
    request = mail.Request(names, recipients, subject, message, message_file,
                           handover_of(patient, note))
    for warning in printing.review_warnings(resolve(names, content), inputs):
        click.echo(f"warning: {warning}", err=True)
    letters = mail.prepare(request, config, inputs, content, out_dir, sender, draft=bool(eml))
    for warning in dict.fromkeys(w for a in letters[0].attachments for w in a.warnings):
        say(f"warning: {warning}", err=True)
    if eml:
        for path, letter in zip(mail.write_drafts(letters, eml, force), letters):
            say(f"{_shown(path)}: draft to {letter.recipient}: {letter.describe()}")
        return
    outcome = smtp.send(letters, server, say)
    if not outcome.ok:
        raise HandoutError(outcome.summary())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only 127.0.0.1, ::1 and localhost run without "
                   "login; any other needs users (handouts user add).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@CONTENT
@CONFIG
@click.option("--certfile", type=click.Path(path_type=Path, dir_okay=False),
              help="TLS certificate (PEM); with --keyfile, serve https.")
@click.option("--keyfile", type=click.Path(path_type=Path, dir_okay=False),
              help="TLS private key (PEM).")
@click.option("--fd", type=click.IntRange(min=0), default=None, hidden=True,
              help="Serve on this already listening socket (tests).")
def serve(host: str, port: int, content: Path, config_path: Path | None, certfile, keyfile,
          fd: int | None) -> None:
    """The front desk: find, preview, personalise, print and email handouts in a browser.

    Reads the same workspace as the other commands (content/, styles/, handouts.yaml).
    """
    from .web.serve import Options, serve as run

    run(Options(host, port, content, config_path, certfile, keyfile, fd), click.echo)


@main.group()
def user() -> None:
    """Front-desk users (names and argon2 password hashes, outside content/)."""


@user.command(name="add")
@click.argument("name")
@CONTENT
@CONFIG
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def user_add(name: str, content: Path, config_path: Path | None, password_stdin: bool) -> None:
    """Add user NAME (or set a new password), asking for the password twice."""
    from .web.auth import add_user
    from .web.site import Site

    site = Site.locate(Path.cwd(), content, config_path)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    new = add_user(site.users_path, name, password)
    click.echo(f"{'added' if new else 'new password for'} {name} in {_shown(site.users_path)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
