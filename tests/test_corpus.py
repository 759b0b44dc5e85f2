"""Every real drug page prints: the ../shared/corpus pages build with nothing lost.

Run alone with `pytest -m corpus`. Pages are built and checked in worker processes
(one per core, at most four): on two cores the pass takes a few minutes.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import pytest

from corpus_check import check_page
from handouts.read.workspace import find_pages
from helpers import corpus_dir


def _workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


@pytest.mark.corpus
def test_every_corpus_page_builds_whole(tmp_path, capsys):
    pages = find_pages(corpus_dir())
    started = time.perf_counter()
    workers = _workers()
    with ProcessPoolExecutor(workers) as pool:
        reports = list(pool.map(partial(check_page, out_dir=tmp_path), pages, chunksize=8))
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print("\n" + _totals(reports, seconds, workers))
    assert [r.failure for r in reports if r.failure] == []
    refused = {r.name for r in reports if r.refused}
    assert {"protein", "cefepime-sulbactam"} <= refused  # a generator declining to answer
    assert {r.name: r.missing for r in reports if r.missing} == {}
    assert {r.name: r.problems for r in reports if r.problems} == {}
    assert sum(r.labels for r in reports) > 10_000  # the label check read the labels


def _totals(reports, seconds: float, workers: int) -> str:
    count = lambda test: sum(1 for r in reports if test(r))  # noqa: E731
    return (
        f"corpus: {len(reports)} pages ({sum(r.pdf_pages for r in reports)} PDF pages), "
        f"{count(lambda r: r.failure)} failed, "
        f"{sum(r.words for r in reports)} words checked, "
        f"{sum(len(r.missing) for r in reports)} missing, "
        f"{count(lambda r: r.has_box)} with a warning box, "
        f"{count(lambda r: r.warned_none)} warned as having none, "
        f"{count(lambda r: r.refused)} refused as not drug information, "
        f"{sum(r.labels for r in reports)} labels checked, "
        f"{sum(len(r.lost) for r in reports)} lost, "
        f"{sum(len(r.repeated) for r in reports)} headings twice in a row, "
        f"{sum(len(r.raw_tags) for r in reports)} HTML tags printed, "
        f"{count(lambda r: r.boxes > 1)} with more than one box, "
        f"{count(lambda r: r.problems)} with other problems, "
        f"{seconds:.0f} s on {workers} workers")
