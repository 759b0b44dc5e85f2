"""Web layer: the front desk's ASGI application (Starlette + Jinja2, served by uvicorn).

The routes are the stable URLs clinics bookmark and tests rely on (README: Front desk).
Every error is a page that says what is wrong: a 4xx for anything a request can cause,
never a traceback.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import HandoutError
from . import access, actions, pages
from .desk import HERE, Desk
from .site import Site

SESSION_HOURS = 10  # a clinic's shift; then sign in again
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
TITLES = {400: "Please check what was asked", 401: "Please sign in", 403: "Not allowed",
          404: "Not found", 405: "Not possible here", 411: "Not a form",
          413: "Too large", 422: "This handout cannot be made", 429: "Please wait",
          500: "Something went wrong"}
log = logging.getLogger("handouts.web")

ROUTES = [
    Route("/", pages.search),
    Route("/healthz", pages.healthz),
    Route("/handouts/{name}.pdf", pages.handout_pdf),
    Route("/handouts/{name}/page-{number:int}.png", pages.page_image),
    Route("/handouts/{name}/personal.pdf", actions.personal_pdf, methods=["POST"]),
    Route("/handouts/{name}/email", actions.email_handout, methods=["POST"]),
    Route("/handouts/{name}/print", actions.print_handout, methods=["POST"]),
    Route("/handouts/{name}", pages.handout),
    Route("/pack", pages.pack_form),
    Route("/pack.pdf", actions.pack_pdf, methods=["POST"]),
    Route("/login", access.login_form),
    Route("/login", access.login, methods=["POST"]),
    Route("/logout", access.logout, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


def create_app(site: Site) -> Starlette:
    desk = Desk(site)
    hosts = ["*"] if site.login else LOOPBACK_HOSTS  # no DNS rebinding onto loopback
    middleware = [
        Middleware(access.Headers, secure=site.secure),
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
        Middleware(SessionMiddleware, secret_key=site.secret.hex(),
                   session_cookie="handouts_session", max_age=SESSION_HOURS * 3600,
                   same_site="strict", https_only=site.secure),
        Middleware(access.LoginWall, desk=desk),
    ]
    app = Starlette(routes=ROUTES, middleware=middleware, lifespan=_warm_up(desk),
                    exception_handlers={HTTPException: _http_error,
                                        HandoutError: _settings_error,
                                        Exception: _internal_error})
    app.state.desk = desk
    return app


def _warm_up(desk: Desk):
    """Before the first request: load ReportLab, the fonts and the reading-grade
    dictionary by previewing one page, so no nurse waits seconds for the first one."""
    from contextlib import asynccontextmanager

    from starlette.concurrency import run_in_threadpool

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(desk.warm_up)
        yield

    return lifespan


async def _http_error(request, exc: HTTPException):
    desk = request.app.state.desk
    detail = DEFAULTS.get((exc.status_code, exc.detail), exc.detail)
    return desk.render(request, "error.html", {
        "heading": TITLES.get(exc.status_code, "Not possible"), "message": detail,
        "status": exc.status_code}, status=exc.status_code, headers=exc.headers)


async def _settings_error(request, exc: HandoutError):
    """A workspace file the request needed is broken (handouts.yaml, a style): not the
    request's fault, so 503, with the file's one-line error for whoever fixes it."""
    desk = request.app.state.desk
    return desk.render(request, "error.html", {
        "heading": "The handout settings need fixing",
        "message": f"{desk.shown(exc)}. Tell whoever looks after handouts.yaml and styles/.",
        "status": 503}, status=503)


# Starlette's own words for what its router refuses, in the page's words.
DEFAULTS = {(404, "Not Found"): "There is no page at this address.",
            (405, "Method Not Allowed"): "This address does not take that kind of request."}


async def _internal_error(request, exc: Exception):
    """A bug, never a request's fault: logged by type only (a message could hold a
    patient's details), shown as a calm page without a traceback."""
    log.error("internal error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    from starlette.responses import HTMLResponse

    return HTMLResponse("<!doctype html><html lang='en'><title>Something went wrong"
                        "</title><h1>Something went wrong</h1><p>The handout service "
                        "could not do that. Please try again; if it happens again, tell "
                        "whoever runs this service.</p></html>", status_code=500)
