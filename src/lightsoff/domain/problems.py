"""Problems found in what a partner sent: where, what, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with an input document.

    ``path`` is a JSONPath into the document as sent (``$.lines[2].quantity``); ``code`` is stable
    for programs to branch on; ``message`` says what is wrong and how to fix it, for a person.
    """

    path: str
    code: str
    message: str

    def to_data(self) -> dict[str, Any]:
        return {"path": self.path, "code": self.code, "message": self.message}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FieldProblem:
        return cls(path=data["path"], code=data["code"], message=data["message"])
