"""Markdown -> HTML + CSS for the WeasyPrint comparison engine.

markdown-it renders the body (raw HTML disabled, so it prints as text); the footer (the
page's disclaimer and "Page X of Y") is a CSS @page @bottom-center box on every page.
"""

from __future__ import annotations

import html

from .common import FONT_DIR, Metrics, markdown_parser, page_tokens


def font_css() -> str:
    """@font-face rules for the four bundled DejaVu Sans files (no system fonts)."""
    faces = (("DejaVuSans", "normal", "normal"), ("DejaVuSans-Bold", "bold", "normal"),
             ("DejaVuSans-Oblique", "normal", "italic"),
             ("DejaVuSans-BoldOblique", "bold", "italic"))
    return "".join(
        f'@font-face {{ font-family: "Handout Sans"; src: url("{(FONT_DIR / f"{stem}.ttf").as_uri()}");'
        f" font-weight: {weight}; font-style: {style}; }}\n"
        for stem, weight, style in faces)


def base_css(m: Metrics) -> str:
    """Everything but the per-page footer text: page box, fonts, sizes from the style."""
    size = "letter" if m.paper == "letter" else "A4"
    return font_css() + f"""
@page {{
  size: {size};
  margin: {m.margin_top}pt {m.margin_right}pt {m.margin_bottom + 72}pt {m.margin_left}pt;
  @bottom-center {{
    font-family: "Handout Sans"; font-size: {m.footer_size}pt; line-height: {m.footer_leading}pt;
    white-space: pre-line; text-align: left; vertical-align: top; width: 100%;
    padding-top: 10pt; border-top: 0.75pt solid #8A8A8A;
  }}
}}
html {{ font-family: "Handout Sans"; font-size: {m.body_size}pt; line-height: {m.body_leading}pt;
        color: #111111; }}
h1 {{ font-size: {m.title_size}pt; line-height: {m.title_leading}pt; color: #0B3C5D;
      margin: 0 0 6pt 0; }}
h2, h3, h4, h5, h6 {{ font-size: {m.heading_size}pt; line-height: {m.heading_leading}pt;
      color: #0B3C5D; margin: 16pt 0 6pt 0; page-break-after: avoid; }}
p {{ margin: 0 0 8pt 0; }}
ul, ol {{ margin: 0 0 8pt 0; padding-left: 22pt; }}
li {{ margin-bottom: 4pt; }}
"""


def css_string(text: str) -> str:
    """A CSS string literal holding `text` exactly (quotes, backslashes, newlines)."""
    out = []
    for c in text:
        if c in '"\\' or ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\{ord(c):x} ")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def footer_css(m: Metrics, disclaimer: str) -> str:
    """The per-page @bottom-center content: disclaimer, then the page label."""
    parts, rest = [css_string(disclaimer + "\n")], m.page_label
    while rest:
        head, sep, tail = rest.partition("{")
        if head:
            parts.append(css_string(head))
        if not sep:
            break
        name, close, after = tail.partition("}")
        if close and name in ("page", "pages"):
            parts.append(f"counter({name})")
            rest = after
        else:
            parts.append(css_string("{"))
            rest = tail
    return "@page { @bottom-center { content: " + " ".join(parts) + "; } }"


class Converter:
    def __init__(self):
        self.md = markdown_parser()

    def document(self, title: str, body: str, m: Metrics) -> tuple[str, str]:
        """(HTML document, disclaimer used) for one page."""
        tokens, disclaimer, has_h1 = page_tokens(self.md, body, m)
        body_html = self.md.renderer.render(tokens, self.md.options, {})
        if not has_h1:
            body_html = f"<h1>{html.escape(title)}</h1>\n" + body_html
        doc = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
               f"<title>{html.escape(title)}</title></head><body>{body_html}</body></html>")
        return doc, disclaimer
