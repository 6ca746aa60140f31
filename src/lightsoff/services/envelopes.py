"""The envelope of what lightsoff sends a partner, from its profile's ``documents`` section.

lightsoff is the sender (``our_id``); the partner is the receiver: ``partner_id`` when the profile
names one, else its first EDI sender id, else its first GLN, else its code. The version is the
profile's, or X12 004010 / EDIFACT D96A when it names none (an order that came as JSON has no
version to mirror). The control number is the one ``DocumentIssuer`` allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lightsoff.domain.documents_out import OrderAcknowledgement, ShipmentNotice
from lightsoff.domain.reference_data import EdiParties, Partner
from lightsoff.formats.edifact.desadv import write_desadv
from lightsoff.formats.edifact.ordrsp import write_ordrsp
from lightsoff.formats.edifact.writer import EdifactEnvelope
from lightsoff.formats.x12.outbound import write_855, write_856
from lightsoff.formats.x12.writer import Envelope

DEFAULT_VERSIONS = {"x12": "004010", "edifact": "D96A"}
KINDS = {"order_response": {"x12": "855", "edifact": "ORDRSP"}, "ship_notice": {"x12": "856", "edifact": "DESADV"}}


def parties(partner: Partner, format: str) -> EdiParties:
    found = partner.documents.x12 if format == "x12" else partner.documents.edifact
    if found is None:
        raise ValueError(f"partner {partner.code} has no documents.{format} section: lightsoff has no id to send from")
    return found


def receiver(partner: Partner, ours: EdiParties) -> tuple[str, str | None]:
    """The partner's interchange id and qualifier (None: the format's default)."""
    ids = partner.identifiers
    identifier = ours.partner_id or next(iter(ids.edi), None) or next(iter(ids.gln), None) or partner.code
    qualifier = ours.partner_qualifier or ids.edi_qualifiers.get(identifier)
    if qualifier is None and identifier in ids.gln:
        qualifier = "14"
    return identifier, qualifier


def x12_envelope(partner: Partner, control_number: int, now: datetime) -> Envelope:
    ours = parties(partner, "x12")
    identifier, qualifier = receiver(partner, ours)
    return Envelope(
        sender_id=ours.our_id,
        receiver_id=identifier,
        sender_qualifier=ours.our_qualifier,
        receiver_qualifier=qualifier or "ZZ",
        interchange_control_number=control_number,
        group_control_number=control_number,
        created_at=now,
        version=ours.version or DEFAULT_VERSIONS["x12"],
    )


def edifact_envelope(partner: Partner, control_number: int, now: datetime) -> EdifactEnvelope:
    ours = parties(partner, "edifact")
    identifier, qualifier = receiver(partner, ours)
    return EdifactEnvelope(
        sender_id=ours.our_id,
        recipient_id=identifier,
        interchange_reference=str(control_number),
        prepared_at=now,
        message_reference=str(control_number),
        sender_qualifier=ours.our_qualifier,
        recipient_qualifier=qualifier or "ZZ",
        message_version=ours.version or DEFAULT_VERSIONS["edifact"],
        association=ours.association,
    )


def acknowledgement_writer(
    partner: Partner, format: str, acknowledgement: OrderAcknowledgement, now: datetime
) -> Callable[[int], bytes]:
    """What ``Issue.write`` needs: the 855 or ORDRSP for a control number."""
    if format == "x12":
        return lambda number: write_855(acknowledgement, x12_envelope(partner, number, now))
    return lambda number: write_ordrsp(acknowledgement, edifact_envelope(partner, number, now))


def notice_writer(partner: Partner, format: str, notice: ShipmentNotice, now: datetime) -> Callable[[int], bytes]:
    """What ``Issue.write`` needs: the 856 or DESADV for a control number."""
    if format == "x12":
        return lambda number: write_856(notice, x12_envelope(partner, number, now))
    return lambda number: write_desadv(notice, edifact_envelope(partner, number, now))
