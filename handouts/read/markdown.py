"""Read stage: Markdown text -> model blocks (paragraphs, headings, lists, code, rules),
with page line numbers. Raw HTML is text, except a few inline tags that mean the same
in any handout (<sup>, <sub>, <i>/<em>, <b>/<strong>, <br>), which are formatting.

Uses markdown-it-py only; knows nothing of sections, styles or PDF.
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from ..errors import HandoutError
from ..model import Heading, ListBlock, ListItem, Paragraph, Preformatted, Rule, Run

MAX_NESTING = 40  # markdown-it block levels: each list adds two (list + item)
MAX_INLINE_NESTING = 20  # emphasis and links inside each other, within one paragraph

_md = None


# Inline tags kept as formatting, by name; their attributes are never honoured. Any
# other tag, and one of these without its partner in the same paragraph, is text.
_SAFE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "sup": "sup",
         "sub": "sub"}
_OPEN = re.compile(r"<([a-z]+)(\s[^<>]*)?>\Z", re.I)
_CLOSE = re.compile(r"</([a-z]+)\s*>\Z", re.I)
_BREAK = re.compile(r"<br(\s[^<>]*)?/?>\Z", re.I)


def _markdown():
    global _md  # one parser per process: building the rule chains is not free
    if _md is None:
        # Content is untrusted: no HTML blocks at all, and inline HTML only as tokens
        # that _inline_token reads (the safe tags) or prints as text (everything else).
        _md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
        _md.disable(["html_block"], ignoreInvalid=True)
    return _md


def markdown_blocks(body: str, first_line: int = 1, source=None) -> list:
    """Markdown text -> model blocks, with page line numbers."""
    tokens = _markdown().parse(body)
    _check_nesting(tokens, first_line, source)
    return _blocks(SyntaxTreeNode(tokens).children, first_line - 1)


def _check_nesting(tokens, first_line: int, source) -> None:
    """markdown-it silently drops the rest of a page past maxNesting: refuse instead."""
    for token in tokens:  # '*' * 500 + 'x' + '*' * 500: a tree too deep to walk
        if token.children and _inline_depth(token.children) > MAX_INLINE_NESTING:
            raise HandoutError(f"emphasis or links nested deeper than {MAX_INLINE_NESTING} "
                               "levels", source, token.map[0] + first_line if token.map else None)
    deepest = max(tokens, key=lambda t: t.level, default=None)
    if deepest is not None and deepest.level >= MAX_NESTING - 1:
        line = next((t.map[0] + first_line for t in tokens
                     if t.level >= MAX_NESTING - 1 and t.map), None)
        raise HandoutError(
            f"lists or quotes nested deeper than {MAX_NESTING // 2} levels", source, line)


def _inline_depth(children) -> int:
    depth = deepest = 0
    for child in children:
        depth += child.nesting
        deepest = max(deepest, depth)
    return deepest


def _line(node, offset: int) -> int | None:
    return node.map[0] + 1 + offset if node.map else None


def _blocks(nodes, offset: int) -> list:
    out = []
    for node in nodes:
        block = _block(node, offset)
        if block is not None:
            out.append(block)
    return out


def _block(node, offset: int):
    kind = node.type
    line = _line(node, offset)
    if kind == "paragraph":
        return Paragraph(_inline(node.children[0]) if node.children else (), line)
    if kind == "heading":
        return Heading(_inline(node.children[0]) if node.children else (), int(node.tag[1]), line)
    if kind in ("bullet_list", "ordered_list"):
        items = tuple(ListItem(tuple(_blocks(item.children, offset))) for item in node.children)
        start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 1
        return ListBlock(items, kind == "ordered_list", start, line)
    if kind in ("code_block", "fence"):
        return Preformatted(node.content.rstrip("\n"), line)
    if kind == "hr":
        return Rule(line)
    if kind == "blockquote":
        return _flatten_quote(node, offset)
    if kind == "text":  # markdown-it emits text at block level past maxNesting
        return Paragraph((Run(node.content),), line) if node.content.strip() else None
    return Paragraph((Run(node.content or ""),), line) if node.content else None


def _flatten_quote(node, offset):
    """A quote prints as its blocks; nothing in it is lost."""
    inner = _blocks(node.children, offset)
    if len(inner) == 1:
        return inner[0]
    return ListBlock((ListItem(tuple(inner)),), line=_line(node, offset)) if inner else None


def _inline(node) -> tuple[Run, ...]:
    runs: list[Run] = []
    state = {"bold": 0, "italic": 0, "sup": 0, "sub": 0}
    tokens = _inline_tokens(node)
    state["tags"] = _paired_tags(tokens)
    for child in tokens:
        _inline_token(child, state, runs)
    return _merge(runs)


def _paired_tags(tokens) -> dict[int, tuple[str, int]]:
    """id(token) -> (formatting, +1 open / -1 close) for each safe inline tag that has
    its partner in the same paragraph, and for <br>; the rest print as text."""
    paired: dict[int, tuple[str, int]] = {}
    open_tags: dict[str, list] = {}
    for tok in tokens:
        if tok.type != "html_inline":
            continue
        opened, closed = _OPEN.match(tok.content), _CLOSE.match(tok.content)
        if _BREAK.match(tok.content):
            paired[id(tok)] = ("break", 0)
        elif opened and opened.group(1).lower() in _SAFE:
            open_tags.setdefault(opened.group(1).lower(), []).append(tok)
        elif closed and open_tags.get(closed.group(1).lower()):
            name = closed.group(1).lower()
            paired[id(open_tags[name].pop())] = (_SAFE[name], 1)
            paired[id(tok)] = (_SAFE[name], -1)
    return paired


def _inline_tokens(node):
    token = node.token if hasattr(node, "token") and node.token else None
    if token is not None and token.children is not None:
        return token.children
    return [n.token for n in node.children if getattr(n, "token", None)]


def _run(text: str, state, code: bool = False) -> Run:
    script = "sup" if state["sup"] > 0 else "sub" if state["sub"] > 0 else ""
    return Run(text, state["bold"] > 0, state["italic"] > 0, code, script)


def _inline_token(tok, state, runs) -> None:
    t = tok.type
    if t in ("strong_open", "strong_close"):
        state["bold"] += 1 if t.endswith("open") else -1
    elif t in ("em_open", "em_close"):
        state["italic"] += 1 if t.endswith("open") else -1
    elif t == "html_inline" and id(tok) in state["tags"]:
        kind, step = state["tags"][id(tok)]
        if kind == "break":
            runs.append(_run("\n", state))
        else:
            state[kind] += step
    elif t in ("text", "html_inline"):
        runs.append(_run(tok.content, state))
    elif t == "code_inline":
        runs.append(_run(tok.content, state, code=True))
    elif t == "softbreak":
        runs.append(_run(" ", state))
    elif t == "hardbreak":
        runs.append(_run("\n", state))
    elif t == "link_close":
        href = state.pop("href", "")
        if href and href not in (runs[-1].text if runs else ""):
            runs.append(Run(f" ({href})"))
    elif t == "link_open":
        state["href"] = tok.attrs.get("href", "")
    elif t == "image":
        alt = tok.content or "".join(c.content for c in tok.children or [])
        runs.append(Run(f"[image: {alt}]" if alt else "[image]"))
    elif tok.content:
        runs.append(Run(tok.content))


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        last = merged[-1] if merged else None
        if last and replace(last, text="") == replace(run, text=""):
            merged[-1] = replace(last, text=last.text + run.text)
        else:
            merged.append(run)
    return tuple(merged)
