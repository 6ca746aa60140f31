"""Code examples from docs/: found by the ``<!-- example: NAME -->`` line before their fenced block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOCS = Path(__file__).parents[3] / "docs"


def example(document: str, name: str) -> str:
    text = (DOCS / document).read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n```[a-z]*\n(.*?)\n```", text, re.DOTALL)
    if match is None:
        raise LookupError(f"docs/{document} has no example {name!r}")
    return match.group(1) + "\n"


def run_python_example(document: str, name: str) -> dict[str, Any]:
    """Execute a Python example as a module (not as ``__main__``) and return its namespace."""
    namespace: dict[str, Any] = {"__name__": f"docs_example_{name.replace('-', '_')}"}
    exec(compile(example(document, name), f"docs/{document}:{name}", "exec"), namespace)
    return namespace
