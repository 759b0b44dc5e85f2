"""Helpers for the clinic, batch and pack tests: small real workspaces and PDF readers."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pdfplumber

from conftest import CORPUS, SEED

PHONE, AFTER_HOURS = "555-0100", "555-0199"
EMERGENCY = "For an emergency call 911."
CLINIC = "Riverside Example Clinic"
ADDRESS = "12 River Road, Springfield"


def make_logo(path: Path, size=(240, 120), colour=(11, 60, 93)) -> Path:
    """A real PNG (or JPEG by suffix), drawn with Pillow (a ReportLab dependency)."""
    from PIL import Image

    Image.new("RGB", size, colour).save(path)
    return path


def write_config(folder: Path, text: str) -> Path:
    path = folder / "handouts.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def clinic_workspace(root: Path, pages=(SEED,)) -> Path:
    """content/ with the given pages, a full handouts.yaml and its logo."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, content / page.name)
    make_logo(root / "logo.png")
    write_config(root, f"""
        clinic:
          name: {CLINIC}
          address: {ADDRESS}
          logo: logo.png
          logo_alt: River logo
        phones:
          care_team: '{PHONE}'
          after_hours: '{AFTER_HOURS}'
        emergency: {EMERGENCY}
        """)
    return root


def corpus_sample(count: int, step: int = 1) -> list[Path]:
    """`count` corpus pages, every `step`-th in sorted order (the same on every run)."""
    pages = sorted(CORPUS.rglob("*.md"))
    return pages[::step][:count]


def copy_pages(pages, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, folder / page.name)
    return folder


def page_texts(path: Path) -> list[str]:
    """Each page's text, whitespace collapsed."""
    with pdfplumber.open(path) as pdf:
        return [" ".join((page.extract_text() or "").split()) for page in pdf.pages]
