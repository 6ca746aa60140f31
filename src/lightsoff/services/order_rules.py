"""Running the rule set on an order and turning what it found into events.

Intake (a new order, an amendment), and the exception desk (after the last open case of an order is
resolved) all end the same way: corrections recorded, a case raised per review finding, and the
order held or validated. This is that ending, written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import CustomerOrder, OrderLine
from lightsoff.domain.events import (
    Event,
    ExceptionDismissed,
    ExceptionRaised,
    OrderAmended,
    OrderCorrected,
    OrderHeld,
    OrderMerged,
    OrderValidated,
)
from lightsoff.domain.exception_cases import ACTIVE_STATUSES, ExceptionCase
from lightsoff.domain.orders import Order
from lightsoff.domain.policy import DEFAULT_POLICY, RuleOutcome
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.rules import malformed
from lightsoff.rules.catalog import MALFORMED_DATA
from lightsoff.rules.draft import Evaluation, RuleContext
from lightsoff.rules.engine import evaluate
from lightsoff.rules.findings import Finding
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import CaseQuery, Clock, UnitOfWork

RELEASING_ACTIONS = frozenset({"release", "keep_separate"})
"""Resolutions that let an order pass the rule that raised the case, when the rules run again."""
DECIDED_BY_PEOPLE = {
    "set_quantity": ("pack_multiple", "quantity_limits", "unit_of_measure"),
    "set_uom": ("unit_of_measure",),
    "substitute_sku": ("discontinued_product",),
    "set_ship_date": ("ship_date",),
}
"""A value a person chose is not second-guessed by the rules that check that value."""


class OrderRules:
    def __init__(self, reference_data: ReferenceData, identifiers: IdentifierService, clock: Clock) -> None:
        self.reference_data = reference_data
        self.identifiers = identifiers
        self._clock = clock

    def prepare(self, raw: Any) -> tuple[Any, list[Correction]]:
        """The ``malformed_data`` rule's first half, with the sending partner's policy (see rules.malformed)."""
        code = raw.get("partner") if isinstance(raw, dict) else None
        partner = self.reference_data.partner(code.strip()) if isinstance(code, str) else None
        if partner is None and isinstance(code, str):
            partner = self.reference_data.partner(code.strip().upper())
        corrections: list[Correction] = []
        if partner is not None and code != partner.code:
            raw = {**raw, "partner": partner.code}
            reason = "the partner code in our spelling"
            corrections.append(Correction(MALFORMED_DATA, "$.partner", code, partner.code, reason))
        policy = partner.policy if partner is not None else DEFAULT_POLICY
        if policy.outcome(MALFORMED_DATA, RuleOutcome.CORRECT) is RuleOutcome.REJECT:
            return raw, corrections
        fixed, more = malformed.normalize(raw, policy)
        return fixed, corrections + more

    def amend(
        self,
        uow: UnitOfWork,
        order: Order,
        message_id: str,
        customer_order: CustomerOrder,
        content_hash: str,
        keep: str | None = None,
    ) -> tuple[list[Event], dict[str, int]]:
        """Replace the order's content: its open cases no longer apply, and the rules run on the new content."""
        events: list[Event] = [OrderAmended(order.order_id, message_id, content_hash, customer_order)]
        versions = {order.order_id: order.version}
        for case in uow.exception_cases.find(CaseQuery(order_id=order.order_id, statuses=ACTIVE_STATUSES)):
            if case.exception_id == keep:
                continue
            reason = f"the order was amended by message {message_id}"
            events.append(ExceptionDismissed(case.exception_id, order.order_id, reason))
            versions[case.exception_id] = case.version
        evaluation = self.evaluate(uow, customer_order, first_pass=False)
        concluded, _ = self.conclude(uow, order.order_id, evaluation, content_hash)
        return events + concluded, versions

    def merge(
        self,
        uow: UnitOfWork,
        target: Order,
        sent: tuple[str, str, str],
        lines: Iterable[OrderLine],
        skus: dict[int, str],
    ) -> list[Event]:
        """The events that add a repeat order's ``lines`` to the open order ``target``, renumbered after its own.

        ``sent`` is the repeat order's (message id, PO number, content hash); ``skus`` its resolved SKUs by
        its own line numbers. The target stays held while it has open cases, else it is validated.
        """
        message_id, po_number, content_hash = sent
        first = max((line.line_no for line in target.working.lines), default=0) + 1
        kept = list(lines)
        numbers = {first + index: line.line_no for index, line in enumerate(kept)}
        renumbered = tuple(replace(line, line_no=first + index) for index, line in enumerate(kept))
        merged_skus = {**target.resolved_skus, **{new: skus[old] for new, old in numbers.items() if old in skus}}
        merged = OrderMerged(target.order_id, message_id, po_number, content_hash, renumbered, numbers)
        active = uow.exception_cases.find(CaseQuery(order_id=target.order_id, statuses=ACTIVE_STATUSES))
        ending = OrderHeld(target.order_id, (), merged_skus) if active else OrderValidated(target.order_id, merged_skus)
        return [merged, ending]

    def evaluate(
        self,
        uow: UnitOfWork,
        order: CustomerOrder,
        *,
        waivers: frozenset[tuple[str, int | None]] = frozenset(),
        first_pass: bool = True,
    ) -> Evaluation:
        now = self._clock.now()
        partner = self.reference_data.partner(order.partner)
        window = timedelta(days=partner.policy.duplicate_window_days) if partner else timedelta(days=14)
        context = RuleContext(
            reference_data=self.reference_data,
            today=now.date(),
            duplicate_of=uow.orders.with_same_lines(order, now - window),
            open_order=uow.orders.open_for(order) if first_pass else None,
            waivers=waivers,
            first_pass=first_pass,
        )
        return evaluate(order, context)

    def conclude(
        self, uow: UnitOfWork, order_id: str, evaluation: Evaluation, content_hash: str
    ) -> tuple[list[Event], tuple[str, ...]]:
        """The events that end a rules run on ``order_id``, and the ids of the cases raised."""
        events: list[Event] = []
        if evaluation.corrections:
            events.append(OrderCorrected(order_id, evaluation.corrections, evaluation.order))
        now = self._clock.now()
        raised = [
            self.raise_case(uow, order_id, evaluation.order, finding, now, content_hash)
            for finding in evaluation.reviews
        ]
        events.extend(raised)
        ids = tuple(case.exception_id for case in raised)
        events.append(
            OrderHeld(order_id, ids, evaluation.resolved_skus)
            if raised
            else OrderValidated(order_id, evaluation.resolved_skus)
        )
        return events, ids

    def raise_case(
        self, uow: UnitOfWork, order_id: str, order: CustomerOrder, finding: Finding, now: datetime, content_hash: str
    ) -> ExceptionRaised:
        route = self.reference_data.route(finding.category)
        return ExceptionRaised(
            exception_id=self.identifiers.next_exception_id(uow.sequences, now.date()),
            order_id=order_id,
            line_no=finding.line_no,
            category=finding.category,
            severity=route.severity.value,
            team=route.team,
            message=finding.message,
            actions=finding.actions,
            due_at=now + route.handle_within,
            rule=finding.rule,
            partner=order.partner,
            po_number=order.po_number,
            suggestion=finding.suggestion,
            content_hash=content_hash,
        )


def waivers_from(cases: Iterable[ExceptionCase]) -> frozenset[tuple[str, int | None]]:
    """The (rule, line) pairs people released or decided in resolved cases of the current content."""
    waivers: set[tuple[str, int | None]] = set()
    for case in cases:
        if case.rule is None or case.resolution is None:
            continue
        action = case.resolution.action
        if action == "approve" and case.suggestion is not None:
            action = case.suggestion["action"]
        if action in RELEASING_ACTIONS:
            waivers.add((case.rule, case.line_no))
        line_no = None if action == "set_ship_date" else case.line_no
        waivers.update((rule, line_no) for rule in DECIDED_BY_PEOPLE.get(action, ()))
    return frozenset(waivers)
