"""Web layer: `handouts serve`: decide whether the front desk may start on an address,
then run it on uvicorn.

Only 127.0.0.1, ::1 and localhost run without login (this computer only); any other
address refuses to start until the users file has a user. Never binds anything itself
except through uvicorn (or a socket handed over with --fd).
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import HandoutError
from .auth import Users
from .site import Site

LOGIN_FREE = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8000
    content: Path = Path("content")
    config_path: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    fd: int | None = None  # an already listening socket (tests, socket activation)


def site_for(options: Options, host: str, root: Path | None = None) -> Site:
    """The site to serve on `host`, or HandoutError saying why it may not start."""
    if bool(options.certfile) != bool(options.keyfile):
        raise HandoutError("give both --certfile and --keyfile (TLS needs the two)")
    for path in (options.certfile, options.keyfile):
        if path is not None and not path.is_file():
            raise HandoutError("file not found", path)
    site = Site.locate(root or Path.cwd(), options.content, options.config_path,
                       login=host.strip("[]").lower() not in LOGIN_FREE,
                       secure=options.certfile is not None, secret=secrets.token_bytes(32))
    if not site.content.is_dir():
        raise HandoutError("content folder not found", site.content)
    if site.login and not Users(site.users_path).hashes():
        raise HandoutError(
            f"will not listen on {host} without users: anyone who can reach it could use "
            f"it. Add one with `handouts user add NAME` (kept in {site.users_path}), or "
            "serve on 127.0.0.1 (this computer only, no login)")
    return site


def bound_host(fd: int) -> str:
    with socket.socket(fileno=socket.dup(fd)) as sock:
        return str(sock.getsockname()[0])


def serve(options: Options, echo=print) -> None:
    import uvicorn

    from .app import create_app

    host = bound_host(options.fd) if options.fd is not None else options.host
    site = site_for(options, host)
    scheme = "https" if site.secure else "http"
    shown = f"[{host}]" if ":" in host else host
    where = f"{scheme}://{shown}:{options.port}" if options.fd is None else f"fd {options.fd}"
    echo(f"front desk on {where}: {'login required' if site.login else 'no login (this computer only)'}"
         f"; content {site.content}; audit log {site.audit_path}")
    if site.login and not site.secure:
        echo("warning: passwords and patient details cross the network unencrypted; "
             "use --certfile and --keyfile")
    config = uvicorn.Config(
        create_app(site), host=options.host, port=options.port, fd=options.fd,
        ssl_certfile=str(options.certfile) if options.certfile else None,
        ssl_keyfile=str(options.keyfile) if options.keyfile else None,
        proxy_headers=False, server_header=False, log_level="info",
        timeout_graceful_shutdown=5)
    uvicorn.Server(config).run()
