"""Deliver stage: a CUPS print queue, through the `lp` family of commands (cups-client).

Every call runs with LC_ALL=C, so the answers matched are CUPS's English ones; each
problem becomes one line saying what is wrong and what to do. A PDF goes to `lp` on
its standard input: nothing is written to disk on the way (a personalised copy must
not be). One job per PDF: CUPS concatenates several files of one raw job.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from ..errors import HandoutError

TIMEOUT = 60  # seconds for one lp/lpstat call: a hung scheduler must not hang the counter


@dataclass(frozen=True)
class Queue:
    name: str
    duplex: bool  # it has a long-edge Duplex option: jobs go two-sided


def _run(cmd: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(cmd, input=data, env=env, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise HandoutError(f"CUPS did not answer within {TIMEOUT} s ({cmd[0]})") from None
    except OSError as exc:
        raise HandoutError(f"cannot run {cmd[0]}: {exc.strerror}") from None
    return subprocess.CompletedProcess(cmd, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def _server() -> str:
    return os.environ.get("CUPS_SERVER") or "the local CUPS server"


def find_queue(name: str | None) -> Queue:
    """The queue to print to (the CUPS default when `name` is None), checked: CUPS is
    installed and running, the queue exists and accepts jobs."""
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        raise HandoutError("CUPS is not installed: no 'lp' command (Debian: apt-get install "
                           "--no-install-recommends cups-client)")
    # lp says "The printer or class does not exist." both for a missing queue and for a
    # scheduler it cannot reach, so ask the scheduler first (lpstat -r exits 0 either way).
    if _run(["lpstat", "-r"]).stdout.strip() != "scheduler is running":
        raise HandoutError(f"CUPS is not running or not reachable at {_server()}")
    name = name or default_queue()
    if _run(["lpstat", "-p", name]).returncode != 0:
        raise HandoutError(f"no printer queue named {name!r} at {_server()} "
                           "(lpstat -e lists the queues)")
    if "not accepting requests" in _run(["lpstat", "-a", name]).stdout:
        raise HandoutError(f"printer queue {name!r} is not accepting jobs "
                           f"(cupsaccept {name} turns it back on)")
    return Queue(name, supports_duplex(name))


def default_queue() -> str:
    answer = _run(["lpstat", "-d"]).stdout
    match = re.search(r"system default destination: (\S+)", answer)
    if not match:
        raise HandoutError("no --printer given and CUPS has no default printer: "
                           "give --printer QUEUE (lpstat -e lists the queues)")
    return match.group(1)


def supports_duplex(name: str) -> bool:
    """True when the queue's options include long-edge duplex. lpoptions exits 0 even
    when it has no options to show (a raw queue), so its output is what counts."""
    for line in _run(["lpoptions", "-p", name, "-l"]).stdout.splitlines():
        option, _, choices = line.partition(":")
        if option.split("/")[0] == "Duplex":
            return "DuplexNoTumble" in choices.replace("*", "").split()
    return False


def submit(queue: Queue, data: bytes, title: str, copies: int) -> str:
    """Send one PDF as one job; return its job id (`handouts-12`). `title` is the
    drug's, never the patient's: job titles show in queues and logs."""
    cmd = ["lp", "-d", queue.name, "-n", str(copies), "-t", title]
    if queue.duplex:
        cmd += ["-o", "sides=two-sided-long-edge"]
    done = _run(cmd, data)  # no file: lp reads the PDF from its standard input
    if done.returncode != 0:
        reason = done.stderr.strip().removeprefix("lp: ").removeprefix("Error - ")
        raise HandoutError(f"printing on {queue.name!r} failed: {reason}")
    match = re.search(r"request id is (\S+) \(", done.stdout)
    if not match:
        raise HandoutError(f"unexpected answer from lp: {done.stdout.strip()[:200]!r}")
    return match.group(1)
