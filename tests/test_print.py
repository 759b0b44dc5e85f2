"""`handouts print` against a real CUPS server started for the tests (tests/cups_server.py):
the job that reaches the device is read back and compared with the PDF it should be.
A personalised copy carries the patient's name on its page 1 and nowhere on disk."""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pikepdf
import pytest

from helpers import ROOT, clinic_workspace, corpus_dir, read_back, run_cli_in, words

PATIENT = "Zebedee Quistworth-Patient"
NOTE = "Bring this sheet to the 14 March visit"


def job_ids(output: str) -> list[int]:
    return [int(n) for n in re.findall(r": job \S+-(\d+), ", output)]


def pdf_pages_text(data: bytes) -> list[str]:
    import pypdf

    return [" ".join((p.extract_text() or "").split())
            for p in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def ws(tmp_path, cups_env, monkeypatch):
    clinic_workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_handout_reaches_the_printer_byte_for_byte(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test",
                        "--copies", "2")
    assert result.exit_code == 0, result.output
    [job_id] = job_ids(result.stdout)
    job = cups_env.wait_job(job_id)
    assert job.data == (ws / "out" / "ixabepilone.pdf").read_bytes()
    assert job.attributes["copies"] == 2
    assert job.attributes["job-name"] == "Ixabepilone"  # the drug, never the patient
    assert "sides" not in job.attributes or job.attributes["sides"] == "one-sided"
    assert "one-sided (the queue has no duplex)" in result.stdout


def test_the_clinics_queue_is_the_default(ws, cups_env, monkeypatch):
    """print: queue: in handouts.yaml is where `print` goes without --printer (the
    queue the front desk prints on too)."""
    with (ws / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write("print:\n  queue: handouts-duplex\n")
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone")
    assert result.exit_code == 0, result.output
    job = cups_env.wait_job(job_ids(result.stdout)[0])
    assert job.data == (ws / "out" / "ixabepilone.pdf").read_bytes()
    assert "on handouts-duplex" in result.stdout and job.attributes["sides"] == \
        "two-sided-long-edge"


def test_a_duplex_queue_prints_long_edge(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-duplex")
    assert result.exit_code == 0, result.output
    job = cups_env.wait_job(job_ids(result.stdout)[0])
    assert job.attributes["sides"] == "two-sided-long-edge"
    assert job.options.get("Duplex") == "DuplexNoTumble"
    assert "two-sided (long edge)" in result.stdout


def test_every_page_is_its_own_job_and_all_prints_them_all(tmp_path, cups_env, monkeypatch):
    pages = sorted((corpus_dir() / "c").glob("cipro*.md"))[:3]
    clinic_workspace(tmp_path, pages)
    result = run_cli_in(monkeypatch, tmp_path, "print", "--all", "--printer", "handouts-test")
    assert result.exit_code == 0, result.output
    ids = job_ids(result.stdout)
    assert len(ids) == len(pages) == 3
    for job_id, page in zip(ids, pages):
        assert cups_env.wait_job(job_id).data == (tmp_path / "out" / f"{page.stem}.pdf").read_bytes()


def test_a_pack_is_one_job(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--pack", "--printer",
                        "handouts-duplex")
    assert result.exit_code == 0, result.output
    [job_id] = job_ids(result.stdout)
    data = cups_env.wait_job(job_id).data
    texts = pdf_pages_text(data)
    assert "Contents" in texts[0] and texts[0].endswith("Ixabepilone 3")
    assert texts[1] == "" and texts[2].endswith("Page 1 of 4")  # a blank back, then page 1
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root


def _files_holding(root: Path, needle: bytes, skip: Path | None = None) -> list[Path]:
    """Files under `root` whose bytes, or whose PDF text, hold `needle`."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file() or (skip and skip in path.parents):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        text = data
        if data.startswith(b"%PDF"):
            text = " ".join(pdf_pages_text(data)).encode()
        if needle in data or needle in text:
            found.append(path)
    return found


def test_a_personalised_copy_names_the_patient_on_page_1_and_nowhere_on_disk(
        ws, cups_env, monkeypatch):
    before = set(Path(tempfile.gettempdir()).iterdir())
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test",
                        "--for", PATIENT, "--note", NOTE)
    assert result.exit_code == 0, result.output
    job = cups_env.wait_job(job_ids(result.stdout)[0])
    texts = pdf_pages_text(job.data)
    assert f"For: {PATIENT}" in texts[0] and NOTE in texts[0]
    assert "Given on" in texts[0]
    assert all(PATIENT not in t and NOTE not in t for t in texts[1:])  # page 1 only
    assert job.attributes["job-name"] == "Ixabepilone"
    assert PATIENT not in result.output and NOTE not in result.output  # nor in the log
    needle = PATIENT.encode()
    assert _files_holding(ws, needle) == []  # out/, the manifest, the workspace
    assert (ws / "out" / ".handouts-manifest.json").exists() is False or \
        needle not in (ws / "out" / ".handouts-manifest.json").read_bytes()
    new = set(Path(tempfile.gettempdir()).iterdir()) - before
    assert [p for p in new for _ in _files_holding(p, needle) if p.is_dir()] + \
        [p for p in new if p.is_file() and needle in p.read_bytes()] == []


def test_a_personalised_copy_to_a_file_the_user_names(ws, cups_env, monkeypatch):
    copy = ws / "for-the-patient.pdf"
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--for", PATIENT,
                        "-o", copy)
    assert result.exit_code == 0, result.output
    doc = read_back(copy)
    assert PATIENT in doc.pages[0].text and all(PATIENT not in p.text for p in doc.pages[1:])
    assert words(PATIENT)[0] in doc.tree_words()  # tagged: a screen reader reads it
    assert _files_holding(ws, PATIENT.encode()) == [copy]
    from helpers import assert_pdfua_passes, ua1_failures

    assert ua1_failures([copy]) == {}
    assert_pdfua_passes([copy])


@pytest.mark.parametrize("value, message", [
    ("Jane\nRoe", "--for: control or invisible characters are not allowed"),
    ("Jane \u202eeoR", "--for: control or invisible characters are not allowed"),
    ("x" * 121, "--for: expected at most 120 characters, found 121"),
    ("   ", "--for: expected text, found nothing"),
])
def test_bad_patient_details_are_refused_without_repeating_them(ws, cups_env, monkeypatch,
                                                               value, message):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test",
                        "--for", value)
    assert result.exit_code == 2 and message in result.output
    assert value.strip()[:5] not in result.output.replace(message, "") or not value.strip()
    assert not (ws / "out").exists()


def test_a_missing_queue_is_said_before_anything_is_built(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "nosuchqueue")
    assert result.exit_code == 2
    assert "no printer queue named 'nosuchqueue'" in result.output
    assert not (ws / "out").exists()


def test_a_queue_that_rejects_jobs(ws, cups_env, monkeypatch):
    cups_env.add_queue("handouts-closed")
    cups_env.run("cupsreject", "handouts-closed")
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-closed")
    assert result.exit_code == 2
    assert "printer queue 'handouts-closed' is not accepting jobs" in result.output


def test_no_default_printer_says_to_name_one(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone")
    assert result.exit_code == 2
    assert "no --printer given and CUPS has no default printer" in result.output


def test_cups_not_running(ws, cups_env, monkeypatch, tmp_path):
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-such.sock"))
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test")
    assert result.exit_code == 2
    assert f"CUPS is not running or not reachable at {tmp_path / 'no-such.sock'}" in result.output


def test_cups_not_installed(ws, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test")
    assert result.exit_code == 2
    assert "CUPS is not installed: no 'lp' command" in result.output
    assert not (ws / "out").exists()


def test_an_unreviewed_page_warns_and_prints_anyway(ws, cups_env, monkeypatch):
    result = run_cli_in(monkeypatch, ws, "print", "ixabepilone", "--printer", "handouts-test")
    assert result.exit_code == 0
    assert re.search(r"warning: content/ixabepilone\.md: Not yet reviewed by a clinician; "
                     "it goes out all the same", result.stderr)
    assert job_ids(result.stdout)
    assert os.environ["CUPS_SERVER"] == cups_env.server and ROOT.is_dir()
