"""Markdown -> Typst markup, from markdown-it tokens, for the Typst comparison engine.

Every character of page text is escaped, so no page can inject Typst code; structure
(headings, lists, emphasis, links, code) is emitted as Typst functions, not shorthand
markup, so text next to it can never change its meaning.
"""

from __future__ import annotations

from .common import Metrics, markdown_parser, page_tokens

# Characters with a meaning somewhere in Typst markup: # $ \ * _ ` < > @ [ ] ~ " '
# anywhere; = - + / . at a line start (headings, lists, terms, "1."); ( [ . ; right
# after an embedded call such as #strong[..]. Typst reads `\` + any character as that
# character, so escaping all of them everywhere is always safe.
_SPECIAL = set('\\#$*_`<>@[]~"\'=-+/.();:')
_TABLE = {ord(c): "\\" + c for c in _SPECIAL}


def escape(text: str) -> str:
    """Page text -> Typst markup that prints exactly that text."""
    return text.translate(_TABLE)


def string(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r").replace("\t", "\\t") + '"'


def _pt(value: float) -> str:
    return f"{value:.4g}pt"


def preamble(m: Metrics, title: str, disclaimer: str) -> str:
    """Page set-up: paper, margins, fonts, sizes and the footer on every page."""
    # Text edges at 0.8em / -0.2em make a line box exactly 1em tall, so
    # par.leading = leading - size gives the style's baseline-to-baseline distance.
    footer = (f"#set text(size: {_pt(m.footer_size)})\n"
              f"#set par(leading: {_pt(m.footer_leading - m.footer_size)}, justify: false)\n"
              f"{escape(disclaimer)}\n\n"
              "#context { let p = counter(page).get().first(); "
              "let n = counter(page).final().first(); "
              f"align(right)[{_page_label(m.page_label)}] }}")
    return "\n".join([
        f"#set document(title: {string(title)})",
        f'#set page(paper: "{"us-letter" if m.paper == "letter" else "a4"}", '
        f"margin: (top: {_pt(m.margin_top)}, left: {_pt(m.margin_left)}, "
        f"right: {_pt(m.margin_right)}, bottom: {_pt(m.margin_bottom + 72)}), "
        f"footer-descent: 12pt, footer: [{footer}])",
        '#set text(font: "DejaVu Sans", size: ' + _pt(m.body_size)
        + ', top-edge: 0.8em, bottom-edge: -0.2em, hyphenate: false, lang: "en")',
        f"#set par(leading: {_pt(m.body_leading - m.body_size)}, "
        f"spacing: {_pt(m.body_leading - m.body_size + 8)}, justify: false)",
        f"#show heading: set text(size: {_pt(m.heading_size)}, fill: rgb(\"#0B3C5D\"))",
        f"#show heading: set block(above: {_pt(16)}, below: {_pt(8)})",
        f"#show heading.where(level: 1): set text(size: {_pt(m.title_size)})",
        "#set list(indent: 6pt, body-indent: 8pt)",
        "#set enum(indent: 6pt, body-indent: 8pt)",
        "",
    ])


def _page_label(label: str) -> str:
    """'Page {page} of {pages}' -> markup with the counters in place."""
    out, rest = [], label
    while rest:
        head, sep, tail = rest.partition("{")
        out.append(escape(head))
        if not sep:
            break
        name, close, after = tail.partition("}")
        if close and name in ("page", "pages"):
            out.append("#p" if name == "page" else "#n")
            rest = after
        else:
            out.append(escape("{"))
            rest = tail
    return "".join(out)


class Converter:
    """Token stream -> Typst body markup; one small handler per token type."""

    def __init__(self):
        self.md = markdown_parser()

    def document(self, title: str, body: str, m: Metrics) -> tuple[str, str]:
        """(Typst source, disclaimer used) for one page."""
        tokens, disclaimer, has_h1 = page_tokens(self.md, body, m)
        text = self.blocks(tokens)
        if not has_h1:
            text = f"#heading(level: 1)[{escape(title)}]\n\n" + text
        return preamble(m, title, disclaimer) + text, disclaimer

    def blocks(self, tokens) -> str:
        out: list[str] = []
        stack: list[list[str]] = [out]  # open containers collect their children
        for tok in tokens:
            handler = getattr(self, "_" + tok.type, None)
            if handler is not None:
                handler(tok, stack)
        return "".join(out)

    # block handlers: a container pushes a list on open; on close it wraps what its
    # children wrote. Text is fully escaped, so a bare paragraph can't become markup.
    def _heading_open(self, tok, stack):
        stack.append([])

    def _heading_close(self, tok, stack):
        inner = "".join(stack.pop())
        stack[-1].append(f"#heading(level: {int(tok.tag[1])})[{inner}]\n\n")

    def _paragraph_close(self, tok, stack):
        stack[-1].append("\n" if tok.hidden else "\n\n")  # hidden: tight list item

    def _bullet_list_open(self, tok, stack):
        stack.append([])

    def _bullet_list_close(self, tok, stack):
        items = stack.pop()  # pop before appending: stack[-1] must be the parent
        stack[-1].append("#list(" + ", ".join(items) + ")\n\n")

    def _ordered_list_open(self, tok, stack):
        stack.append([f"start: {int(tok.attrGet('start') or 1)}"])

    def _ordered_list_close(self, tok, stack):
        items = stack.pop()
        stack[-1].append("#enum(" + ", ".join(items) + ")\n\n")

    def _list_item_open(self, tok, stack):
        stack.append([])

    def _list_item_close(self, tok, stack):
        inner = "".join(stack.pop()).strip()
        stack[-1].append(f"[{inner}]")

    def _blockquote_open(self, tok, stack):
        stack.append([])

    def _blockquote_close(self, tok, stack):
        inner = "".join(stack.pop())
        stack[-1].append(f"#quote(block: true)[{inner}]\n\n")

    def _hr(self, tok, stack):
        stack[-1].append("#line(length: 100%)\n\n")

    def _fence(self, tok, stack):
        stack[-1].append(f"#raw(block: true, {string(tok.content)})\n\n")

    _code_block = _fence

    def _inline(self, tok, stack):
        stack[-1].append(self.inline(tok.children or ()))

    def inline(self, children) -> str:
        out: list[str] = []
        stack: list[list[str]] = [out]
        for child in children:
            kind = child.type
            if kind == "text":
                stack[-1].append(escape(child.content))
            elif kind == "softbreak":
                stack[-1].append(" ")
            elif kind == "hardbreak":
                stack[-1].append("#linebreak()")
            elif kind == "code_inline":
                stack[-1].append(f"#raw({string(child.content)})")
            elif kind in ("strong_open", "em_open", "link_open"):
                stack.append([])
            elif kind in ("strong_close", "em_close", "link_close"):
                inner = "".join(stack.pop())
                if kind == "strong_close":
                    inner = f"#strong[{inner}]"
                elif kind == "em_close":
                    inner = f"#emph[{inner}]"
                stack[-1].append(inner)  # a link prints its text: this is paper
            elif kind == "image":
                stack[-1].append(escape(child.content))
            else:  # html_inline is disabled; anything else prints as text
                stack[-1].append(escape(child.content or ""))
        return "".join(out)

