"""EDIFACT codec: read ORDERS (D96A, D01B, EANCOM) into canonical orders; write CONTRL, ORDRSP, DESADV; read CONTRL.

Pure functions over bytes, no I/O. The public API:

    read_edifact(data, *, limits=EdifactLimits()) -> ReadDocument
    write_contrl(received, *, interchange_reference, prepared_at, message_reference="1", index=0) -> bytes
    write_ordrsp(acknowledgement, envelope) -> bytes
    write_desadv(notice, envelope) -> bytes
    read_contrl(data, *, limits=EdifactLimits()) -> tuple[ContrlReport, ...]

``EdifactError`` (a ``LightsoffError``) is raised only when the bytes cannot be read as EDIFACT at all
(a limit exceeded, no UNB, a broken UNA); everything else is a located ``DocumentProblem``. Modules:
``lexer`` (bytes to segments), ``envelope`` (interchanges, groups, messages and their checks),
``orders`` (ORDERS to the canonical shape), ``reader``, ``writer`` (envelope and serialisation),
``ordrsp``, ``desadv``, ``contrl``, ``syntax`` (UNA and syntax levels), ``values`` (dates, numbers).
See docs/formats/edifact.md.
"""

from lightsoff.formats.edifact.contrl import ContrlReport, MessageReport, read_contrl, write_contrl
from lightsoff.formats.edifact.desadv import write_desadv
from lightsoff.formats.edifact.errors import EdifactError
from lightsoff.formats.edifact.lexer import EdifactLimits
from lightsoff.formats.edifact.ordrsp import write_ordrsp
from lightsoff.formats.edifact.reader import read_edifact
from lightsoff.formats.edifact.syntax import Delimiters
from lightsoff.formats.edifact.writer import EdifactEnvelope

__all__ = [
    "ContrlReport",
    "Delimiters",
    "EdifactEnvelope",
    "EdifactError",
    "EdifactLimits",
    "MessageReport",
    "read_contrl",
    "read_edifact",
    "write_contrl",
    "write_desadv",
    "write_ordrsp",
]
