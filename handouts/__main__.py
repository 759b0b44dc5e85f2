"""Entry points: `python -m handouts` and the `handouts` console script.

Both first take the workspace off the import path: `python -m` puts the current folder
first on sys.path, and ReportLab imports `reportlab_mods` and `reportlab_settings` from
anywhere on it, so a page folder holding such a file (or a `yaml.py`) would run its code.
"""

import os
import sys


def isolate_import_path() -> None:
    """Drop the current folder and relative entries ('' and '.') from sys.path."""
    here = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path
                   if os.path.isabs(p) and os.path.realpath(p) != here]


def run() -> None:
    isolate_import_path()
    from .cli import main

    main()


if __name__ == "__main__":  # a spawned worker process imports this module again
    run()
