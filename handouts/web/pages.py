"""Web layer: the pages a browser GETs: search, a handout's preview, its PDF and page
images, the pack form, /healthz. Each works without JavaScript.

Thin over the CLI's own functions (through Desk and Builder); never writes a file.
"""

from __future__ import annotations

import unicodedata

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .. import review
from ..errors import HandoutError
from .desk import REVIEW_LABELS
from .site import PAPERS


def desk_of(request: Request):
    return request.app.state.desk


async def healthz(request: Request):
    return PlainTextResponse("ok")


async def search(request: Request):
    desk = desk_of(request)
    text = request.query_params.get("q", "")
    found = await run_in_threadpool(desk.search, text) if text.strip() else {}
    fragment = request.query_params.get("fragment") == "1"  # search-as-you-type
    shown = "".join("?" if unicodedata.category(c) == "Cc" else c for c in text)
    return desk.render(request, "results.html" if fragment else "search.html",
                       {"q": shown, **found})


async def handout(request: Request):
    desk = desk_of(request)
    page = desk.page(request.path_params["name"])
    style, paper = desk.choice(request.query_params)
    try:
        _, pages = await run_in_threadpool(desk.builder.pdf, page, style, paper)
        title, warnings = await run_in_threadpool(desk.builder.warnings, page, style, paper)
    except HandoutError as exc:
        raise HTTPException(422, f"This handout cannot be made: {desk.shown(exc)}") from None
    config, loaded = desk.builder.context(style, paper)
    status = await run_in_threadpool(desk.builder.review_of, page)
    return desk.render(request, "handout.html", {
        "page": page, "title": title, "pages": pages, "warnings": warnings,
        "style": style, "paper": paper, "styles": desk.site.styles(), "papers": PAPERS,
        "labels": REVIEW_LABELS[status.state if status else None],
        "review_text": review.describe(status, loaded.review) if status else
        "Its front matter cannot be read.", "today": review.today().isoformat(),
        "queue": config.printing.queue, "email": _email_ready(config),
        "query": _query(style, paper)})


def _email_ready(config) -> bool:
    import os

    return bool(config.smtp.host or os.environ.get("HANDOUTS_SMTP_HOST"))


def _query(style: str, paper: str) -> str:
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in (("style", style), ("paper", paper)) if v]
    return "?" + urlencode(pairs) if pairs else ""


async def handout_pdf(request: Request):
    """The PDF exactly as `handouts build NAME [--style STYLE]` writes it."""
    desk = desk_of(request)
    page = desk.page(request.path_params["name"])
    style, paper = desk.choice(request.query_params)
    data, _ = await _built(desk, page, style, paper)
    how = "attachment" if request.query_params.get("download") == "1" else "inline"
    return pdf_response(data, download_name(page.name, style, paper), how)


async def _built(desk, page, style, paper):
    try:
        return await run_in_threadpool(desk.builder.pdf, page, style, paper)
    except HandoutError as exc:
        raise HTTPException(422, f"This handout cannot be made: {desk.shown(exc)}") from None


def download_name(name: str, style: str, paper: str, suffix: str = "") -> str:
    """NAME.pdf, NAME.large-print.pdf, NAME.a4.pdf, NAME.for-patient.pdf: names only."""
    parts = [name, *(p for p in (style if style != "default" else "", paper, suffix) if p)]
    return ".".join(parts) + ".pdf"


def pdf_response(data: bytes, filename: str, how: str = "inline") -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'{how}; filename="{filename}"'})


async def page_image(request: Request):
    desk = desk_of(request)
    page = desk.page(request.path_params["name"])
    style, paper = desk.choice(request.query_params)
    await _built(desk, page, style, paper)
    try:
        png = await run_in_threadpool(desk.builder.page_image, page, style, paper,
                                      request.path_params["number"])
    except LookupError:
        raise HTTPException(404, "That handout has no such page.") from None
    return Response(png, media_type="image/png")


async def pack_form(request: Request):
    desk = desk_of(request)
    names = "\n".join(request.query_params.getlist("names"))
    return desk.render(request, "pack.html", {
        "names": names, "styles": desk.site.styles(), "papers": PAPERS, "style": "",
        "paper": "", "problems": []})
