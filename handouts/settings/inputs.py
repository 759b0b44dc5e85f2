"""Settings stage: where a build's config and style come from (the inputs locator).

Paths and names only, so a worker process can load them itself: the loaded objects hold
ReportLab state and do not pickle; these do. Never reads a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .style import find_style, load_style


@dataclass(frozen=True)
class Inputs:
    """Where a build's config and style come from: paths and names only, so a worker
    process can load them itself (loaded objects hold ReportLab state; these pickle)."""

    config_path: Path | None = None
    style_name: str | None = None  # None: the config's style
    search: tuple[Path, ...] = ()  # workspace style folders, before the built-in ones
    paper: str | None = None  # overrides the config's paper (the web page's choice)

    @classmethod
    def locate(cls, config_path: Path | None, style_name: str | None) -> "Inputs":
        """Style names are looked up in ./styles, then in styles/ beside the config."""
        search = [Path("styles")]
        if config_path is not None and (config_path.parent / "styles").resolve() != \
                search[0].resolve():
            search.append(config_path.parent / "styles")
        return cls(config_path, style_name, tuple(search))

    def load(self):
        """(Config, Style): the config and the style it (or --style) selects."""
        config = load_config(self.config_path)
        paper = self.paper or config.paper
        overrides = {"page": {"size": paper}} if paper else None
        named_in = None if self.style_name else config.path  # the config's style: checked
        style = load_style(self.style_name or config.style, self.search, overrides, named_in)
        return config, style

    def variant(self, config, style) -> str:
        """'' for the clinic's own style, else the style's name: it goes into output
        file names (out/NAME.large-print.pdf), so styles never overwrite each other."""
        if self.style_name is None:
            return ""
        if find_style(config.style, self.search).resolve() == style.chain[0].resolve():
            return ""
        return style.name
