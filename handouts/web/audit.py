"""Web layer: the audit log: who printed, emailed or packed which handout, and when;
logins and refused logins. One JSON object per line, appended.

It never holds a patient's name, note or address, or a password: callers pass only the
user, the action, page names and an outcome word, and this module accepts nothing else.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

ACTIONS = {"download", "personal", "print", "email", "pack", "login", "login-refused",
           "login-limited", "logout"}
OUTCOMES = {"ok", "failed", "refused"}


class AuditLog:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def record(self, user: str, action: str, pages=(), outcome: str = "ok",
               personal: bool = False) -> None:
        """Append one line. `pages` are page names; `personal` says a patient's copy was
        made (never whose)."""
        if action not in ACTIONS or outcome not in OUTCOMES:
            raise ValueError(f"not an audit action/outcome: {action}/{outcome}")
        entry = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "user": user, "action": action, "pages": list(pages), "outcome": outcome}
        if personal:
            entry["personal"] = True
        line = json.dumps(entry, ensure_ascii=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            try:
                os.write(fd, line.encode("ascii"))
            finally:
                os.close(fd)

    def lines(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]
