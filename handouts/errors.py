"""Errors a user sees: one line naming the file (and line or key), never a traceback.

Every stage raises HandoutError for bad input; the CLI prints it and exits non-zero.
"""

from __future__ import annotations

import click

from .text import for_terminal


class HandoutError(click.ClickException):
    """Bad input or environment, reported as `FILE[:LINE]: message`."""

    exit_code = 2

    def __init__(self, message: str, file: object = None, line: int | None = None,
                 details: tuple[str, ...] = ()):
        self.file = str(file) if file is not None else None
        self.line = line
        self.reason = message
        # Lines printed under the one-line message (the pages a name could mean): each
        # is its own line on the terminal, never part of the message itself.
        self.details = tuple(details)
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}" if where else self.reason

    def format_message(self) -> str:
        # A file name must not drive a terminal: every line is filtered on its own.
        return "\n".join(for_terminal(line) for line in (self._render(), *self.details))
