"""`handouts email` against misbehaving SMTP servers on 127.0.0.1, scripted line by line
over a real socket: one that echoes the AUTH argument, one that greets without end, one
that trickles a byte at a time, one that closes on the second recipient."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from helpers import SEED, run_cli

USER, PASSWORD = "clinic", "s3cret-Pa55word-never-shown"


class Scripted:
    """One-connection-at-a-time SMTP server whose every reply is `answer(line)`."""

    def __init__(self, greet, answer):
        self.greet, self.answer = greet, answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[str] = []
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    self._talk(conn)
                except OSError:
                    pass

    def _talk(self, conn):
        self.greet(conn, self.stop)
        reader = conn.makefile("rb")
        while not self.stop.is_set():
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.seen.append(line)
            reply = self.answer(line, self)
            if reply is None:
                return  # hang up
            if reply:
                conn.sendall(reply.encode() + b"\r\n")

    def close(self):
        self.stop.set()
        self.sock.close()


def _hello(conn, stop):
    conn.sendall(b"220 scripted ESMTP\r\n")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    (tmp_path / "content").mkdir()
    shutil.copy(SEED, tmp_path / "content" / "ixabepilone.md")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _env(monkeypatch, server, **extra):
    settings = {"HOST": "127.0.0.1", "PORT": str(server.port), "SECURITY": "none",
                "FROM": "clinic@example.org", "USER": USER, "PASSWORD": PASSWORD, **extra}
    for key, value in settings.items():
        monkeypatch.setenv(f"HANDOUTS_SMTP_{key}", value)


def _email(ws, *to):
    args = [a for address in to for a in ("--to", address)]
    return run_cli("email", "ixabepilone", *args, "--content", ws / "content", "--out",
                   ws / "out")


def _hides_password(output: str) -> bool:
    """No form of the password in `output`: literal, or inside any base64 token."""
    if PASSWORD in output:
        return False
    for token in re.findall(r"[A-Za-z0-9+/=]{8,}", output):
        for shift in range(4):
            body = token[shift:].rstrip("=")
            try:
                decoded = base64.b64decode(body[: len(body) // 4 * 4] or "AAAA")
            except ValueError:
                continue
            if PASSWORD.encode()[:8] in decoded:
                return False
    return True


def _echoing(mechanism: str):
    """A server offering only `mechanism` that answers a failed login with what it got."""
    def answer(line, server):
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            return f"250-scripted\r\n250 AUTH {mechanism}"
        if verb == "AUTH" and mechanism == "LOGIN":
            return "334 UGFzc3dvcmQ6"
        if verb == "AUTH" or server.seen[-2:-1] and server.seen[-2].startswith("AUTH"):
            return f"535 5.7.8 bad credentials {line.split(' ')[-1]}"
        return "221 bye" if verb == "QUIT" else "250 OK"
    return answer


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_server_echoing_the_auth_argument_never_shows_the_password(ws, monkeypatch,
                                                                     mechanism):
    server = Scripted(_hello, _echoing(mechanism))
    try:
        _env(monkeypatch, server)
        result = _email(ws, "a@example.org")
    finally:
        server.close()
    assert result.exit_code != 0
    assert any(line.startswith("AUTH") for line in server.seen)  # it did try to log in
    assert "535 5.7.8 bad credentials ***" in result.output, result.output
    assert _hides_password(result.output), result.output


def _endless(conn, stop):
    while not stop.is_set():
        conn.sendall(b"220-still greeting you\r\n")
        time.sleep(0.001)


def _trickle(conn, stop):
    for byte in b"220 a slow and very long greeting from this server\r\n":
        if stop.is_set():
            return
        conn.sendall(bytes([byte]))
        time.sleep(0.5)


@pytest.mark.parametrize("greet", [_endless, _trickle], ids=["endless-220", "byte-by-byte"])
def test_one_deadline_for_the_whole_conversation(ws, monkeypatch, greet):
    server = Scripted(greet, lambda line, s: "250 OK")
    try:
        _env(monkeypatch, server, DEADLINE="3")
        start = time.monotonic()
        try:  # in a subprocess, so that a send without a deadline fails instead of hanging
            done = subprocess.run([sys.executable, "-m", "handouts", "email", "ixabepilone",
                                   "--to", "a@example.org"], cwd=ws, capture_output=True,
                                  text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("email still talking to the server after 60 s")
        took = time.monotonic() - start
    finally:
        server.close()
    assert done.returncode != 0
    assert took < 15, took  # the build takes a second or two; the talk at most 3 s
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "HANDOUTS_SMTP_DEADLINE" in errors[0], done.stderr
    assert "NOT sent to a@example.org (not attempted)" in errors[0]


def _closing_on_second_rcpt():
    state = {"rcpt": 0, "data": False}

    def answer(line, server):
        if state["data"]:  # the message itself: no reply until its final "."
            state["data"] = line != "."
            return "250 queued" if line == "." else ""
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            return "250-scripted\r\n250 AUTH PLAIN"
        if verb == "AUTH":
            return "235 ok"
        if verb == "RCPT":
            state["rcpt"] += 1
            return "421 4.3.2 closing" if state["rcpt"] == 2 else "250 OK"
        if verb == "DATA":
            state["data"] = True
            return "354 go on"
        return "221 bye" if verb == "QUIT" else "250 OK"
    return answer


def test_a_421_on_the_second_recipient_leaves_the_third_not_attempted(ws, monkeypatch):
    server = Scripted(_hello, _closing_on_second_rcpt())
    try:
        _env(monkeypatch, server)
        result = _email(ws, "first@example.org", "second@example.org", "third@example.org")
    finally:
        server.close()
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "sent 1 of 3: sent to first@example.org" in errors[0]
    assert "NOT sent to second@example.org (421 4.3.2 closing)" in errors[0]
    assert "NOT sent to third@example.org (not attempted)" in errors[0]
    assert "UNKNOWN" not in errors[0]
