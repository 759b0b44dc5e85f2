"""Web layer: the front desk's state and the helpers every view shares: the workspace
and its builder, users and sessions, the audit log, templates, choices read from the
query string, and forms read with their CSRF token checked.

Knows Starlette and Jinja2; calls only the functions the CLI calls (and web/counter.py).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from urllib.parse import quote

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from .. import __version__, review
from ..deliver.handover import handover_of
from ..errors import HandoutError
from . import counter
from .audit import AuditLog
from .auth import Limiter, Sessions, Users, csrf_ok, csrf_token
from .site import PAPERS, Builder, Site

HERE = Path(__file__).parent
log = logging.getLogger("handouts.web")
MAX_SHOWN = 50  # results listed with their review status; the count says how many more
WARM_UP_TRIES = 5
MAX_BODY = 256 * 1024  # a form is a few fields; anything bigger is not one of ours
REVIEW_LABELS = {review.CURRENT: ("Reviewed", "current"),
                 review.OVERDUE: ("Review overdue", "overdue"),
                 review.UNREVIEWED: ("Not reviewed", "unreviewed"), None: ("Cannot read", "bad")}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["segment"] = lambda text: quote(str(text), safe="")
    return env


class Desk:
    """Everything the views share, made once per server."""

    def __init__(self, site: Site):
        self.site = site
        self.builder = Builder(site)
        self.users = Users(site.users_path)
        self.sessions = Sessions()
        self.limiter = Limiter()
        self.audit = AuditLog(site.audit_path)
        self.templates = Jinja2Templates(env=_environment())

    def warm_up(self) -> None:
        from ..read.workspace import find_pages

        try:
            counter.search(self.site.content, "a")
            pages = find_pages(self.site.content)
        except HandoutError as exc:
            log.warning("warm-up: %s", self.shown(exc))
            return
        for page in pages[:WARM_UP_TRIES]:  # the first page that builds
            try:
                self.builder.page_image(page, "", "", 1)
                self.builder.warnings(page, "", "")
                return
            except HandoutError as exc:  # a broken page: its preview will say so
                log.warning("warm-up: %s", self.shown(exc))

    # -- pages -----------------------------------------------------------------------

    def render(self, request: Request, template: str, context: dict, status: int = 200,
               headers: dict | None = None):
        try:
            clinic = self.builder.context("", "")[0].clinic.name
        except HandoutError:  # a broken handouts.yaml: its error page still renders
            clinic = ""
        base = {"user": self.user(request), "login": self.site.login,
                "csrf": csrf_token(request.session), "clinic": clinic,
                "version": __version__, "path": request.url.path}
        return self.templates.TemplateResponse(request, template, {**base, **context},
                                               status_code=status, headers=headers)

    def user(self, request: Request) -> str | None:
        """Who is signed in; without login (loopback), 'local'."""
        if not self.site.login:
            return "local"
        found = self.sessions.user(request.session)
        return found if found and found in self.users.hashes() else None

    # -- what a request names ------------------------------------------------------------

    def page(self, name: str):
        found = counter.page_named(self.site.content, name)
        if found is None:
            raise HTTPException(404, f"There is no handout named “{name[:80]}”. "
                                     "Search for the medicine instead.")
        return found

    def choice(self, values) -> tuple[str, str]:
        """(style, paper) from a query or form: names from the lists only."""
        style, paper = values.get("style", ""), values.get("paper", "")
        styles = self.site.styles()
        if style and style not in styles:
            raise HTTPException(400, f"Unknown style “{style[:60]}”. Choose one of: "
                                     f"{', '.join(styles)}.")
        if paper not in PAPERS:
            raise HTTPException(400, f"Unknown paper “{paper[:20]}”: choose letter or a4.")
        self.builder.context(style, paper)  # a broken config or style: 503, named
        return style, paper

    def search(self, text: str) -> dict:
        results = counter.search(self.site.content, text)
        rows = [(hit, REVIEW_LABELS[self._state(hit)]) for hit in results.hits[:MAX_SHOWN]]
        similar = [(hit, REVIEW_LABELS[self._state(hit)]) for hit in results.similar]
        return {"results": results, "rows": rows, "similar": similar,
                "more": max(len(results.hits) - MAX_SHOWN, 0)}

    def _state(self, hit) -> str | None:
        status = self.builder.review_of(hit.page) if hit.page else None
        return status.state if status else None

    # -- forms -----------------------------------------------------------------------------

    async def form(self, request: Request):
        """The POSTed form, after its CSRF token: a forged or stale form is refused."""
        size = request.headers.get("content-length", "")
        if not size.isdigit():
            raise HTTPException(411, "A form must say how long it is (Content-Length).")
        if int(size) > MAX_BODY:
            raise HTTPException(413, "That form is far larger than any of ours.")
        form = await request.form(max_files=0, max_fields=50, max_part_size=MAX_BODY)
        if not csrf_ok(request.session, form.get("csrf")):
            raise HTTPException(403, "This form has expired or did not come from this "
                                     "site. Go back, reload the page and try again.")
        return form

    def shown(self, error: HandoutError) -> str:
        """An error's one line, with the workspace folder left out of paths."""
        return error.format_message().replace(f"{self.site.root}/", "")


def patient_of(form, required: bool):
    """A patient's details from a form, checked as the CLI's --for and --note are; None
    when no name was typed."""
    name, note = form.get("for", ""), form.get("note", "")
    if not name.strip():
        if required:
            raise HTTPException(400, "Type the patient's name for their copy.")
        return None
    try:
        return handover_of(name, note if note.strip() else None, _day(form.get("day", "")),
                           ("the patient's name", "the note"))
    except HandoutError as exc:
        raise HTTPException(400, exc.reason[:1].upper() + exc.reason[1:] + ".") from None


def _day(text: str) -> date:
    if not text:
        return review.today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, "The date must be a date such as 2026-03-01.") from None
    if not 2000 <= day.year <= 2100:
        raise HTTPException(400, "The date must be between 2000 and 2100.")
    return day
