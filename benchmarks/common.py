"""Shared helpers for the benchmarks: where things are, which pages, what the style says.

Nothing here imports ReportLab, WeasyPrint or Typst, so the harness itself stays cheap.
The corpus is read in place (never copied into the repo).
"""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# The corpus sits beside the worktree: <repo>/../shared/corpus (never inside the repo).
DEFAULT_CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
FONT_DIR = REPO / "handouts" / "fonts"
FIXED_EPOCH = "1735689600"  # 2025-01-01: SOURCE_DATE_EPOCH for byte-stable builds
KIB = 1024
MIB = 1024 * 1024


def corpus_dir() -> Path:
    return Path(os.environ.get("HANDOUTS_BENCH_CORPUS", DEFAULT_CORPUS)).resolve()


def corpus_pages(corpus: Path) -> list[Path]:
    """Every drug page in the corpus, in the order `handouts build --all` uses."""
    paths = [p for p in corpus.rglob("*.md")
             if p.name.lower() not in ("readme.md", "index.md") and not p.is_symlink()]
    return sorted(paths, key=lambda p: (p.stem.lower(), str(p)))


def sample(pages: list, n: int) -> list:
    """n pages spread evenly over the sorted list (every k-th): deterministic and
    covering every letter, so short and long pages are both represented."""
    if n >= len(pages):
        return list(pages)
    step = len(pages) / n
    return [pages[int(i * step)] for i in range(n)]


def bench_env(**extra) -> dict:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = FIXED_EPOCH
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def vm_status() -> dict[str, int]:
    """VmHWM (peak RSS) and VmRSS of this process, in bytes."""
    out = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) * 1024
    return out


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


# -- what the style says (so the alternatives track styles/default.yaml) ---------------

@dataclass(frozen=True)
class Metrics:
    """The handful of style figures the alternative engines are set up with."""

    page_w: float
    page_h: float
    paper: str  # 'letter' | 'a4'
    margin_top: float
    margin_bottom: float
    margin_left: float
    margin_right: float
    body_size: float
    body_leading: float
    heading_size: float
    heading_leading: float
    title_size: float
    title_leading: float
    footer_size: float
    footer_leading: float
    page_label: str
    default_disclaimer: str
    regular: str  # font file stems
    bold: str
    italic: str
    bold_italic: str


def style_metrics(name: str = "default") -> Metrics:
    from handouts.settings.style import load_style
    from handouts.settings.style_schema import FONT_NAMES, PAGE_SIZES

    st = load_style(name)
    by_lower = {f.lower(): f for f in FONT_NAMES}
    w, h = PAGE_SIZES[st.page.size]
    return Metrics(
        page_w=w, page_h=h, paper=st.page.size,
        margin_top=st.page.margin_top, margin_bottom=st.page.margin_bottom,
        margin_left=st.page.margin_left, margin_right=st.page.margin_right,
        body_size=st.body.size, body_leading=st.body.leading,
        heading_size=st.heading.size, heading_leading=st.heading.leading,
        title_size=st.title.size, title_leading=st.title.leading,
        footer_size=st.footer.size, footer_leading=st.footer.leading,
        page_label=st.footer.page_label, default_disclaimer=st.footer.default_disclaimer,
        regular=by_lower[st.fonts.regular], bold=by_lower[st.fonts.bold],
        italic=by_lower[st.fonts.italic], bold_italic=by_lower[st.fonts.bold_italic],
    )


# -- the page as the alternatives see it ------------------------------------------------

_FENCE = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.S | re.M)
_DISCLAIMER = re.compile(r"^\s*disclaimer\s*:?\s*$", re.I)


@dataclass
class Source:
    title: str
    body: str  # Markdown without front matter


def read_source(path: Path) -> Source:
    """Front matter split and title, as a clinic's own script would do it."""
    import yaml

    text = path.read_text(encoding="utf-8", errors="replace")
    title, body = path.stem, text
    match = _FENCE.match(text)
    if match:
        body = text[match.end():]
        try:
            meta = yaml.load(match.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            meta = None
        if isinstance(meta, dict) and meta.get("title") is not None:
            title = str(meta["title"])
    return Source(title, body)


def markdown_parser():
    """The same markdown-it set-up as handouts: CommonMark, raw HTML printed as text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.disable(["html_block", "html_inline"], ignoreInvalid=True)
    return md


def inline_text(token) -> str:
    """Plain text of an inline token (emphasis dropped, breaks as spaces)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def page_tokens(md, body: str, m) -> tuple[list, str, bool]:
    """What both converters start from: (body tokens without the disclaimer, the
    footer's disclaimer (the style's default when the page has none), has an H1)."""
    tokens, disclaimer = split_disclaimer(md.parse(body))
    has_h1 = any(t.type == "heading_open" and t.tag == "h1" for t in tokens)
    return tokens, disclaimer or m.default_disclaimer, has_h1


def split_disclaimer(tokens) -> tuple[list, str | None]:
    """Take the page's disclaimer out of the body (it goes in every page's footer, as
    handouts does): a paragraph led by a bold 'Disclaimer:' or the paragraphs under a
    'Disclaimer' heading. Returns (remaining tokens, disclaimer text or None)."""
    out, found = [], None
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.type == "paragraph_open" and i + 1 < n and found is None:
            kids = [k for k in tokens[i + 1].children or () if k.type != "text" or k.content]
            if (len(kids) >= 3 and kids[0].type == "strong_open"
                    and _DISCLAIMER.match(kids[1].content or "")):
                text = inline_text(tokens[i + 1])
                found = text.split(":", 1)[1].strip() if ":" in text else text
                i += 3  # paragraph_open, inline, paragraph_close
                continue
        if tok.type == "heading_open" and i + 1 < n and found is None \
                and _DISCLAIMER.match(tokens[i + 1].content):
            level, j, texts = tok.tag, i + 3, []
            while j < n and not (tokens[j].type == "heading_open" and tokens[j].tag <= level):
                if tokens[j].type == "inline":
                    texts.append(inline_text(tokens[j]))
                j += 1
            found = " ".join(texts).strip()
            i = j
            continue
        out.append(tok)
        i += 1
    return out, found


# -- is anything else using the machine? ------------------------------------------------

def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class Load:
    """Share of the machine's CPU used by *other* processes during a measurement:
    everything busy on the machine minus the CPU seconds the measurement reports."""

    def __enter__(self):
        self.start = cpu_jiffies()
        return self

    def __exit__(self, *exc):
        self.end = cpu_jiffies()

    def others(self, own_cpu_seconds: float) -> float:
        hz = os.sysconf("SC_CLK_TCK")
        busy = (self.end[0] - self.start[0]) / hz
        total = (self.end[1] - self.start[1]) / hz
        return max(0.0, (busy - own_cpu_seconds) / total) if total > 0 else 0.0


def wait_idle(max_wait: float, threshold: float = 0.10, log=None) -> float:
    """Wait (up to max_wait s) until other processes use < threshold of the CPUs over a
    1 s window; returns the last share seen. Other engineers' builds on the same machine
    would otherwise show up as our slowness."""
    import time

    deadline = time.monotonic() + max_wait
    while True:
        a = cpu_jiffies()
        time.sleep(1.0)
        b = cpu_jiffies()
        share = (b[0] - a[0]) / max(b[1] - a[1], 1)
        if share < threshold or time.monotonic() >= deadline:
            if share >= threshold and log:
                log(f"  machine still {share:.0%} busy after waiting {max_wait:.0f} s; measuring anyway")
            return share
