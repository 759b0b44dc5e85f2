"""Deliver stage: handouts to a CUPS print queue (cups.py), or a personalised copy to a
file the user names.

The queue is checked before anything is built. Plain copies are the `build` PDFs in
out/; a personalised copy (--for, --note) is made in memory and goes only to the printer
(through lp's standard input) or to the -o file. One job per handout, two-sided
(long edge) when the queue can.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import review
from ..errors import HandoutError
from ..read.lookup import read_head
from ..read.parse import read_page
from . import cups
from .batch import build_batch
from .files import check_new_file, write_atomic
from .handover import personalised
from .pack import make_pack


@dataclass(frozen=True)
class Request:
    printer: str | None = None
    copies: int = 1
    handover: object = None  # model.Handover, or None for plain copies
    pack: bool = False  # one job: the pack of them all
    output: Path | None = None  # write the (one) PDF here instead of printing
    force: bool = False


@dataclass(frozen=True)
class Document:
    title: str  # the drug's (or the pack's), never the patient's
    data: bytes


def review_warnings(pages, inputs) -> list[str]:
    """One line per page that is not reviewed or whose review is overdue."""
    config, style = inputs.load()
    found = []
    for page in pages:
        text = review.alert(read_page(page.path, page.name).review, config, style.review)
        if text:
            found.append(f"{page.path}: {text}; it goes out all the same")
    return found


def documents(pages, inputs, out_dir: Path, request: Request, progress=None) -> list[Document]:
    """What to print: the pack, the personalised copies, or the built PDFs."""
    if request.pack:
        made = make_pack(pages, inputs, progress, handover=request.handover)
        if not made.data:
            raise HandoutError(made.batch.failed[0] if made.batch.failed else "interrupted")
        return [Document(f"Patient handouts ({len(pages)})", made.data)]
    if request.handover:
        return [Document(_title(page), data)
                for page, data in personalised(pages, inputs, request.handover)]
    result = build_batch(pages, inputs, out_dir, progress)
    if result.failed or result.interrupted:
        raise HandoutError(result.failed[0] if result.failed else "interrupted")
    return [Document(_title(page), result.outputs[page.path].read_bytes()) for page in pages]


def _title(page) -> str:
    return read_head(page.path)[0] or page.name


def deliver(pages, inputs, out_dir: Path, request: Request, say, progress=None) -> None:
    """Print (or write -o) the handouts; `say` gets one line per job."""
    pages = list(dict.fromkeys(pages))
    if request.output is not None:
        check_new_file(request.output, "-o", ".pdf", request.force)
        if len(pages) != 1 and not request.pack:
            raise HandoutError("-o writes one PDF: give one NAME, or --pack for several")
    # --printer, else the clinic's queue (print: queue: in handouts.yaml), else CUPS's
    # default: the same queue the front desk prints on.
    printer = request.printer or inputs.load()[0].printing.queue or None
    queue = cups.find_queue(printer) if request.output is None else None
    docs = documents(pages, inputs, out_dir, request, progress)
    if queue is None:
        write_atomic(request.output, docs[0].data)
        say(f"{request.output}: {docs[0].title}" + (" (personalised)" if request.handover else ""))
        return
    sides = "two-sided (long edge)" if queue.duplex else "one-sided (the queue has no duplex)"
    for doc in docs:
        job = cups.submit(queue, doc.data, doc.title, request.copies)
        say(f"printed {doc.title} on {queue.name}: job {job}, "
            f"{request.copies} cop{'y' if request.copies == 1 else 'ies'}, {sides}")
