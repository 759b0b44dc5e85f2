"""Web layer: the workspace a front desk serves, and the handouts it builds from it.

Every PDF is made by deliver/batch.render_one, the function `handouts build` writes to
disk, so a download is byte-identical to the CLI's file. Built handouts (never a
patient's copy) are kept in memory, keyed by everything they are made from; ReportLab
is not thread-safe, so one handout is laid out at a time.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from .. import review
from ..errors import HandoutError
from ..read.workspace import Page
from ..settings.config import CONFIG_NAME, load_config
from ..settings.inputs import Inputs
from ..settings.style import BUILTIN_DIR
from . import counter

PAPERS = {"": "As the style sets it", "letter": "US Letter", "a4": "A4"}
CACHED_PDFS, CACHED_IMAGES = 64, 64
PREVIEW_SCALE = 1.25  # pixels per point: a letter page is 765 x 990 pixels


@dataclass(frozen=True)
class Site:
    """Where everything is: absolute paths, fixed when the server starts."""

    root: Path
    content: Path
    config_path: Path | None
    users_path: Path
    audit_path: Path
    login: bool = False  # users must log in (any address but loopback)
    secure: bool = False  # served over TLS: cookies are Secure
    secret: bytes = field(default=b"", repr=False)

    @classmethod
    def locate(cls, root: Path, content: Path, config_path: Path | None, **options) -> "Site":
        root = root.resolve()
        content = (root / content).resolve()
        if config_path is None and (root / CONFIG_NAME).is_file():
            config_path = root / CONFIG_NAME
        config_path = (root / config_path).resolve() if config_path else None
        serve = load_config(config_path).serve
        base = config_path.parent if config_path else root
        users, audit = (base / serve.users).resolve(), (base / serve.audit_log).resolve()
        for what, path in (("serve.users", users), ("serve.audit_log", audit)):
            if path.is_relative_to(content):
                raise HandoutError(f"{what}: {path} is inside the content folder; keep it "
                                   "outside content/", config_path)
        return cls(root, content, config_path, users, audit, **options)

    def inputs(self, style: str, paper: str) -> Inputs:
        """What `handouts build --style STYLE` run in the workspace would load."""
        search = [self.root / "styles"]
        if self.config_path and self.config_path.parent != self.root:
            search.append(self.config_path.parent / "styles")
        return Inputs(self.config_path, style or None, tuple(search), paper or None)

    def styles(self) -> dict[str, str]:
        """Style name -> label, for the page's choice: the workspace's, then built in."""
        names: dict[str, str] = {}
        for folder in (*self.inputs("", "").search, BUILTIN_DIR):
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
                names.setdefault(path.stem, path.stem.replace("-", " ").replace("_", " ")
                                 .capitalize())
        return names


class Builder:
    """Handouts built for the web: cached, one layout at a time."""

    def __init__(self, site: Site):
        self.site = site
        self._lock = threading.Lock()
        self._contexts: dict[tuple, tuple] = {}
        self._pdfs: OrderedDict = OrderedDict()
        self._images: OrderedDict = OrderedDict()
        self._reviews: dict[tuple, review.Status] = {}

    def context(self, style: str, paper: str):
        """(Config, Style) for a choice, loaded again when one of their files changes."""
        return self._context(style, paper)[1]

    def _context(self, style: str, paper: str) -> tuple:
        inputs = self.site.inputs(style, paper)
        cached = self._contexts.get(inputs)
        if cached is not None and cached[0][1:] == _signature(cached[1], inputs):
            return cached
        context = inputs.load()
        self._contexts[inputs] = cached = ((inputs, *_signature(context, inputs)), context)
        return cached

    def pdf(self, page: Page, style: str, paper: str) -> tuple[bytes, int]:
        """(PDF, pages) exactly as `handouts build NAME --style STYLE` writes it."""
        from ..deliver.batch import render_one

        settings, (config, loaded) = self._context(style, paper)
        key = (page.path, _stat(page.path), settings, review.today())
        with self._lock:
            if key not in self._pdfs:
                built = render_one(page.path, page.name, loaded, config)
                _remember(self._pdfs, key, (built.data, built.pages), CACHED_PDFS)
            self._pdfs.move_to_end(key)
            return self._pdfs[key]

    def page_image(self, page: Page, style: str, paper: str, number: int) -> bytes:
        """One page of the handout as a PNG, drawn by PDFium from the real PDF."""
        data, pages = self.pdf(page, style, paper)
        if not 1 <= number <= pages:
            raise LookupError(number)
        key = (hash(data), number)
        with self._lock:
            if key not in self._images:
                _remember(self._images, key, _png(data, number - 1), CACHED_IMAGES)
            return self._images[key]

    def personal(self, page: Page, style: str, paper: str, patient) -> bytes:
        """One patient's copy: made on request, never cached or written."""
        context = self.context(style, paper)
        with self._lock:
            try:
                return counter.personal_pdf(page, context, patient)
            except HandoutError:
                raise
            except Exception as exc:  # its text could quote the patient's details
                raise HandoutError(f"internal error ({type(exc).__name__}) while making "
                                   "the patient's copy") from None

    def pack(self, pages: list[Page], style: str, paper: str) -> bytes:
        """One print-ready PDF of `pages`, as `handouts pack` assembles it."""
        from ..deliver.pack import assemble

        config, loaded = self.context(style, paper)
        handouts = [self.pdf(page, style, paper) for page in pages]
        with self._lock:
            return assemble(handouts, loaded, config)[0]

    def review_of(self, page: Page) -> review.Status | None:
        """The page's review status (None when its front matter is broken)."""
        from ..read.parse import read_review

        config = self.context("", "")[0]
        key = (page.path, _stat(page.path), review.today())
        if key not in self._reviews:
            try:
                found = read_review(page.path)
            except HandoutError:
                return None
            self._reviews[key] = review.status_of(found, config.review.review_every,
                                                  review.today())
        return self._reviews[key]

    def warnings(self, page: Page, style: str, paper: str) -> tuple[str, list[str]]:
        """(title, what `handouts check NAME` says of the page), for staff."""
        from ..check import check_pages

        config, loaded = self.context(style, paper)
        checked = check_pages([page], loaded, config).pages[0]
        return checked.title or page.name, [
            f"{n.kind.replace('_', ' ')}: {n.message}" + (f" (line {n.line})" if n.line
                                                          else "")
            for n in (*checked.errors, *checked.warnings)]


def _signature(context, inputs: Inputs) -> tuple:
    config, style = context
    files = [*style.chain, config.path, config.clinic.logo, *(
        folder / f"{inputs.style_name or config.style}.yaml" for folder in inputs.search)]
    return tuple((str(f), _stat(f)) for f in files if f is not None)


def _stat(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return ()
    return stat.st_mtime_ns, stat.st_size


def _remember(cache: OrderedDict, key, value, limit: int) -> None:
    cache[key] = value
    while len(cache) > limit:
        cache.popitem(last=False)


def _png(data: bytes, index: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        image = document[index].render(scale=PREVIEW_SCALE).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()
