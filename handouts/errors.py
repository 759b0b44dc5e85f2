"""Errors a user sees: one line naming the file (and line or key), never a traceback.

Every stage raises HandoutError for bad input; the CLI prints it and exits non-zero.
"""

from __future__ import annotations

import click

from .text import for_terminal


class HandoutError(click.ClickException):
    """Bad input or environment, reported as `FILE[:LINE]: message`."""

    exit_code = 2

    def __init__(self, message: str, file: object = None, line: int | None = None):
        self.file = str(file) if file is not None else None
        self.line = line
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}" if where else self.reason

    def format_message(self) -> str:
        return for_terminal(self._render())  # a file name must not drive a terminal
