"""One filter for every string that reaches a PDF or a terminal: control characters,
bidi overrides and invisible characters (and lone surrogates, which no file can hold)
are found here, removed from page text with a warning, refused in settings, and shown
as escapes on a terminal. Plain string work: no third-party import.

Why: U+202E turns "Evil\u202egnp.exe" into "Evilexe.png" on screen, U+200B and U+00AD
hide inside words, and ESC/BEL in a file name can rewrite a terminal.
"""

from __future__ import annotations

import re

# Cc (but tab and line feed), bidi embeddings/overrides/isolates and marks, zero-width
# and other invisible format characters, soft hyphen, BOM, surrogates, non-characters.
_SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\ufffe\uffff\ud800-\udfff]")
# On a terminal a line break inside one message line is suspect too.
_TERMINAL = re.compile(f"[\n\t]|{_SUSPECT.pattern}")


def suspect(text: str) -> list[str]:
    """The distinct suspect characters in `text`, in code-point order."""
    return sorted(set(_SUSPECT.findall(text)))


def strip_suspect(text: str) -> tuple[str, list[str]]:
    """`text` without its suspect characters, and which ones were removed."""
    found = suspect(text) if _SUSPECT.search(text) else []
    return (_SUSPECT.sub("", text) if found else text), found


def points(chars) -> str:
    """'U+200B, U+202E' for a warning."""
    return ", ".join(f"U+{ord(c):04X}" for c in chars)


def removed_warning(chars) -> str:
    return f"removed invisible or control characters {points(chars)}"


def for_terminal(text: str) -> str:
    """A line safe to print: every suspect character (and a tab or line break) shown as
    an escape such as \\x1b or \\u202e, so nothing can move the cursor or reorder text."""
    if not _TERMINAL.search(text):
        return text
    return _TERMINAL.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace")
                         .decode("ascii"), text)
