"""Settings stage: strict YAML loading, shared by pages, styles and config.

Never constructs Python objects, never coerces text (YAML 1.1 `NO` -> False), and
refuses aliases (billion-laughs) and duplicate keys instead of silently keeping one.
"""

from __future__ import annotations

import yaml

from ..errors import HandoutError
from ..safefile import read_limited

MAX_YAML_BYTES = 256 * 1024
MAX_YAML_DEPTH = 20  # nested mappings and lists; a style needs 3, a page's front matter 2


class StrictLoader(yaml.SafeLoader):
    """SafeLoader whose plain scalars stay strings; schemas convert them."""


# Keep only the null resolver: `title: NO` stays "NO", `code: 0012345` stays text.
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _compose_alias(self):  # aliases are how YAML bombs multiply; no page needs them
    event = self.peek_event()
    raise yaml.composer.ComposerError(
        None, None, "aliases (*name) are not allowed", event.start_mark
    )


def _compose_node(self, parent, index):
    if self.check_event(yaml.AliasEvent):
        _compose_alias(self)
    # The composer recurses per level: 400 nested '[' would be a RecursionError.
    self.depth = getattr(self, "depth", 0) + 1
    try:
        if self.depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_YAML_DEPTH} levels deep",
                self.peek_event().start_mark)
        return yaml.SafeLoader.compose_node(self, parent, index)
    finally:
        self.depth -= 1


StrictLoader.compose_node = _compose_node


def _construct_mapping(self, node, deep=False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = self.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"keys must be text, found {type(key).__name__}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return yaml.SafeLoader.construct_mapping(self, node, deep=True)


StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_yaml_file(path, what: str):
    """Read and parse a YAML file (a style, the config): a regular file of at most
    MAX_YAML_BYTES, UTF-8, strict."""
    raw = read_limited(path, MAX_YAML_BYTES, what)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HandoutError(f"cannot read {what}: not valid UTF-8 (byte "
                           f"0x{raw[exc.start]:02x})", path, line) from None
    return load_yaml(text, path)


def load_yaml(text: str, file: object, line_offset: int = 0):
    """Parse `text` strictly; errors name `file` and the line (plus `line_offset`)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise HandoutError(f"YAML is larger than {MAX_YAML_BYTES // 1024} KiB", file)
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        reason = exc.problem or exc.context
        if exc.context and exc.context_mark and exc.problem_mark:
            started = exc.context_mark.line + 1 + line_offset
            reason += f" ({exc.context} started on line {started})"
        raise HandoutError(f"invalid YAML: {reason}", file, line) from None
    except yaml.YAMLError as exc:
        raise HandoutError(f"invalid YAML: {' '.join(str(exc).split())[:200]}", file) from None
