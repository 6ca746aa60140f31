"""How much of a spreadsheet lightsoff will read, so a hostile or broken file costs little before it is refused."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpreadsheetLimits:
    max_bytes: int = 10 * 1024 * 1024
    """The file as sent; checked before anything is parsed."""
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    """XLSX: the sum of the zip members' sizes once unpacked (a zip bomb declares, or reaches, far more)."""
    max_compression_ratio: int = 200
    """XLSX: unpacked size per packed byte, per member; real sheets stay well under 100."""
    max_members: int = 1000
    """XLSX: the number of files in the zip."""
    max_rows: int = 100_000
    max_columns: int = 200


DEFAULT_LIMITS = SpreadsheetLimits()
