"""Web layer: signing in and out, the login wall, and the headers every response gets
(Content-Security-Policy with no inline script, no caching of dynamic pages).

A failed or refused login is audited with the user name typed, never the password.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse

from .pages import desk_of

OPEN_PATHS = ("/healthz", "/login", "/static/")  # reachable without signing in
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
           "referrer-policy": "no-referrer", "x-frame-options": "DENY",
           "cross-origin-opener-policy": "same-origin",
           "permissions-policy": "camera=(), microphone=(), geolocation=()"}


def _next(value: str) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    ok = value.startswith("/") and not value.startswith(("//", "/\\")) and len(value) < 500
    return value if ok and not any(c < " " for c in value) else "/"


async def login_form(request: Request):
    desk = desk_of(request)
    return desk.render(request, "login.html", {"next": _next(request.query_params.get(
        "next", "/")), "error": "", "name": ""})


async def login(request: Request):
    desk = desk_of(request)
    form = await desk.form(request)
    name = form.get("name", "").strip().lower()[:64]
    where = _next(form.get("next", "/"))
    keys = (f"address {request.client.host if request.client else '?'}", f"user {name}")
    wait = desk.limiter.wait(*keys)
    if wait:
        desk.audit.record(name or "-", "login-limited", outcome="refused")
        return _login_again(request, desk, name, where, 429,
                            f"Too many failed sign-ins. Try again in {wait // 60 + 1} "
                            "minutes, or ask who runs this service.")
    if not await run_in_threadpool(desk.users.verify, name, form.get("password", "")):
        desk.limiter.failed(*keys)
        desk.audit.record(name or "-", "login-refused", outcome="refused")
        return _login_again(request, desk, name, where, 401,
                            "That user name and password do not match. Try again.")
    desk.sessions.start(request.session, name)
    desk.audit.record(name, "login")
    return RedirectResponse(where, status_code=303)


def _login_again(request, desk, name, where, status, error):
    return desk.render(request, "login.html", {"next": where, "error": error, "name": name},
                       status=status)


async def logout(request: Request):
    desk = desk_of(request)
    await desk.form(request)
    user = desk.user(request)
    if user and desk.site.login:
        desk.audit.record(user, "logout")
    desk.sessions.end(request.session)
    return RedirectResponse("/login" if desk.site.login else "/", status_code=303)


class LoginWall:
    """With users configured, every path but OPEN_PATHS needs a signed-in user."""

    def __init__(self, app, desk):
        self.app, self.desk = app, desk

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.desk.site.login or \
                scope["path"].startswith(OPEN_PATHS):
            return await self.app(scope, receive, send)
        request = Request(scope)
        if self.desk.user(request) is None:
            target = scope["path"] + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            response = RedirectResponse(f"/login?next={quote(target, safe='/')}",
                                        status_code=303)
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)


class Headers:
    """Security headers on every response; dynamic pages are never cached."""

    def __init__(self, app, secure: bool = False):
        self.app, self.secure = app, secure

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")
        started = time.perf_counter()

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control" or static]
                extra = dict(HEADERS)
                extra["cache-control"] = "public, max-age=3600" if static else "no-store"
                if self.secure:
                    extra["strict-transport-security"] = "max-age=31536000"
                # How long the server took (benchmarks/ reads it; no data in it).
                extra["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
                headers += [(k.encode(), v.encode()) for k, v in extra.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
