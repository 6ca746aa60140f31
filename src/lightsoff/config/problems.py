"""Problems with configuration files, one line each: ``file:line: field: what is wrong and how to fix it``.

A person reads these, in a terminal or in the log of a server that refused to start, so each names
the place to edit and, where pydantic's own words would not, what to write there instead.
"""

from __future__ import annotations

import re
import types
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, Protocol, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]
Model = TypeVar("Model", bound=BaseModel)
_PLAIN_KEY = re.compile(r"^[\w-]+$")


class Document(Protocol):
    """A configuration file read into data, able to say where in it each value was written."""

    @property
    def path(self) -> Path: ...

    @property
    def data(self) -> Any: ...

    def line_of(self, loc: Loc) -> int: ...

    def field(self, loc: Loc) -> str:
        """How a person finds the value at ``loc`` on its line (a key path, a column)."""
        ...


@dataclass(frozen=True, slots=True)
class Loaded(Generic[Model]):
    """A file that validated: what it says, and where it says it (for the checks across values and files)."""

    document: Document
    config: Model


def problem(document: Document, loc: Loc, message: str) -> str:
    field = document.field(loc)
    where = f"{document.path}:{document.line_of(loc)}"
    return f"{where}: {field}: {message}" if field else f"{where}: {message}"


def repeats(values: Iterable[Hashable | None]) -> dict[int, int]:
    """Position → position of its first occurrence, for each value seen before (None is never a repeat)."""
    first: dict[Hashable, int] = {}
    found = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in first:
            found[index] = first[value]
        else:
            first[value] = index
    return found


def key_path(loc: Loc) -> str:
    """``ship_to[0].code``, ``customer_skus["A 1"]``: the path as a person would write it."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text


def validation_problems(document: Document, model: type[BaseModel], exc: ValidationError) -> Iterator[str]:
    for error in exc.errors(include_url=False):
        yield problem(document, _loc(error), _message(model, error))


def _loc(error: ErrorDetails) -> Loc:
    """The error's location, with a mapping key that failed validation as the text it was written as."""
    raw = error["loc"]
    return tuple(
        str(part) if index + 1 < len(raw) and raw[index + 1] == "[key]" else part
        for index, part in enumerate(raw)
        if part != "[key]"
    )


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    kind, value = error["type"], error["input"]
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        keys = ", ".join(allowed_keys(model, _loc(error)[:-1]))
        return f"not a key here; the keys here are: {keys}"
    if kind == "model_type":
        keys = ", ".join(allowed_keys(model, _loc(error)))
        found = "nothing" if value is None else f"a {type(value).__name__}"
        return f"should be keys and values ({keys}), found {found}"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"YAML read this as the number {value}: put it in quotes to keep it as text, leading zeros and all"
    if kind.startswith("time_delta"):
        return "not an ISO 8601 duration: PT30M is 30 minutes, PT4H four hours, P1D a day"
    return error["msg"].removeprefix("Value error, ")


def allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model takes at ``loc`` (a nested model's fields), or none if no model is there."""
    current: Any = model
    for part in loc:
        current = _step(_unwrap(current), part)
    current = _unwrap(current)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _step(annotation: Any, part: int | str) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        field = annotation.model_fields.get(part)
        return field.annotation if field is not None else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:  # key and value types
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """``X`` out of ``Annotated[X, …]`` and ``X | None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
