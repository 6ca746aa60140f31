"""The OpenAPI document speaks JSON Schema only: a client (or the fuzzer) can rely on every bound it states."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lightsoff.api.app import create_app
from lightsoff.bootstrap import Lightsoff

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PYDANTIC_ONLY = {"ge", "le", "gt", "lt"}


def schemas(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from schemas(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas(value, f"{path}[{index}]")


def test_bounds_are_written_as_json_schema_keywords(lightsoff: Lightsoff) -> None:
    document = create_app(lightsoff).openapi()
    unreadable = [
        f"{path}: {sorted(PYDANTIC_ONLY & set(node))}"
        for path, node in schemas(document)
        if "type" in node and PYDANTIC_ONLY & set(node)
    ]
    assert not unreadable, "bounds JSON Schema cannot read (use minimum/maximum):\n" + "\n".join(unreadable)
