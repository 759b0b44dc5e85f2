"""Read stage: Markdown text -> model blocks (paragraphs, headings, lists, code, rules),
with page line numbers. Raw HTML is text: markdown-it runs with HTML off.

Uses markdown-it-py only; knows nothing of sections, styles or PDF.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from ..errors import HandoutError
from ..model import Heading, ListBlock, ListItem, Paragraph, Preformatted, Rule, Run

MAX_NESTING = 40  # markdown-it block levels: each list adds two (list + item)
MAX_INLINE_NESTING = 20  # emphasis and links inside each other, within one paragraph

_md = None


def _markdown():
    global _md  # one parser per process: building the rule chains is not free
    if _md is None:
        # commonmark passes raw HTML through; content is untrusted, so HTML is text.
        _md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
        _md.disable(["html_block", "html_inline"], ignoreInvalid=True)
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
    state = {"bold": 0, "italic": 0}
    for child in _inline_tokens(node):
        _inline_token(child, state, runs)
    return _merge(runs)


def _inline_tokens(node):
    token = node.token if hasattr(node, "token") and node.token else None
    if token is not None and token.children is not None:
        return token.children
    return [n.token for n in node.children if getattr(n, "token", None)]


def _inline_token(tok, state, runs) -> None:
    t = tok.type
    if t in ("strong_open", "strong_close"):
        state["bold"] += 1 if t.endswith("open") else -1
    elif t in ("em_open", "em_close"):
        state["italic"] += 1 if t.endswith("open") else -1
    elif t == "text" or t in ("html_inline",):
        runs.append(Run(tok.content, state["bold"] > 0, state["italic"] > 0))
    elif t == "code_inline":
        runs.append(Run(tok.content, state["bold"] > 0, state["italic"] > 0, code=True))
    elif t == "softbreak":
        runs.append(Run(" ", state["bold"] > 0, state["italic"] > 0))
    elif t == "hardbreak":
        runs.append(Run("\n", state["bold"] > 0, state["italic"] > 0))
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
        if last and (last.bold, last.italic, last.code) == (run.bold, run.italic, run.code):
            merged[-1] = Run(last.text + run.text, run.bold, run.italic, run.code)
        else:
            merged.append(run)
    return tuple(merged)
