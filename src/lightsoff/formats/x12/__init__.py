"""The X12 codec: 850 purchase orders in; 997/999, 855 and 856 out; 997/999 acknowledgements in.

Pure functions over bytes, no I/O. The public API:

    read_x12(data, *, limits=X12Limits()) -> ReadDocument          850s as canonical orders + located problems
    reply_envelope(document, ...) -> Envelope                      envelope for an answer: ids swapped, version mirrored
    write_functional_ack(document, envelope) -> bytes              997 (4010 and older) or 999 (5010 and newer)
    write_997(document, envelope) / write_999(document, envelope) -> bytes
    write_855(acknowledgement, envelope) -> bytes                  from domain.documents_out.OrderAcknowledgement
    write_856(notice, envelope) -> bytes                           from domain.documents_out.ShipmentNotice
    read_functional_ack(data, *, limits=X12Limits()) -> FunctionalAck   what a partner's 997/999 accepted or rejected

``X12Error`` (located) is the only error reading raises; ``X12WriteError`` the only one writing raises.
docs/formats/x12.md has the mapping tables, the limits and the problem codes.
"""

from lightsoff.formats.x12.ack import (
    ElementError,
    FunctionalAck,
    GroupAck,
    SegmentError,
    SetAck,
    read_functional_ack,
    reply_envelope,
    write_997,
    write_999,
    write_functional_ack,
)
from lightsoff.formats.x12.errors import X12Error, X12LimitExceeded, X12WriteError
from lightsoff.formats.x12.outbound import write_855, write_856
from lightsoff.formats.x12.reader import read_x12
from lightsoff.formats.x12.tokens import Delimiters, X12Limits
from lightsoff.formats.x12.writer import Envelope

__all__ = [
    "Delimiters",
    "ElementError",
    "Envelope",
    "FunctionalAck",
    "GroupAck",
    "SegmentError",
    "SetAck",
    "X12Error",
    "X12LimitExceeded",
    "X12Limits",
    "X12WriteError",
    "read_functional_ack",
    "read_x12",
    "reply_envelope",
    "write_855",
    "write_856",
    "write_997",
    "write_999",
    "write_functional_ack",
]
