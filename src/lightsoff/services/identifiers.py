"""The identifier service: the one place lightsoff mints canonical ids, each exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lightsoff.domain import gs1
from lightsoff.domain.identifiers import IdFormat
from lightsoff.services.ports import Sequences


@dataclass(frozen=True, slots=True)
class SsccSettings:
    company_prefix: str
    extension_digit: int = 0


DEFAULT_DOCUMENT_FORMAT = IdFormat("document", "DOC-{year}-{seq:06d}")


@dataclass(frozen=True, slots=True)
class IdentifierService:
    order_format: IdFormat
    exception_format: IdFormat
    sscc: SsccSettings
    document_format: IdFormat = DEFAULT_DOCUMENT_FORMAT

    def next_order_id(self, sequences: Sequences, today: date) -> str:
        return self._next(self.order_format, sequences, today)

    def next_exception_id(self, sequences: Sequences, today: date) -> str:
        return self._next(self.exception_format, sequences, today)

    def next_document_id(self, sequences: Sequences, today: date) -> str:
        return self._next(self.document_format, sequences, today)

    def next_control_number(self, sequences: Sequences, partner: str, document_format: str) -> int:
        """The next interchange control number lightsoff sends ``partner`` in ``document_format``.

        Increasing per partner and format, from 1, persisted with everything else, so a restart never
        reuses one. X12 allows nine digits: after 999,999,999 it is an error, not a silent wrap.
        """
        return sequences.next_value(f"control:{partner}:{document_format}")

    def next_sscc(self, sequences: Sequences) -> str:
        """A new pallet id; the sequence is per company prefix, so a prefix change never reuses a serial."""
        serial = sequences.next_value(f"sscc:{self.sscc.extension_digit}{self.sscc.company_prefix}")
        return gs1.build_sscc(self.sscc.extension_digit, self.sscc.company_prefix, serial)

    @staticmethod
    def _next(id_format: IdFormat, sequences: Sequences, today: date) -> str:
        return id_format.render(sequences.next_value(id_format.sequence_name(today)), today)
