"""What every inbound document codec returns: the orders found, each in canonical shape, and located problems.

A codec (X12, EDIFACT, CSV/XLSX, e-mail) reads bytes and returns a ``ReadDocument``. Each order it finds
is a dict in the canonical JSON shape (``OrderCreate``), so it goes through the same intake as a JSON
order; the partner code may be unknown to the codec (``None``) and is filled in by the service from
the envelope's sender id through the partner's profile. Problems say where, precisely enough for a
person to find the spot: segment number and tag (EDI), sheet, row and column (spreadsheets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    location: str
    """Where: ``segment 14 (PO1), element 3`` or ``sheet Orders, row 12, column C``."""
    code: str
    """Stable, for programs: ``count_mismatch``, ``control_number_mismatch``, ``missing_header``…"""
    message: str
    """For a person: what is wrong and how to fix it."""

    def to_data(self) -> dict[str, Any]:
        return {"location": self.location, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class DocumentOrder:
    """One order found in a document, in canonical shape, with where it came from."""

    order: dict[str, Any]
    """The canonical JSON shape (see ``lightsoff.formats.canonical_json.OrderCreate``); ``partner`` may be None."""
    location: str
    """For a person: ``interchange 000000905, group 1, transaction 0001 (segments 4-27)``."""
    reference: str
    """Stable, for programs: the control numbers that identify the order in its document."""
    problems: tuple[DocumentProblem, ...] = ()
    """Problems that make this order unusable (the other orders of the document stand on their own)."""


@dataclass(frozen=True, slots=True)
class ReadDocument:
    format: str
    """``x12``, ``edifact``, ``csv``, ``xlsx``, ``email``."""
    sender: str | None
    """What identifies the sender: the envelope's sender id (ISA06, UNB 0004) or the mail's From address."""
    orders: tuple[DocumentOrder, ...] = ()
    problems: tuple[DocumentProblem, ...] = ()
    """Problems with the document as a whole (a broken envelope, a missing header row)."""
    details: dict[str, Any] = field(default_factory=dict)
    """Format-specific facts worth keeping (receiver id, version, control numbers), JSON-ready."""
