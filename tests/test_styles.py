"""Styles: inheritance, validation errors that say file/key/expected/found, selection."""

from __future__ import annotations

import pytest

from helpers import ROOT, read_back, run_cli

SEED_CONTENT = ROOT / "content"


def _build(tmp_path, style_arg):
    return run_cli("build", "ixabepilone", "--content", SEED_CONTENT, "--out", tmp_path / "out",
                   "--style", style_arg)


def _style(tmp_path, name, text):
    folder = tmp_path / "styles"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_extending_style_overrides_only_what_differs(tmp_path, monkeypatch):
    _style(tmp_path, "big", "extends: default\npage: {size: a4}\nbody: {size: 16, leading: 24}\n")
    monkeypatch.chdir(tmp_path)  # a style named, not a path: found in ./styles/
    result = _build(tmp_path, "big")
    assert result.exit_code == 0, result.output
    page = read_back(tmp_path / "out" / "ixabepilone.big.pdf").pages[0]
    assert (round(page.width), round(page.height)) == (595, 842)
    sizes = {round(c["size"]) for c in page.chars}
    assert 16 in sizes and 14 not in sizes  # body changed, headings (18) inherited
    assert 18 in sizes


def _rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _same_colour(a, b) -> bool:
    return a is not None and len(a) == len(b) and all(abs(x - y) < 0.002 for x, y in zip(a, b))


def test_style_by_path(tmp_path):
    """A style given by its path is the one used: the handout is the default one but
    for the body text, which prints in the style's colour (black), and only it."""
    from handouts.settings.style import load_style

    path = _style(tmp_path, "letter", "extends: default\nbody: {colour: '#000000'}\n")
    result = _build(tmp_path / "by-path", str(path))
    assert result.exit_code == 0, result.output
    assert "ixabepilone.letter.pdf (" in result.output
    default = _build(tmp_path / "default", "default")
    assert default.exit_code == 0, default.output
    ours, theirs = (read_back(path).pages for path in (
        tmp_path / "by-path" / "out" / "ixabepilone.letter.pdf",
        tmp_path / "default" / "out" / "ixabepilone.pdf"))
    chars = [(a, b) for pa, pb in zip(ours, theirs, strict=True)
             for a, b in zip(pa.chars, pb.chars, strict=True)]
    assert all((a["text"], a["x0"], a["top"]) == (b["text"], b["x0"], b["top"])
               for a, b in chars)  # the same layout
    body, black = _rgb(load_style().body.colour), (0.0, 0.0, 0.0)
    assert body != black
    changed = [(a, b) for a, b in chars
               if not _same_colour(a["non_stroking_color"], b["non_stroking_color"])]
    assert len(changed) > 1000  # the body text of a two-page handout
    assert all(_same_colour(a["non_stroking_color"], black)
               and _same_colour(b["non_stroking_color"], body) for a, b in changed)
    assert not any(_same_colour(b["non_stroking_color"], black) for _, b in chars)


BAD = {
    "unknown-key": ("extends: default\nbody: {fontsize: 12}\n", "body.fontsize: unknown key"),
    "bad-colour": ("extends: default\nbody: {colour: red}\n",
                   "body.colour: expected a colour like '#1A2B3C', found 'red'"),
    "zero-size": ("extends: default\nbody: {size: 0}\n",
                  "body.size: expected a number from 10 to 72 pt, found '0'"),
    "huge-size": ("extends: default\nbody: {size: 1e6}\n", "body.size: expected a number"),
    "negative-margin": ("extends: default\npage: {margin_left: -5}\n", "page.margin_left: expected"),
    "wide-margins": ("extends: default\npage: {margin_left: 4in, margin_right: 4in}\n",
                     "page.margin_left + page.margin_right: expected at most"),
    "unknown-font": ("extends: default\nfonts: {regular: ../../etc/passwd}\n",
                     "fonts.regular: expected one of"),
    "unknown-parent": ("extends: nosuchstyle\n", "extends: unknown style 'nosuchstyle'"),
    "wrong-type": ("extends: default\nbody: 12\n", "body: expected a mapping of keys, found '12'"),
    "python-tag": ("extends: default\nbody: !!python/object/apply:os.system ['true']\n",
                   "could not determine a constructor"),
    "leading-below-size": ("extends: default\nbody: {size: 20, leading: 12}\n",
                           "body.leading: expected at least body.size"),
    "incomplete-root": ("body: {size: 12}\n", "page: missing"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_style_names_file_key_expected_found(tmp_path, name):
    text, message = BAD[name]
    path = _style(tmp_path, name, text)
    result = _build(tmp_path, str(path))
    assert result.exit_code != 0
    assert f"{name}.yaml" in result.output and message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "ixabepilone.pdf").exists()


def test_extends_cycle_is_an_error(tmp_path):
    _style(tmp_path, "a", "extends: b\n")
    path = _style(tmp_path, "b", "extends: a\n")
    result = _build(tmp_path, str(path))
    assert result.exit_code != 0
    assert f"{path}: extends: cycle b.yaml -> a.yaml -> b.yaml" in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "ixabepilone.pdf").exists()


def test_unknown_style_name_lists_known(tmp_path):
    result = _build(tmp_path, "nosuch")
    assert result.exit_code != 0 and "unknown style 'nosuch'" in result.output
    for known in ("default", "large-print", "monochrome"):
        assert known in result.output, result.output
    assert not (tmp_path / "out" / "ixabepilone.pdf").exists()


def test_default_style_meets_print_standards():
    """Body >= 14 pt (RNIB), warning text contrast >= 4.5:1 (WCAG AA) on its fill."""
    from handouts.settings.style import load_style

    style = load_style()
    assert style.body.size >= 14 and style.body.leading >= 1.4 * style.body.size
    w = style.warning
    assert _contrast(w.text_colour, w.fill) >= 4.5
    assert _contrast(w.label_colour, w.label_fill) >= 4.5
    assert _contrast(style.body.colour, "#FFFFFF") >= 4.5


def _contrast(fg: str, bg: str) -> float:
    def lum(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
