"""What lightsoff tells a partner about its purchase order once the order is decided.

An order is decided when it is validated (every rule passed, or people resolved its cases: lines
may have been corrected or rejected on the way) or cancelled by a person. The acknowledgement says
per line: accepted as ordered, changed (with each correction the rules or people made), or rejected
(with the reason). It is built from the order as it stood right after the deciding event, so the
same event always gives the same answer, however late it is read.

Not acknowledged: an order cancelled because it was merged into another (its lines live on there),
and lines merged into this order from another PO (they belong to that PO, not this one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from lightsoff.domain.corrections import Correction
from lightsoff.domain.documents_out import LineAcknowledgement, LineChange, LineStatus, OrderAcknowledgement
from lightsoff.domain.events import Event, OrderCancelled, OrderReceived, OrderValidated, RecordedEvent
from lightsoff.domain.orders import Order

DECIDING_EVENTS = (OrderValidated.name, OrderCancelled.name)
MERGE_PREFIX = "merged into "
_LINE_PATH = re.compile(r"\$\.lines\[(\d+)\]\.(\w+)")
"""A correction's JSONPath into the lines as the partner sent them: ``$.lines[2].uom``."""
_HEADER_FIELDS = {"$.requested_ship_date": "ship_date"}
"""Order-level corrections that change every line's confirmation."""


def order_as_of(stream: Iterable[RecordedEvent], version: int) -> Order:
    """The order after event ``version`` of its stream (events 1..version applied)."""
    order: Order | None = None
    for record in stream:
        if record.stream_version > version:
            break
        event: Event = record.decode()
        if isinstance(event, OrderReceived):
            order = Order.start(event, record.occurred_at)
        else:
            assert order is not None, "an order stream starts with order.received"
            order = order.apply(event, record.occurred_at)
    if order is None:
        raise ValueError("the stream holds no order.received")
    return order


def acknowledge(order: Order, decided_by: Event, at: datetime) -> OrderAcknowledgement | None:
    """The acknowledgement of ``order`` as ``decided_by`` left it; None when there is nothing to tell."""
    if isinstance(decided_by, OrderCancelled) and decided_by.reason.startswith(MERGE_PREFIX):
        return None
    merged = {line_no for document in order.merged for line_no in document.line_numbers}
    header_changes = tuple(_header_changes(order.corrections))
    lines = []
    for line in order.working.lines:
        if line.line_no in merged:
            continue
        base = LineAcknowledgement(
            line_no=line.line_no,
            status=LineStatus.ACCEPTED,
            quantity=line.quantity,
            uom=line.uom,
            sku=order.resolved_skus.get(line.line_no) or line.sku,
            customer_sku=line.customer_sku,
            gtin=line.gtin,
            ship_date=order.working.requested_ship_date,
        )
        if isinstance(decided_by, OrderCancelled):
            lines.append(replace(base, status=LineStatus.REJECTED, reason=decided_by.reason))
        elif line.line_no in order.rejected_lines:
            lines.append(replace(base, status=LineStatus.REJECTED, reason=order.rejected_lines[line.line_no]))
        else:
            changes = header_changes + tuple(_line_changes(order, line.line_no))
            lines.append(replace(base, status=LineStatus.CHANGED, changes=changes) if changes else base)
    if not lines:
        return None
    return OrderAcknowledgement(
        order_id=order.order_id,
        po_number=order.working.po_number,
        po_date=order.working.order_date,
        acknowledged_at=at,
        lines=tuple(lines),
    )


def _line_changes(order: Order, line_no: int) -> Iterable[LineChange]:
    """The corrections of line ``line_no``: by their line number, or by their path into the lines as sent."""
    sent = [line.line_no for line in order.customer_order.lines]
    for correction in order.corrections:
        match = _LINE_PATH.fullmatch(correction.field)
        number = correction.line_no
        if number is None and match is not None and int(match[1]) < len(sent):
            number = sent[int(match[1])]
        if number == line_no:
            field = match[2] if match is not None else correction.field.rpartition(".")[2]
            yield LineChange(field, correction.before or "", correction.after or "", correction.reason)


def _header_changes(corrections: Iterable[Correction]) -> Iterable[LineChange]:
    for correction in corrections:
        field = _HEADER_FIELDS.get(correction.field)
        if correction.line_no is None and field is not None:
            yield LineChange(field, correction.before or "", correction.after or "", correction.reason)
