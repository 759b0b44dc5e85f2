"""CLI helpers: the options several commands share, and the checks of what was typed
(which pages, how many jobs, which shard). Thin: heavy modules are imported inside.
"""

from __future__ import annotations

from pathlib import Path

import click

from .console import say

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


def stopped(result) -> None:
    """The `interrupted: ...` line and the exit code of the signal (130 for Ctrl-C)."""
    say(f"interrupted: {result.summary()}", err=True)
    raise SystemExit(128 + int(result.signal or 2))


def shard(ctx, param, value):
    from .read.workspace import parse_shard

    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


PATIENT = click.option("--for", "patient", metavar="NAME",
                       help="Patient's name, in a box on page 1 of this copy only (never "
                            "saved in out/, file names or logs).")
NOTE = click.option("--note", metavar="TEXT", help="A note for this patient, in that box.")


def pages(names, use_all: bool, content: Path, verb: str = "build"):
    """The pages named, or every page with --all (exactly one of the two)."""
    from .read.lookup import resolve
    from .read.workspace import find_pages

    if names and use_all:
        raise click.UsageError(f"give page NAMEs or --all, not both: 'handouts {verb} "
                               f"NAME ...' or 'handouts {verb} --all'")
    if not names and not use_all:
        raise click.UsageError(f"no page given: type 'handouts {verb} NAME ...' (handouts "
                               f"list shows the names; handouts list TEXT searches) or "
                               f"'handouts {verb} --all'")
    return find_pages(content) if use_all else resolve(names, content)
