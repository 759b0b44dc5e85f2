"""The three engines, each as "page path -> PDF file" in one process.

Each engine does its set-up once (fonts, style, parser), as a long-running batch would;
`render` is what the benchmark times per page: read, parse, lay out, write the PDF.
"""

from __future__ import annotations

from pathlib import Path

from .common import FIXED_EPOCH, FONT_DIR, read_source, style_metrics


class MissingEngine(RuntimeError):
    """An engine's package or system library is not installed: say which, and how."""


class Handouts:
    name = "handouts"

    def __init__(self, out_dir: Path):
        from handouts.deliver.batch import build_one
        from handouts.settings.style import load_style

        self.out_dir, self.build_one = out_dir, build_one
        self.style = load_style("default")

    def render(self, path: Path) -> int:
        return self.build_one(path, path.stem, self.style, self.out_dir).pages


class Typst:
    name = "typst"

    def __init__(self, out_dir: Path):
        try:
            import typst
        except ImportError as exc:
            raise MissingEngine(f"typst is not installed ({exc}): pip install -e '.[bench]'")
        from .md_typst import Converter

        self.out_dir, self.metrics, self.convert = out_dir, style_metrics(), Converter()
        self.typst = typst
        # One compiler for the batch: the bundled fonts are loaded once, no system fonts,
        # so the output uses exactly the files handouts embeds.
        self.compiler = typst.Compiler(font_paths=[str(FONT_DIR)], ignore_system_fonts=True) \
            if hasattr(typst, "Compiler") else None

    def source(self, path: Path) -> str:
        src = read_source(path)
        return self.convert.document(src.title, src.body, self.metrics)[0]

    def render(self, path: Path) -> int:
        data = self.source(path).encode("utf-8")
        if self.compiler is not None:
            pdf = self.compiler.compile(input=data, format="pdf", timestamp=int(FIXED_EPOCH))
        else:  # older typst-py: one call does everything
            pdf = self.typst.compile(data, font_paths=[str(FONT_DIR)], ignore_system_fonts=True,
                                     format="pdf", timestamp=int(FIXED_EPOCH))
        (self.out_dir / f"{path.stem}.pdf").write_bytes(pdf)
        return 0  # counted afterwards, untimed


class WeasyPrint:
    name = "weasyprint"

    def __init__(self, out_dir: Path):
        try:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        except ImportError as exc:
            raise MissingEngine(
                f"WeasyPrint is not installed ({exc}): pip install -e '.[bench]'")
        except OSError as exc:  # the Python package is there, Pango is not
            raise MissingEngine(
                f"WeasyPrint needs Pango and HarfBuzz ({exc}): apt-get install -y "
                "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 "
                "libfontconfig1")
        from .md_html import Converter, base_css

        self.out_dir, self.metrics, self.convert = out_dir, style_metrics(), Converter()
        self.weasyprint = weasyprint
        self.fonts = FontConfiguration()
        # The static stylesheet (with the @font-face rules) is parsed once per batch.
        self.base = weasyprint.CSS(string=base_css(self.metrics), font_config=self.fonts)

    def render(self, path: Path) -> int:
        from .md_html import footer_css

        src = read_source(path)
        doc, disclaimer = self.convert.document(src.title, src.body, self.metrics)
        footer = self.weasyprint.CSS(string=footer_css(self.metrics, disclaimer),
                                     font_config=self.fonts)
        document = self.weasyprint.HTML(string=doc, base_url=str(path.parent)).render(
            stylesheets=[self.base, footer], font_config=self.fonts)
        document.write_pdf(self.out_dir / f"{path.stem}.pdf")
        return len(document.pages)


ENGINES = {cls.name: cls for cls in (Handouts, Typst, WeasyPrint)}
