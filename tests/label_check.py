"""The labels a page's author wrote, read from the Markdown with markdown-it (not with
the handouts parser), and what a built PDF shows of them, read with pdfplumber.

Used by the corpus pass (corpus_check.py) and the label tests: every heading and bold
lead-in the author wrote must be printed, verbatim, in bold; only a bare standard label
may be printed under the style's friendlier heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from helpers import SAFE_INLINE_TAG

# The only labels a handout may print under another name: bare section names, exactly
# (lower case, without a trailing colon). Anything that adds a word ("Contraindications",
# "Warnings and Precautions", "FAQs (Combined Use)") must print as written.
STANDARD = frozenset({
    "generic name", "generic names", "generic",
    "usage", "uses", "use", "indications", "what it is used for", "used for",
    "dosage", "dose", "dosing", "administration", "dosage and administration",
    "how to take", "how it is given", "how to use",
    "side effects", "side effect", "adverse effects", "adverse reactions",
    "how it works", "mechanism of action", "mechanism", "how does it work",
    "precautions", "interactions", "drug interactions",
    "faqs", "faq", "frequently asked questions",
    "disclaimer", "note",
})
# The next line of one wrapped heading is at most this many font sizes lower; a new
# heading is lower by its space before and after as well.
WRAPPED_LINE = 1.5
NOT_BOLD = "\x00"
RAW_TAG = re.compile(r"</?(sup|sub|i|b|em|strong)>", re.I)


@dataclass(frozen=True)
class Label:
    text: str  # as written, emphasis markers and trailing colon removed
    line: int  # 1-based line in the page file
    kind: str  # "title-heading" (an H1 other than the title), "heading", "lead-in", "bold"

    @property
    def standard(self) -> bool:
        return _bare(self.text) in STANDARD


def _bare(text: str) -> str:
    return " ".join(text.lower().split())


def page_labels(path: Path) -> list[Label]:
    """Every heading, bold lead-in (`**Label:** ...`) and wholly bold line of a page, in
    page order, mojibake repaired the way a reader would see it."""
    import frontmatter
    import ftfy
    from markdown_it import MarkdownIt

    raw = path.read_text(encoding="utf-8")
    post = frontmatter.loads(raw)
    offset = raw.count("\n", 0, raw.find(post.content)) if post.content else 0
    tokens = MarkdownIt("commonmark", {"html": False}).parse(post.content)
    title = str(post.metadata.get("title", "")).strip()
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or not tok.map:
            continue
        label = _label(tokens[i - 1], tok, title)
        if label is not None:
            text, kind = label
            text = ftfy.fix_text(text, uncurl_quotes=False)
            found.append(Label(" ".join(text.split()), tok.map[0] + 1 + offset, kind))
    return [label for label in found if label.text]


def labelled_lists(path: Path) -> list[tuple[str, int, list[str]]]:
    """(label, line, items) for each list that directly follows a label line: a heading
    or a wholly bold line ending in a colon (`**Serious side effects:**`). Items are the
    text of each top-level item's first paragraph, lead-in included."""
    import frontmatter
    from markdown_it import MarkdownIt

    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    tokens = MarkdownIt("commonmark", {"html": False}).parse(post.content)
    found, label = [], None
    for i, tok in enumerate(tokens):
        if tok.type == "inline" and tok.level == 1 and tokens[i - 1].type in (
                "heading_open", "paragraph_open"):
            text = _label(tokens[i - 1], tok, "")
            whole = text is not None and (text[1] == "heading" or (
                text[1] == "lead-in" and _text(tok.children).strip().endswith(":")))
            label = (text[0], tok.map[0] + 1) if whole else None
        elif tok.type in ("bullet_list_open", "ordered_list_open") and tok.level == 0:
            if label is not None:
                found.append((*label, _items(tokens, i)))
            label = None
        elif tok.level == 0 and tok.type.endswith("_open"):
            label = None
    return found


def _items(tokens, start: int) -> list[str]:
    """The first paragraph's text of each top-level item of the list at `start`."""
    items, depth = [], tokens[start].level
    for i in range(start + 1, len(tokens)):
        tok = tokens[i]
        if tok.type.endswith("list_close") and tok.level == depth:
            break
        if tok.type == "list_item_open" and tok.level == depth + 1:
            inline = next((t for t in tokens[i + 1:i + 4] if t.type == "inline"), None)
            if inline is not None:
                items.append(_text(inline.children))
    return items


def _label(opener, inline, title: str):
    """(text, kind) when an inline token is a label."""
    # markdown-it puts an empty text token before a leading delimiter run
    children = [c for c in inline.children or [] if c.type != "text" or c.content]
    if opener.type == "heading_open":
        text = _text(children)
        if opener.tag == "h1":
            if _words(text) == _words(title):
                return None  # the title itself
            return text, "title-heading"
        head, colon, value = text.partition(":")
        if colon and value.strip() and _bare(head) in STANDARD:
            return head.strip(), "heading"  # "Generic Name: Aspirin": a label and its value
        return text.strip().removesuffix(":").strip(), "heading"
    if opener.type != "paragraph_open" or not children or children[0].type != "strong_open":
        return None
    depth, end = 0, None
    for n, child in enumerate(children):
        depth += {"strong_open": 1, "strong_close": -1}.get(child.type, 0)
        if depth == 0:
            end = n
            break
    bold, rest = _text(children[1:end]).strip(), _text(children[end + 1:])
    if bold.endswith(":"):
        return bold[:-1].strip(), "lead-in"
    if rest.lstrip().startswith(":"):
        return bold, "lead-in"
    if not rest.strip():
        return bold, "bold"
    return None


def _text(children) -> str:
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def squeeze(text: str) -> str:
    """Text without spaces: a label wrapped over two lines reads whole again."""
    return re.sub(r"\s+", "", text)


def printed_form(label: Label) -> str:
    """What the PDF shows of a label: safe inline HTML is formatting, not text."""
    return squeeze(SAFE_INLINE_TAG.sub("", label.text))


# -- the PDF, read with pdfplumber -----------------------------------------------------

@dataclass(frozen=True)
class PdfLine:
    page: int
    text: str
    bold: bool  # every character in a bold face
    size: float
    colour: tuple
    top: float
    bold_only: str  # the text with each character not in a bold face as NOT_BOLD


def pdf_lines(path: Path) -> list[PdfLine]:
    """Each drawn line of the PDF, in drawing order, with its face, size and colour
    (one line per run of characters sharing a baseline, font size and colour)."""
    return read_pdf(path)[0]


def read_pdf(path: Path, box_fill: str | None = None) -> tuple[list[PdfLine], str]:
    """The PDF parsed once by pdfplumber: its lines, and the text drawn inside the
    rectangles filled with `box_fill` (the warning box), "" without one."""
    import pdfplumber

    from helpers import text_in_boxes

    lines: list[PdfLine] = []
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages):
            drawn = _drawn(page)
            lines += _page_lines(number, drawn.chars)
            pages.append(drawn)
    boxed = text_in_boxes(pages, box_fill) if box_fill else ""
    return lines, boxed


@dataclass(frozen=True)
class _Drawn:
    chars: list
    rects: list


def _drawn(page) -> _Drawn:
    """A page's characters and rectangles with the keys of pdfplumber's page.chars and
    page.rects, taken from its page.layout: the same objects without converting every
    attribute (which is most of pdfplumber's time on a corpus pass)."""
    from pdfminer.layout import LTChar, LTRect

    chars, rects = [], []
    for obj in page.layout:
        box = {"x0": obj.x0, "x1": obj.x1, "top": page.height - obj.y1,
               "bottom": page.height - obj.y0}
        if isinstance(obj, LTChar):
            chars.append(box | {"text": obj.get_text(), "fontname": obj.fontname,
                                "size": obj.size,
                                "non_stroking_color": _colour(obj.graphicstate.ncolor)})
        elif isinstance(obj, LTRect):
            rects.append(box | {"fill": obj.fill,
                                "non_stroking_color": _colour(obj.non_stroking_color)})
    return _Drawn(chars, rects)


def _colour(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) if value else None


def _page_lines(number: int, chars) -> list[PdfLine]:
    lines, current, key = [], [], None
    for char in chars:
        k = (round(char["top"]), round(char["size"], 1),
             tuple(char["non_stroking_color"] or ()))
        if current and k != key:
            lines.append(_line(number, current))
            current = []
        current.append(char)
        key = k
    if current:
        lines.append(_line(number, current))
    return lines


def _line(page: int, chars) -> PdfLine:
    text = "".join(c["text"] for c in chars)
    bold = all("Bold" in c["fontname"] for c in chars if not c["text"].isspace())
    bold_only = "".join(c["text"] if "Bold" in c["fontname"] or c["text"].isspace()
                        else NOT_BOLD for c in chars)
    return PdfLine(page, text, bold, round(chars[0]["size"], 1),
                   tuple(round(v, 3) for v in chars[0]["non_stroking_color"] or ()),
                   chars[0]["top"], bold_only)


def bold_text(lines: list[PdfLine]) -> str:
    """The bold characters of the PDF in drawing order, without spaces, one "|" where
    other text comes between two bold stretches (a label is never found across them;
    a bold label wrapped over two lines reads whole)."""
    return re.sub(f"{NOT_BOLD}+", "|", squeeze("".join(line.bold_only for line in lines)))


def lost_labels(labels: list[Label], lines: list[PdfLine]) -> list[Label]:
    """Labels (other than bare standard ones) not printed in bold, as written; an H1
    that differs from the title must be printed, in any face."""
    bold, anything = bold_text(lines), squeeze("".join(line.text for line in lines))
    lost = []
    for label in labels:
        if label.standard:
            continue
        where = anything if label.kind == "title-heading" else bold
        if printed_form(label) not in where and not _across_a_break(label, where):
            lost.append(label)
    return lost


# A label split by a page break has the footer, the next page's header and a box's
# "(continued)" lines between its two parts: at most this many characters.
PAGE_BREAK_CHARS = 2000


def _across_a_break(label: Label, text: str) -> bool:
    """The label's words in order within its length plus one page break's furniture."""
    wanted = re.findall(r"[^\W_]+", SAFE_INLINE_TAG.sub(" ", label.text))
    start = at = text.find(wanted[0]) if wanted else -1
    while start >= 0:
        for word in wanted[1:]:
            at = text.find(word, at + 1)
            if at < 0:
                return False
        if at - start <= len(printed_form(label)) + PAGE_BREAK_CHARS:
            return True
        start = at = text.find(wanted[0], start + 1)
    return False


def headings(lines: list[PdfLine], size: float, colour: tuple) -> list[str]:
    """Section headings, in order: bold lines of `size` (or larger) in the heading
    colour, a heading wrapped over lines joined into one."""
    out, last = [], None
    for line in lines:
        if not (line.bold and line.size >= size and line.colour == colour):
            last = None
            continue
        wrapped = last is not None and last.page == line.page and (
            line.top - last.top < WRAPPED_LINE * line.size)
        if wrapped:
            out[-1] += " " + line.text
        else:
            out.append(line.text)
        last = line
    return [" ".join(h.split()) for h in out]


def repeated_headings(names: list[str]) -> list[str]:
    """Headings printed twice in a row (the next heading repeats this one)."""
    return [a for a, b in zip(names, names[1:]) if a == b]


def raw_tags(lines: list[PdfLine]) -> list[str]:
    """HTML tags printed as text that a handout should have rendered as formatting."""
    return [m.group(0) for m in RAW_TAG.finditer(" ".join(line.text for line in lines))]


def box_count(lines: list[PdfLine], label: str) -> int:
    """How many warning boxes the PDF draws: each starts with the box label (a box
    that continues on a new page shows the "(continued)" label instead)."""
    return sum(1 for line in lines if " ".join(line.text.split()) == label)


def hex_colour(value: str) -> tuple:
    return tuple(round(int(value[i:i + 2], 16) / 255, 3) for i in (1, 3, 5))
