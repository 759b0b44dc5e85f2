"""A private, throw-away CUPS scheduler for the print tests (from the prototype in the
CUPS report: the same server, minus what the suite does not use).

    with CupsServer() as cups:
        cups.add_queue("handouts-test")                  # raw queue, capture backend
        cups.add_queue("handouts-duplex", duplex=True)   # PPD queue that advertises Duplex
        r = subprocess.run(["lp", "-d", "handouts-test", "x.pdf"], env=cups.env, ...)
        job = cups.wait_job(CupsServer.job_id_from_lp(r.stdout))
        assert job.data == open("x.pdf", "rb").read()
        job.attributes["copies"], job.attributes["sides"], job.attributes["job-name"]

What it does
  * writes cupsd.conf / cups-files.conf into a fresh temp dir (ServerRoot, spool,
    cache, state, logs, ServerBin all live there), and runs `cupsd -f` as a child;
  * listens ONLY on a unix socket in that dir and on 127.0.0.1:<free port>;
  * clients reach it through `CUPS_SERVER` (see `.env`): lp, lpstat, lpadmin, pycups;
  * queues print to a tiny shell backend "capture" (in the private ServerBin) that
    stores what the device receives as out/job-<id>-<n>.data, plus the backend's
    argv (title, copies, options) in .argv and a few env vars in .env - one set per
    backend run, nothing is overwritten (unlike the file: device, see REPORT.md);
  * job attributes (copies, sides, job-name, job-state...) are read back over IPP
    (Get-Job-Attributes) by a ~150-line pure-Python IPP client below: no ipptool,
    no pycups needed;
  * readiness = the unix socket answers an IPP request and the TCP port accepts;
    stop = SIGTERM, wait, SIGKILL fallback; the child also gets PDEATHSIG so it
    dies with the test process even on `kill -9` of pytest.

Needs: Debian packages cups-daemon + cups-client (see install.sh). Root is the
tested case (CI); cupsd then runs filters/backends as user `lp` unless the
backend file is mode 0700 (then as root - that is what we do for `capture`).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CupsServer", "CupsServerError", "Job", "Document", "ipp_request", "CUPSD"]

CUPSD = shutil.which("cupsd", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or "/usr/sbin/cupsd"
SYSTEM_SERVERBIN = Path("/usr/lib/cups")


class CupsServerError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------
# Minimal IPP/1.1-2.0 client (encoder + decoder), enough for Get-*-Attributes.
# --------------------------------------------------------------------------------------

OP_GET_JOB_ATTRIBUTES = 0x0009
OP_GET_JOBS = 0x000A
OP_GET_PRINTER_ATTRIBUTES = 0x000B
OP_CUPS_GET_PRINTERS = 0x4002

TAG_OPERATION, TAG_JOB, TAG_END, TAG_PRINTER, TAG_UNSUPPORTED = 0x01, 0x02, 0x03, 0x04, 0x05
GROUP_NAMES = {0x01: "operation", 0x02: "job", 0x04: "printer", 0x05: "unsupported"}
V_INTEGER, V_BOOLEAN, V_ENUM = 0x21, 0x22, 0x23
V_DATETIME, V_RESOLUTION, V_RANGE = 0x31, 0x32, 0x33
V_BEGCOLL, V_ENDCOLL, V_MEMBERNAME = 0x34, 0x37, 0x4A
V_TEXTLANG, V_NAMELANG = 0x35, 0x36
V_NAME, V_KEYWORD, V_URI, V_CHARSET, V_LANGUAGE = 0x42, 0x44, 0x45, 0x47, 0x48

JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
              7: "canceled", 8: "aborted", 9: "completed"}
FINAL_JOB_STATES = {7, 8, 9}


def _attr(tag: int, name: str, *values: str | int) -> bytes:
    out = b""
    for i, v in enumerate(values):
        if isinstance(v, int):
            data = struct.pack(">i", v)
        else:
            data = v.encode()
        n = name.encode() if i == 0 else b""
        out += struct.pack(">BH", tag, len(n)) + n + struct.pack(">H", len(data)) + data
    return out


def _encode_request(op: int, req_id: int, target_uri_name: str, target_uri: str,
                    extra: bytes = b"", requested: tuple[str, ...] = ("all",)) -> bytes:
    body = struct.pack(">BBHI", 2, 0, op, req_id)
    body += bytes([TAG_OPERATION])
    body += _attr(V_CHARSET, "attributes-charset", "utf-8")
    body += _attr(V_LANGUAGE, "attributes-natural-language", "en")
    body += _attr(V_URI, target_uri_name, target_uri)
    body += _attr(V_NAME, "requesting-user-name", os.environ.get("USER", "root") or "root")
    body += extra
    if requested:
        body += _attr(V_KEYWORD, "requested-attributes", *requested)
    body += bytes([TAG_END])
    return body


def _decode_value(tag: int, raw: bytes) -> Any:
    if tag in (V_INTEGER, V_ENUM):
        return struct.unpack(">i", raw)[0]
    if tag == V_BOOLEAN:
        return raw != b"\x00"
    if tag == V_RANGE:
        return struct.unpack(">ii", raw)
    if tag == V_RESOLUTION:
        return struct.unpack(">iiB", raw)
    if tag == V_DATETIME:
        return raw.hex()
    if tag in (V_TEXTLANG, V_NAMELANG):
        (ln,) = struct.unpack(">H", raw[:2])
        (tn,) = struct.unpack(">H", raw[2 + ln:4 + ln])
        return raw[4 + ln:4 + ln + tn].decode("utf-8", "replace")
    if 0x10 <= tag <= 0x1F:  # out-of-band: unsupported, unknown, no-value...
        return None
    if 0x40 <= tag <= 0x5F:
        return raw.decode("utf-8", "replace")
    return raw  # octetString and unknown types


def _decode_response(buf: bytes) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    """Return (status_code, [(group_name, {attr: value or [values]})...])."""
    _ver, status, _rid = struct.unpack(">HHI", buf[:8])
    pos = 8
    groups: list[tuple[str, dict[str, Any]]] = []
    cur: dict[str, Any] | None = None
    last_name = ""
    # collection parsing state: stack of (dict, pending member name)
    coll_stack: list[list[Any]] = []

    def store(target: dict[str, Any], name: str, value: Any, additional: bool) -> None:
        if additional and name in target:
            if not isinstance(target[name], list) or not getattr(target[name], "_multi", False):
                lst = _Multi([target[name]])
                target[name] = lst
            target[name].append(value)
        else:
            target[name] = value

    while pos < len(buf):
        tag = buf[pos]
        pos += 1
        if tag == TAG_END:
            break
        if tag < 0x10:  # delimiter: new group
            cur = {}
            groups.append((GROUP_NAMES.get(tag, hex(tag)), cur))
            continue
        (nlen,) = struct.unpack(">H", buf[pos:pos + 2])
        pos += 2
        name = buf[pos:pos + nlen].decode()
        pos += nlen
        (vlen,) = struct.unpack(">H", buf[pos:pos + 2])
        pos += 2
        raw = buf[pos:pos + vlen]
        pos += vlen
        assert cur is not None
        if coll_stack:  # inside a collection
            frame = coll_stack[-1]  # [dict, member_name, parent_setter]
            if tag == V_MEMBERNAME:
                frame[1] = raw.decode()
                frame[3] = False
            elif tag == V_ENDCOLL:
                coll_stack.pop()
            elif tag == V_BEGCOLL:
                new: dict[str, Any] = {}
                store(frame[0], frame[1], new, frame[3])
                frame[3] = True
                coll_stack.append([new, "", None, False])
            else:
                store(frame[0], frame[1], _decode_value(tag, raw), frame[3])
                frame[3] = True
            continue
        additional = nlen == 0
        if not additional:
            last_name = name
        if tag == V_BEGCOLL:
            new = {}
            store(cur, last_name, new, additional)
            coll_stack.append([new, "", None, False])
        else:
            store(cur, last_name, _decode_value(tag, raw), additional)
    return status, groups


class _Multi(list):
    """Marks a multi-valued IPP attribute (1setOf)."""
    _multi = True


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


def ipp_request(server: str, resource: str, body: bytes, timeout: float = 10.0):
    """POST an IPP request to `server` (a unix socket path or host:port)."""
    if server.startswith("/"):
        conn: http.client.HTTPConnection = _UnixHTTPConnection(server, timeout)
    else:
        host, _, port = server.rpartition(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", resource, body, {"Content-Type": "application/ipp"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise CupsServerError(f"HTTP {resp.status} from cupsd for {resource}")
        return _decode_response(data)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------
# Config templates
# --------------------------------------------------------------------------------------

CUPSD_CONF = """\
# Private test scheduler - generated by cups_server.py. Loopback/unix socket only.
# NOTE: never use "Port N" here: it means "listen on ALL interfaces".
Listen {sock}
{listen_tcp}
ServerName localhost
ServerAdmin root@localhost
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultEncryption Never
DefaultAuthType None
HostNameLookups Off
LogLevel {log_level}
MaxLogSize 0
AccessLogLevel actions
ErrorPolicy abort-job
PreserveJobHistory Yes
PreserveJobFiles Yes
MaxJobs 0
AutoPurgeJobs No
JobRetryLimit 0
Timeout 30
<Location />
  Order allow,deny
  Allow localhost
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}
{user_lines}
FileDevice Yes
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
ServerBin {root}/bin
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
Printcap {root}/printcap
# exit instead of running half-configured (e.g. TCP port taken); belongs here, not in cupsd.conf
FatalErrors config listen log
"""

# One file per job; the .data file is renamed into place last (= "done" marker).
CAPTURE_BACKEND = r"""#!/bin/sh
# CUPS backend "capture": device URI capture:/some/dir
# argv: job-id user title copies options [file]
# Each invocation (= one document of a job) is stored as job-<id>-<n>.data/.argv/.env;
# .data is renamed into place last, so its presence means "complete".
if [ $# -eq 0 ]; then
    echo 'direct capture "Unknown" "Capture (test backend)"'
    exit 0
fi
dir=${DEVICE_URI#capture:}
while [ "${dir#//}" != "$dir" ]; do dir=${dir#/}; done
n=1
while [ -e "$dir/job-$1-$n.data" ]; do n=$((n+1)); done
tmp="$dir/.job-$1-$n.$$"
if [ $# -ge 6 ]; then
    cat -- "$6" > "$tmp.data" || exit 1     # no filters: spool file given as argv[6]
else
    cat > "$tmp.data" || exit 1             # filtered: data arrives on stdin
fi
printf '%s\0' "$@" > "$tmp.argv"
{ echo "CONTENT_TYPE=$CONTENT_TYPE"; echo "FINAL_CONTENT_TYPE=$FINAL_CONTENT_TYPE";
  echo "PRINTER=$PRINTER"; echo "PPD=$PPD"; echo "UID=$(id -u)"; } > "$tmp.env"
mv -f "$tmp.argv" "$dir/job-$1-$n.argv"
mv -f "$tmp.env" "$dir/job-$1-$n.env"
mv -f "$tmp.data" "$dir/job-$1-$n.data"
echo "INFO: captured job $1 document $n" >&2
exit 0
"""

# PPD with a Duplex option and NO filter: "application/pdf ... 0 -" means the PDF is
# handed to the backend unchanged (no cups-filters needed), but CUPS knows the
# queue can duplex: `lpoptions -l` shows Duplex and IPP sides-supported lists
# two-sided-long-edge / two-sided-short-edge.
DUPLEX_PPD = """\
*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "HTDUPLEX.PPD"
*Manufacturer: "Handouts"
*Product: "(Handouts Test Duplex)"
*ModelName: "Handouts Test Duplex PDF"
*ShortNickName: "Handouts Test Duplex"
*NickName: "Handouts Test Duplex PDF"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsVersion: 2.4
*cupsFilter2: "application/pdf application/pdf 0 -"

*OpenUI *PageSize/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*PageSize Letter/US Letter: "<</PageSize[612 792]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageSize

*OpenUI *PageRegion/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: A4
*PageRegion A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*PageRegion Letter/US Letter: "<</PageSize[612 792]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageRegion

*DefaultImageableArea: A4
*ImageableArea A4/A4: "18 18 577 824"
*ImageableArea Letter/US Letter: "18 18 594 774"
*DefaultPaperDimension: A4
*PaperDimension A4/A4: "595 842"
*PaperDimension Letter/US Letter: "612 792"

*OpenUI *Duplex/2-Sided Printing: PickOne
*OrderDependency: 20 AnySetup *Duplex
*DefaultDuplex: None
*Duplex None/Off: "<</Duplex false>>setpagedevice"
*Duplex DuplexNoTumble/Long Edge (Standard): "<</Duplex true/Tumble false>>setpagedevice"
*Duplex DuplexTumble/Short Edge (Flip): "<</Duplex true/Tumble true>>setpagedevice"
*CloseUI: *Duplex

*DefaultFont: Courier
*Font Courier: Standard "(002.004S)" Standard ROM
"""


# --------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------

@dataclass
class Document:
    data: bytes                      # exactly what the device (backend) received
    argv: list[str]                  # backend argv[1:]: job-id user title copies options [file]
    env: dict[str, str]              # env vars the backend saw (CONTENT_TYPE, FINAL_CONTENT_TYPE, PPD, UID)

    @property
    def title(self) -> str:
        return self.argv[2]

    @property
    def copies(self) -> int:
        return int(self.argv[3])

    @property
    def options(self) -> dict[str, str]:
        """The options string CUPS passed to the backend, parsed (k=v; bare word -> 'true')."""
        out: dict[str, str] = {}
        for tok in self.argv[4].split():
            k, sep, v = tok.partition("=")
            out[k] = v if sep else "true"
        return out


@dataclass
class Job:
    id: int
    documents: list[Document]        # one per document the device received, in order
    attributes: dict[str, Any] = field(default_factory=dict)   # IPP Get-Job-Attributes

    # shortcuts to the first (usually only) document
    @property
    def data(self) -> bytes:
        return self.documents[0].data

    @property
    def argv(self) -> list[str]:
        return self.documents[0].argv

    @property
    def env(self) -> dict[str, str]:
        return self.documents[0].env

    @property
    def title(self) -> str:
        return self.documents[0].title

    @property
    def copies(self) -> int:
        return self.documents[0].copies

    @property
    def options(self) -> dict[str, str]:
        return self.documents[0].options

    @property
    def state(self) -> str:
        return JOB_STATES.get(self.attributes.get("job-state", 0), "?")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdeathsig() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class CupsServer:
    """A private cupsd in its own temp dir. Use as a context manager."""

    def __init__(self, base_dir: str | os.PathLike | None = None, *, tcp: bool = True,
                 log_level: str = "debug", keep: bool = False, start_timeout: float = 20.0):
        self._own_dir = base_dir is None
        # Short path on purpose: unix socket paths are limited to 107 bytes.
        self.root = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="cups-", dir="/tmp"))
        self.tcp = tcp
        self.log_level = log_level
        self.keep = keep
        self.start_timeout = start_timeout
        self.sock = self.root / "cups.sock"
        self.out = self.root / "out"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._req_id = 0
        if len(str(self.sock)) > 100:
            raise CupsServerError(f"socket path too long for AF_UNIX: {self.sock}")

    # ---- environment for clients -------------------------------------------------
    @property
    def server(self) -> str:
        """Value for CUPS_SERVER (the unix socket)."""
        return str(self.sock)

    @property
    def tcp_server(self) -> str:
        assert self.port, "started without tcp"
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """os.environ + CUPS_SERVER pointing here; default-destination vars removed."""
        env = dict(os.environ)
        for k in ("PRINTER", "LPDEST", "CUPS_SERVER", "CUPS_USER", "CUPS_ENCRYPTION"):
            env.pop(k, None)
        env["CUPS_SERVER"] = self.server
        env["LC_ALL"] = "C"           # client messages in English for assertions
        env["HOME"] = str(self.root / "home")   # keep ~/.cups/lpoptions|client.conf out
        # libcups reads PPDs of a *local* server straight from $CUPS_SERVERROOT/ppd
        # (default /etc/cups/ppd): without this `lpoptions -p Q -l` fails over the
        # unix socket with "Unable to get PPD file for Q: No printer-uri found".
        env["CUPS_SERVERROOT"] = str(self.root)
        return env

    def run(self, *cmd: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a CUPS client command (lp, lpstat, lpadmin...) against this server."""
        r = subprocess.run(list(cmd), env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise CupsServerError(f"{' '.join(cmd)} -> rc={r.returncode}\n{r.stdout}{r.stderr}")
        return r

    # ---- lifecycle -----------------------------------------------------------------
    def _write_config(self) -> None:
        r = self.root
        for d in ("spool/tmp", "cache", "state", "log", "ppd", "bin/backend", "out", "home"):
            (r / d).mkdir(parents=True, exist_ok=True)
        # filters/backends run as user lp and must traverse to the spool dir
        r.chmod(0o755)
        if os.geteuid() == 0:
            for parent in r.resolve().parents:
                if not parent.stat().st_mode & stat.S_IXOTH:
                    raise CupsServerError(
                        f"{parent} is not world-searchable (mode {stat.filemode(parent.stat().st_mode)}): "
                        "cupsd runs filters as user lp, which could not reach the spool. "
                        "Use a base dir under /tmp (pytest's tmp_path is 0700!).")
        if os.geteuid() == 0:
            user_lines = "User lp\nGroup lp\nSystemGroup root"
        else:
            import grp
            user_lines = f"SystemGroup {grp.getgrgid(os.getegid()).gr_name}"
        listen_tcp = f"Listen 127.0.0.1:{self.port}" if self.tcp else ""
        (r / "cupsd.conf").write_text(CUPSD_CONF.format(sock=self.sock, listen_tcp=listen_tcp,
                                                        log_level=self.log_level))
        (r / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=r, user_lines=user_lines))
        # Private ServerBin: system dirs by symlink, our own backend dir.
        for sub in ("filter", "daemon", "notifier", "driver", "cgi-bin", "monitor"):
            src = SYSTEM_SERVERBIN / sub
            dst = r / "bin" / sub
            if src.is_dir() and not dst.exists():
                dst.symlink_to(src)
        be = r / "bin" / "backend"
        if (SYSTEM_SERVERBIN / "backend").is_dir():
            for f in (SYSTEM_SERVERBIN / "backend").iterdir():
                if not (be / f.name).exists():
                    (be / f.name).symlink_to(f)
        cap = be / "capture"
        cap.write_text(CAPTURE_BACKEND)
        # 0700 + owned by root => cupsd runs this backend as root (0755 => as user lp).
        cap.chmod(0o700 if os.geteuid() == 0 else 0o755)
        self.out.chmod(0o755)

    def _cupsd_binary(self) -> str:
        """AppArmor (Ubuntu/Debian desktops) confines /usr/sbin/cupsd by path: it may not
        exec our backend from /tmp. A copy of the binary is not confined. (Untested
        here: these CI machines have no AppArmor.)"""
        try:
            confined = "/usr/sbin/cupsd (enforce)" in Path("/sys/kernel/security/apparmor/profiles").read_text()
        except OSError:
            confined = False
        if not confined:
            return CUPSD
        copy = self.root / "cupsd"
        if not copy.exists():
            shutil.copy2(CUPSD, copy)
        return str(copy)

    def start(self) -> "CupsServer":
        if not os.path.exists(CUPSD):
            raise CupsServerError("cupsd not found: apt-get install cups-daemon cups-client")
        last_err = ""
        for _attempt in range(3):   # retry only for a lost free-port race
            self.port = _free_port() if self.tcp else None
            self._write_config()
            chk = subprocess.run([CUPSD, "-t", "-c", str(self.root / "cupsd.conf"),
                                  "-s", str(self.root / "cups-files.conf")],
                                 capture_output=True, text=True)
            if chk.returncode != 0:
                raise CupsServerError(f"cupsd -t failed:\n{chk.stdout}{chk.stderr}")
            self._stdout = open(self.root / "log" / "cupsd.stdout", "ab")
            self.proc = subprocess.Popen(
                [self._cupsd_binary(), "-f", "-c", str(self.root / "cupsd.conf"), "-s", str(self.root / "cups-files.conf")],
                stdin=subprocess.DEVNULL, stdout=self._stdout, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_pdeathsig, close_fds=True)
            try:
                self._wait_ready(self.start_timeout)
                return self
            except CupsServerError as e:
                last_err = str(e)
                self.stop()
                if "Address already in use" not in last_err:
                    break
        raise CupsServerError(last_err)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise CupsServerError(f"cupsd exited with {self.proc.returncode}\n{self.log_tail()}")
            ok = False
            try:
                status, _ = self._ipp(OP_CUPS_GET_PRINTERS, "/", "printer-uri", "ipp://localhost/",
                                      requested=("printer-name",), timeout=2)
                ok = status < 0x0400 or status == 0x0406  # 0x0406 = not-found (no printers yet)
                # The TCP port must be *cupsd's* socket (a plain connect could reach
                # whoever grabbed the port after _free_port() released it).
                if ok and self.tcp:
                    ok = f"127.0.0.1:{self.port}" in self.listening()
            except (OSError, CupsServerError, http.client.HTTPException):
                ok = False
            if ok:
                return
            if time.monotonic() > deadline:
                raise CupsServerError(f"cupsd not ready after {timeout}s\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        p, self.proc = self.proc, None
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        if p is not None:
            # Anything cupsd started (filters/backends) is in its session; it is our child tree.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
        if getattr(self, "_stdout", None):
            self._stdout.close()
            self._stdout = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "CupsServer":
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc) -> None:
        self.cleanup()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def job_log(self, job_id: int) -> str:
        """All error_log lines of one job (debug included), minus the argv/envp dump."""
        tag = f"[Job {job_id}] "
        try:
            lines = (self.root / "log" / "error_log").read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(l for l in lines if tag in l and "] argv[" not in l and "] envp[" not in l)

    def log_tail(self, n: int = 40) -> str:
        p = self.root / "log" / "error_log"
        try:
            lines = p.read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        try:
            lines += (self.root / "log" / "cupsd.stdout").read_text(errors="replace").splitlines()
        except OSError:
            pass
        keep = [l for l in lines if not l.startswith(("d ", "D ["))] if self.log_level.startswith("debug") else lines
        return "\n".join(keep[-n:])

    # ---- queues ------------------------------------------------------------------
    def add_queue(self, name: str, *, duplex: bool = False, ppd: str | os.PathLike | None = None,
                  device_uri: str | None = None) -> str:
        """Create an enabled, accepting queue printing to the capture backend.

        duplex=False, ppd=None -> raw queue (no PPD, no filters: the device gets the
        exact bytes sent). duplex=True -> PPD queue with a Duplex option and a "-"
        (no-op) filter for PDF. ppd=path -> your own PPD (may run cups-filters)."""
        uri = device_uri or f"capture:{self.out}"
        cmd = ["lpadmin", "-p", name, "-E", "-v", uri, "-o", "printer-error-policy=abort-job"]
        if duplex and ppd is None:
            ppd = self.root / "duplex.ppd"
            Path(ppd).write_text(DUPLEX_PPD)
        if ppd is not None:
            cmd += ["-P", str(ppd)]
        # without -m/-P: raw queue (lpadmin then warns nothing; "-m raw" warns "deprecated")
        self.run(*cmd)
        return name

    # ---- IPP helpers ---------------------------------------------------------------
    def _ipp(self, op: int, resource: str, uri_name: str, uri: str, *, extra: bytes = b"",
             requested: tuple[str, ...] = ("all",), timeout: float = 10.0):
        self._req_id += 1
        body = _encode_request(op, self._req_id, uri_name, uri, extra, requested)
        return ipp_request(self.server, resource, body, timeout)

    def job_attributes(self, job_id: int) -> dict[str, Any]:
        status, groups = self._ipp(OP_GET_JOB_ATTRIBUTES, "/jobs/", "job-uri",
                                   f"ipp://localhost/jobs/{job_id}")
        if status >= 0x0400:
            raise CupsServerError(f"Get-Job-Attributes {job_id}: IPP status 0x{status:04x}")
        attrs: dict[str, Any] = {}
        for g, a in groups:
            if g == "job":
                attrs.update(a)
        return attrs

    def printer_attributes(self, queue: str, requested: tuple[str, ...] = ("all",)) -> dict[str, Any]:
        status, groups = self._ipp(OP_GET_PRINTER_ATTRIBUTES, f"/printers/{queue}", "printer-uri",
                                   f"ipp://localhost/printers/{queue}", requested=requested)
        if status >= 0x0400:
            raise CupsServerError(f"Get-Printer-Attributes {queue}: IPP status 0x{status:04x}")
        attrs: dict[str, Any] = {}
        for g, a in groups:
            if g == "printer":
                attrs.update(a)
        return attrs

    def printer_attributes_of_job(self, job_attrs: dict[str, Any]) -> dict[str, Any]:
        uri = job_attrs.get("job-printer-uri", "")
        name = uri.rsplit("/", 1)[-1]
        try:
            return self.printer_attributes(name, ("printer-state", "printer-state-message",
                                                  "printer-state-reasons"))
        except CupsServerError:
            return {}

    def supports_duplex(self, queue: str) -> bool:
        sides = self.printer_attributes(queue, ("sides-supported",)).get("sides-supported", [])
        sides = [sides] if isinstance(sides, str) else list(sides)
        return "two-sided-long-edge" in sides

    # ---- jobs --------------------------------------------------------------------
    @staticmethod
    def job_id_from_lp(stdout: str) -> int:
        """'request id is handouts-test-12 (1 file(s))' -> 12"""
        m = re.search(r"request id is \S+-(\d+) \(", stdout)
        if not m:
            raise CupsServerError(f"no job id in lp output: {stdout!r}")
        return int(m.group(1))

    def _documents(self, job_id: int) -> list[Document]:
        docs = []
        n = 1
        while (self.out / f"job-{job_id}-{n}.data").exists():
            base = self.out / f"job-{job_id}-{n}"
            argv = base.with_suffix(".argv").read_bytes().split(b"\0")[:-1]
            env = dict(l.split("=", 1) for l in base.with_suffix(".env").read_text().splitlines() if "=" in l)
            docs.append(Document(base.with_suffix(".data").read_bytes(),
                                 [a.decode(errors="replace") for a in argv], env))
            n += 1
        return docs

    def wait_job(self, job_id: int, timeout: float = 20.0, *, require_data: bool = True) -> Job:
        """Wait until the job is in a final state and the device got all its documents.

        Polls IPP Get-Job-Attributes (no sleep-and-hope). Raises CupsServerError with
        the scheduler log tail on timeout, or if the job was aborted/canceled while
        require_data is set."""
        deadline = time.monotonic() + timeout
        while True:
            attrs = self.job_attributes(job_id)
            state = attrs.get("job-state")
            have = 0
            while (self.out / f"job-{job_id}-{have + 1}.data").exists():
                have += 1
            # The backend renames .data into place before it exits and cupsd marks the
            # job completed only after that, so "completed" => all device data is there.
            # (Several files in one job on a raw queue reach the backend as ONE stream.)
            if state in FINAL_JOB_STATES and (state != 9 or have >= 1 or not require_data):
                break
            if state == 6 and require_data:   # processing-stopped: e.g. a filter is missing
                pattrs = self.printer_attributes_of_job(attrs)
                raise CupsServerError(f"job {job_id} stopped: {attrs.get('job-state-reasons')}; printer says: "
                                      f"{pattrs.get('printer-state-message')!r} "
                                      f"({pattrs.get('printer-state-reasons')})\n{self.job_log(job_id)}")
            if time.monotonic() > deadline:
                raise CupsServerError(f"job {job_id} not finished after {timeout}s: "
                                      f"state={JOB_STATES.get(state, state)} device-files={have} "
                                      f"reasons={attrs.get('job-state-reasons')}\n{self.job_log(job_id)}")
            time.sleep(0.05)
        if state != 9 and require_data:
            raise CupsServerError(f"job {job_id} ended {JOB_STATES.get(state)}: "
                                  f"{attrs.get('job-state-reasons')} {attrs.get('job-printer-state-message')}\n"
                                  f"{self.job_log(job_id)}")
        return Job(job_id, self._documents(job_id), attrs)

    def spool_file(self, job_id: int, doc: int = 1) -> bytes:
        """The document as cupsd stored it (PreserveJobFiles Yes)."""
        return (self.root / "spool" / f"d{job_id:05d}-{doc:03d}").read_bytes()

    def listening(self) -> list[str]:
        """Addresses the cupsd process listens on (from /proc), e.g. ['127.0.0.1:40123', '/tmp/.../cups.sock']."""
        assert self.proc
        inodes = set()
        for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
            with contextlib.suppress(OSError):
                t = os.readlink(f"/proc/{self.proc.pid}/fd/{fd}")
                if t.startswith("socket:["):
                    inodes.add(t[8:-1])
        out = []
        for fam in ("tcp", "tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/net/{fam}").read_text().splitlines()[1:]:
                    f = line.split()
                    if f[3] == "0A" and f[9] in inodes:
                        hexip, hexport = f[1].split(":")
                        if fam == "tcp":
                            ip = socket.inet_ntop(socket.AF_INET, bytes.fromhex(hexip)[::-1])
                        else:
                            b = bytes.fromhex(hexip)
                            ip = socket.inet_ntop(socket.AF_INET6, b"".join(b[i:i + 4][::-1] for i in range(0, 16, 4)))
                        out.append(f"{ip}:{int(hexport, 16)}")
        with contextlib.suppress(OSError):
            for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
                f = line.split()
                if len(f) >= 8 and f[6] in inodes:
                    out.append(f[7])
        return out
