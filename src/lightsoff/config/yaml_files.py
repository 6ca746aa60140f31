"""YAML with line numbers: the data of a file, and where in it each value was written.

PyYAML's composer keeps each node's position; the loaders keep only values. Reading both lets a
validation error on ``ship_to[2].code`` point at the line a person has to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lightsoff.config.problems import Loc, key_path


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: Path
    data: Any
    lines: dict[Loc, int]
    repeated_keys: list[tuple[Loc, int, int]] = field(default_factory=list)
    """(key, line, line of its first occurrence): a key written twice in one mapping, which YAML drops."""

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest node along ``loc`` that exists (a missing key points at its parent)."""
        for depth in range(len(loc), -1, -1):
            line = self.lines.get(loc[:depth])
            if line is not None:
                return line
        return 1

    def field(self, loc: Loc) -> str:
        return key_path(loc)


class YamlError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")


def read_yaml(path: Path) -> YamlDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(path, 1, "not UTF-8 text: save the file as UTF-8") from exc
    except OSError as exc:
        raise YamlError(path, 1, f"cannot be read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(path, line, f"not valid YAML: {exc.problem}") from exc
    document = YamlDocument(path, data, {})
    if node is not None:
        _index(node, (), document)
    return document


def _index(node: yaml.Node, loc: Loc, document: YamlDocument) -> None:
    document.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*loc, str(key_node.value))
            line = key_node.start_mark.line + 1
            if key in document.lines:
                document.repeated_keys.append((key, line, document.lines[key]))
            _index(value_node, key, document)
            document.lines[key] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*loc, index), document)
