"""Re-running an archived inbound document through today's mappings and rules, for real or as a dry run.

The archive keeps every document as received and what it became (``InboundMessage.detail["inbound"]``).
A re-run reads the bytes again through ``DocumentIntake.receive`` (channel ``rerun``), so the partner
profile, code lists, product master and rules in force now decide. For real, that is a new archived
message, and each order is what the intake makes of it today: a duplicate when nothing changed, an
amendment of the order when its content now reads differently, a new order when it was rejected
before. As a dry run the very same code runs on units of work that share one transaction, rolled back
at the end (``store/dry_run.py``): nothing is kept, not the message, not an event, not a sequence number.

Either way the report puts side by side, per order of the document (its control numbers or sheet
rows), what it became then (the stored outcome and the order as stored) and what it becomes now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from lightsoff.domain.errors import NotFound
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.orders import Order
from lightsoff.services.inbound import RERUN, DocumentIntake, InboundDocument, InboundOutcome
from lightsoff.services.ports import UnitOfWork, UnitOfWorkFactory

DryRun = Callable[[], AbstractContextManager[UnitOfWorkFactory]]
"""Units of work whose writes are all undone when the context ends."""
IntakeOn = Callable[[UnitOfWorkFactory], DocumentIntake]
"""The document intake, as configured now, on the given units of work."""


@dataclass(frozen=True, slots=True)
class OrderSide:
    """One order of the document on one side: its status, its order, the order's lines and open questions."""

    status: str
    order_id: str | None = None
    lines: tuple[dict[str, Any], ...] = ()
    """``line_no``, ``customer_sku``, ``sku`` (as resolved), ``quantity``, ``uom``, ``rejected`` (why, or None)."""
    exceptions: tuple[dict[str, str], ...] = ()
    """``exception_id`` and ``category`` of the cases raised for it."""
    problems: tuple[dict[str, Any], ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "order_id": self.order_id,
            "lines": list(self.lines),
            "exceptions": list(self.exceptions),
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class OrderComparison:
    reference: str
    location: str
    then: OrderSide | None
    """None: the document did not hold this order then (it reads differently now)."""
    now: OrderSide | None
    changes: tuple[str, ...]
    """What differs, for a person: ``status: held → accepted``, ``line 2 sku: None → WID-200``."""

    def to_data(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "location": self.location,
            "then": self.then.to_data() if self.then else None,
            "now": self.now.to_data() if self.now else None,
            "changes": list(self.changes),
        }


@dataclass(frozen=True, slots=True)
class RerunReport:
    message_id: str
    """The archived document that was re-run."""
    dry_run: bool
    rerun_message_id: str | None
    """The re-run's own archived message (None for a dry run: nothing was kept)."""
    then_outcome: str
    now_outcome: str
    then_problems: tuple[dict[str, Any], ...]
    now_problems: tuple[dict[str, Any], ...]
    orders: tuple[OrderComparison, ...]
    acknowledgement: str | None = None
    """The functional acknowledgement the real re-run issued (a dry run issues none)."""
    now: dict[str, Any] = field(default_factory=dict)
    """What ``receive`` answered now, in full (``InboundOutcome.to_data``)."""

    @property
    def changed(self) -> bool:
        return any(order.changes for order in self.orders) or self.then_outcome != self.now_outcome

    def to_data(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "dry_run": self.dry_run,
            "rerun_message_id": self.rerun_message_id,
            "changed": self.changed,
            "then": {"outcome": self.then_outcome, "problems": list(self.then_problems)},
            "now": {"outcome": self.now_outcome, "problems": list(self.now_problems)},
            "orders": [order.to_data() for order in self.orders],
            "acknowledgement": self.acknowledgement,
        }


class DocumentRerun:
    def __init__(self, uow: UnitOfWorkFactory, inbound: DocumentIntake, intake_on: IntakeOn, dry_run: DryRun) -> None:
        self._uow = uow
        self._inbound = inbound
        self._intake_on = intake_on
        self._dry_run = dry_run

    def rerun(
        self,
        message_id: str,
        *,
        dry_run: bool,
        partners: Collection[str] | None = None,
        client_id: str | None = None,
    ) -> RerunReport:
        """Run message ``message_id`` again; a caller confined to ``partners`` finds only theirs (else NotFound).

        The re-run's events carry the original document's correlation id, so they are found with it;
        ``client_id`` is who asked (archived with the re-run's message).
        """
        with self._uow(write=False) as uow:
            message = uow.messages.get(message_id)
            if message is None or not (partners is None or message.partner in partners):
                raise NotFound("message", message_id)
            then = _stored(uow, message)
        document = _document(message, partners, client_id)
        if dry_run:
            with self._dry_run() as units:
                outcome = self._intake_on(units).receive(document)
                with units(write=False) as inside:
                    now, now_outcome = _now(inside, outcome)
        else:
            outcome = self._inbound.receive(document)
            with self._uow(write=False) as uow:
                now, now_outcome = _now(uow, outcome)
        return RerunReport(
            message_id=message.message_id,
            dry_run=dry_run,
            rerun_message_id=None if dry_run else outcome.message_id,
            then_outcome=message.outcome.value,
            now_outcome=now_outcome,
            then_problems=tuple(message.detail.get("inbound", {}).get("problems", ())),
            now_problems=outcome.problems,
            orders=_compare(then, now),
            acknowledgement=None if dry_run else outcome.acknowledgement,
            now=outcome.to_data(),
        )


_Sides = dict[str, tuple[str, OrderSide]]
"""Order reference → (location, side)."""


def _document(message: InboundMessage, partners: Collection[str] | None, client_id: str | None) -> InboundDocument:
    named = message.detail.get("document", {})
    is_json = "inbound" not in message.detail and message.content_type.startswith("application/json")
    return InboundDocument(
        message.body,
        filename=named.get("filename"),
        content_type=message.content_type,
        format="json" if is_json else named.get("format"),
        partner=named.get("partner") or (message.partner if is_json else None),
        channel=RERUN,
        allowed_partners=frozenset(partners) if partners is not None else None,
        client_id=client_id,
        correlation_id=message.correlation_id or message.message_id,
    )


def _stored(uow: UnitOfWork, message: InboundMessage) -> _Sides:
    """What the message became then: the orders of its stored outcome, as stored."""
    inbound = message.detail.get("inbound")
    if inbound is None and "document" in message.detail:
        return {}  # a document whose processing never finished (outcome pending or failed): no orders then
    if inbound is None:  # a canonical JSON order (POST /v1/orders): one order, the message's outcome
        order_id = message.order_ids[0] if message.order_ids else None
        order = uow.orders.get(order_id) if order_id else None
        errors = tuple(message.detail.get("errors", ()))
        side = _side(uow, message.outcome.value, order_id, order.exception_ids if order else (), errors)
        return {_json_reference(message.body): ("the order", side)}
    return {
        order["reference"]: (
            order["location"],
            _side(uow, order["status"], order.get("order_id"), order.get("exceptions", ()), order.get("problems", ())),
        )
        for order in inbound.get("orders", [])
    }


def _json_reference(body: bytes) -> str:
    """What the intake calls a JSON order in a document's outcome: its PO number (``order`` without one)."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        return "order"
    return str(raw.get("po_number") or "order") if isinstance(raw, dict) else "order"


def _now(uow: UnitOfWork, outcome: InboundOutcome) -> tuple[_Sides, str]:
    """What the document becomes now, and the outcome the archive records for it (in its words)."""
    sides = {
        order.reference: (order.location, _side(uow, order.status, order.order_id, order.exceptions, order.problems))
        for order in outcome.orders
    }
    archived = uow.messages.get(outcome.message_id)
    return sides, archived.outcome.value if archived is not None else "failed"


def _side(
    uow: UnitOfWork, status: str, order_id: str | None, exception_ids: Collection[str], problems: Collection[Any]
) -> OrderSide:
    order = uow.orders.get(order_id) if order_id else None
    cases = []
    for exception_id in exception_ids:
        case = uow.exception_cases.get(exception_id)
        cases.append({"exception_id": exception_id, "category": case.category if case else "unknown"})
    return OrderSide(status, order_id, _lines(order) if order else (), tuple(cases), tuple(problems))


def _lines(order: Order) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "line_no": line.line_no,
            "customer_sku": line.customer_sku,
            "sku": order.resolved_skus.get(line.line_no, line.sku),
            "quantity": str(line.quantity),
            "uom": line.uom,
            "rejected": order.rejected_lines.get(line.line_no),
        }
        for line in order.working.lines
    )


def _compare(then: _Sides, now: _Sides) -> tuple[OrderComparison, ...]:
    references = list(dict.fromkeys([*then, *now]))
    compared = []
    for reference in references:
        location, before = then.get(reference, ("", None))
        location_now, after = now.get(reference, (location, None))
        compared.append(OrderComparison(reference, location or location_now, before, after, _changes(before, after)))
    return tuple(compared)


def _changes(before: OrderSide | None, after: OrderSide | None) -> tuple[str, ...]:
    if before is None or after is None:
        return ("not in the document then" if before is None else "not in the document now",)
    changes = []
    same_order = after.status == "duplicate" and after.order_id == before.order_id
    if before.status != after.status and not same_order:
        changes.append(f"status: {before.status} → {after.status}")
    if before.order_id != after.order_id:
        changes.append(f"order: {before.order_id} → {after.order_id}")
    then_cases = sorted(case["category"] for case in before.exceptions)
    now_cases = sorted(case["category"] for case in after.exceptions)
    if then_cases != now_cases:
        changes.append(f"exceptions: {', '.join(then_cases) or 'none'} → {', '.join(now_cases) or 'none'}")
    then_codes = sorted(str(problem.get("code")) for problem in before.problems)
    now_codes = sorted(str(problem.get("code")) for problem in after.problems)
    if then_codes != now_codes:
        changes.append(f"problems: {', '.join(then_codes) or 'none'} → {', '.join(now_codes) or 'none'}")
    if after.lines:  # a duplicate or rejection now has no lines of its own to compare
        changes += _line_changes(before.lines, after.lines)
    return tuple(changes)


def _line_changes(before: Collection[dict[str, Any]], after: Collection[dict[str, Any]]) -> list[str]:
    old = {line["line_no"]: line for line in before}
    new = {line["line_no"]: line for line in after}
    changes = []
    for number in sorted(old.keys() | new.keys()):
        if number not in old or number not in new:
            changes.append(f"line {number}: {'added' if number not in old else 'gone'}")
            continue
        for key in ("sku", "quantity", "uom", "rejected"):
            if old[number][key] != new[number][key]:
                changes.append(f"line {number} {key}: {old[number][key]} → {new[number][key]}")
    return changes
