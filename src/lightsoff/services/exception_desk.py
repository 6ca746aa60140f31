"""The exception desk: people acknowledge, comment on and resolve exception cases, and the order goes on.

Resolving carries out the chosen action on the order (a substitute, a quantity, a rejected line…) in
the same transaction as ``exception.resolved``; when it was the order's last open case the rules run
again on the order as it now stands, with what people released, and the order is validated or held
anew. The case's stream version guards against two people resolving one case at once: the second
gets a 409 saying who was first.

A case about a subscription (the relay disabled it) has two ways out: ``re_enable`` enables the
subscription, which resolves the case in the same transaction (``services.subscription_cases``) and lets it
catch up on what it missed; ``dismiss`` closes the case and leaves the subscription disabled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from lightsoff.domain.corrections import Correction
from lightsoff.domain.errors import CaseClosed, ConcurrencyConflict, InvalidResolution, NotFound, ResolutionUnfit
from lightsoff.domain.events import (
    Event,
    ExceptionAcknowledged,
    ExceptionCommented,
    ExceptionDismissed,
    ExceptionResolved,
    OrderCancelled,
    OrderCorrected,
    OrderLineRejected,
)
from lightsoff.domain.exception_cases import (
    ACTIONS,
    ACTIVE_STATUSES,
    DOCUMENT_UNACKNOWLEDGED,
    ExceptionCase,
    Resolution,
)
from lightsoff.domain.orders import Order
from lightsoff.formats.canonical_json import parse_order
from lightsoff.rules.catalog import AMENDMENT
from lightsoff.services.order_rules import OrderRules, waivers_from
from lightsoff.services.ports import CaseQuery, Clock, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

MAX_ATTEMPTS = 5
T = TypeVar("T")
Partners = Collection[str] | None


class SubscriptionSwitch(Protocol):
    def enable(self, subscription_id: str, by: str) -> None:
        """Enable a subscription again, resolving its open case in the same transaction; NotFound if it is gone."""
        ...


@dataclass(frozen=True, slots=True)
class Resolved:
    case: ExceptionCase
    order: Order | None
    """the order as the resolution left it; None for a case about a subscription or a document"""
    events: tuple[str, ...]
    """The names of the events the resolution recorded, in order."""


@dataclass(slots=True)
class _Plan:
    """The events a resolution will record, and the order as they leave it."""

    order: Order
    events: list[Event]
    versions: dict[str, int]
    dismissed: set[str]


class ExceptionDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: OrderRules,
        clock: Clock,
        new_id: Callable[[], str],
        prepare: Callable[[Any], tuple[Any, list[Correction]]] | None = None,
        subscriptions: SubscriptionSwitch | None = None,
    ) -> None:
        self._uow = uow
        self._rules = rules
        self._clock = clock
        self._new_id = new_id
        self._prepare = prepare
        self._subscriptions = subscriptions

    def acknowledge(self, exception_id: str, by: str, partners: Partners = None) -> ExceptionCase:
        def work(uow: UnitOfWork) -> ExceptionCase:
            case = self._active(uow, exception_id, partners)
            return self._record(uow, [ExceptionAcknowledged(case.exception_id, case.order_id, by)], case, by)

        return self._retrying(work)

    def comment(self, exception_id: str, by: str, text: str, partners: Partners = None) -> ExceptionCase:
        def work(uow: UnitOfWork) -> ExceptionCase:
            case = _visible(uow, exception_id, partners)
            return self._record(uow, [ExceptionCommented(case.exception_id, case.order_id, by, text)], case, by)

        return self._retrying(work)

    def resolve(
        self, exception_id: str, action: str, parameters: dict[str, Any], by: str, partners: Partners = None
    ) -> Resolved:
        with self._uow(write=False) as uow:
            case = self._active(uow, exception_id, partners)
        if case.subscription_id is not None:
            return self._resolve_subscription_case(case, action, parameters, by, partners)
        return self._retrying(lambda uow: self._resolve(uow, exception_id, action, parameters, by, partners))

    def _resolve_subscription_case(
        self, case: ExceptionCase, action: str, parameters: dict[str, Any], by: str, partners: Partners
    ) -> Resolved:
        _checked(case, action, parameters)
        subscription_id = case.subscription_id
        assert subscription_id is not None
        if action == "re_enable":
            if self._subscriptions is None:
                raise ResolutionUnfit(
                    "Subscriptions cannot be enabled from here; enable it with PATCH /v1/subscriptions."
                )
            try:
                self._subscriptions.enable(subscription_id, by)
            except NotFound as exc:
                raise ResolutionUnfit(
                    f"Subscription {subscription_id} was deleted, so it cannot be enabled again; dismiss the case."
                ) from exc
            with self._uow(write=False) as uow:
                return Resolved(_visible(uow, case.exception_id, partners), None, (ExceptionResolved.name,))
        reason = f"dismissed by {by}; subscription {subscription_id} stays disabled"

        def dismiss(uow: UnitOfWork) -> ExceptionCase:
            current = self._active(uow, case.exception_id, partners)
            return self._record(uow, [ExceptionDismissed(current.exception_id, None, reason)], current, by)

        return Resolved(self._retrying(dismiss), None, (ExceptionDismissed.name,))

    def _resolve(
        self, uow: UnitOfWork, exception_id: str, action: str, parameters: dict[str, Any], by: str, partners: Partners
    ) -> Resolved:
        case = self._active(uow, exception_id, partners)
        parameters = _checked(case, action, parameters)
        if case.category == DOCUMENT_UNACKNOWLEDGED:
            return self._close_document_case(uow, case, action, by)
        assert case.order_id is not None, f"case {case.exception_id} concerns no order"
        order = uow.orders.get(case.order_id)
        assert order is not None, f"case {case.exception_id} holds order {case.order_id}, which has no read model"
        _fits(case, order, action)
        resolved = ExceptionResolved(case.exception_id, order.order_id, action, _as_text(parameters), by)
        plan = _Plan(order, [resolved], {}, set())
        plan.versions = {case.exception_id: case.version, order.order_id: order.version}
        self._carry_out(uow, plan, case, *_effective(case, action, parameters))
        self._resume(uow, plan, case, *_effective(case, action, parameters))
        projected = record(
            uow,
            plan.events,
            versions=plan.versions,
            cause=Cause(None, None, order.partner),
            now=self._clock.now(),
            new_id=self._new_id,
        )
        return Resolved(
            case=projected.exception_cases[case.exception_id],
            order=projected.orders.get(order.order_id, order),
            events=tuple(event.name for event in plan.events),
        )

    def _close_document_case(self, uow: UnitOfWork, case: ExceptionCase, action: str, by: str) -> Resolved:
        """A case about a document (its ``order_id`` is the document's id): resolved, and nothing else changes."""
        resolved = ExceptionResolved(case.exception_id, case.order_id, action, {}, by)
        projected = record(
            uow,
            [resolved],
            versions={case.exception_id: case.version},
            cause=Cause(None, None, case.partner),
            now=self._clock.now(),
            new_id=self._new_id,
        )
        return Resolved(case=projected.exception_cases[case.exception_id], order=None, events=(resolved.name,))

    def _carry_out(
        self, uow: UnitOfWork, plan: _Plan, case: ExceptionCase, action: str, params: dict[str, Any]
    ) -> None:
        order, line_no = plan.order, case.line_no
        reason = f"{case.exception_id} resolved: {action}"
        match action:
            case "substitute_sku":
                self._known_sku(params["sku"])
                self._correct(plan, case, reason, line_no, sku=params["sku"])
            case "set_quantity":
                self._correct(plan, case, reason, line_no, quantity=params["quantity"])
            case "set_uom":
                self._correct(plan, case, reason, line_no, uom=params["uom"])
            case "set_ship_date":
                self._order_change(plan, case, reason, "requested_ship_date", params["ship_date"])
            case "set_ship_to":
                self._known_location(order, params["code"])
                self._order_change(plan, case, reason, "ship_to", params["code"])
            case "reject_line":
                assert line_no is not None
                self._apply(plan, OrderLineRejected(order.order_id, line_no, reason, case.exception_id))
                self._dismiss(uow, plan, case, f"line {line_no} was rejected", line_no=line_no)
            case "reject_order":
                self._apply(plan, OrderCancelled(order.order_id, reason, case.exception_id))
                self._dismiss(uow, plan, case, "the order was cancelled")
            case "merge":
                self._merge(uow, plan, case, params["order_id"])
            case "apply_amendment":
                self._amend(uow, plan, case, params["message_id"])
            case _:
                pass  # release, keep_separate, keep_original, revalidate: nothing changes but the case

    def _resume(self, uow: UnitOfWork, plan: _Plan, case: ExceptionCase, action: str, params: dict[str, Any]) -> None:
        """The last open case of an open order is resolved: the rules run again on the order as it stands."""
        order = plan.order
        if not order.is_open or any(e.name == "order.amended" for e in plan.events):
            return
        query = CaseQuery(order_id=order.order_id, statuses=ACTIVE_STATUSES)
        others = [
            c for c in uow.exception_cases.find(query) if c.exception_id not in plan.dismissed | {case.exception_id}
        ]
        if others:
            return
        decided = uow.exception_cases.find(CaseQuery(order_id=order.order_id))
        resolution = Resolution(action, {k: str(v) for k, v in params.items()}, "", self._clock.now())
        resolved_now = replace(case, resolution=resolution)
        current = [c for c in decided if c.content_hash == order.content_hash and c.exception_id != case.exception_id]
        waivers = waivers_from([*current, resolved_now])
        lines = tuple(line for line in order.working.lines if line.line_no not in order.rejected_lines)
        evaluation = self._rules.evaluate(uow, replace(order.working, lines=lines), waivers=waivers, first_pass=False)
        events, _ = self._rules.conclude(uow, order.order_id, evaluation, order.content_hash)
        for event in events:
            if event.stream_id == order.order_id:
                self._apply(plan, event)
            else:
                plan.events.append(event)

    def _correct(self, plan: _Plan, case: ExceptionCase, reason: str, line_no: int | None, **changes: Any) -> None:
        order = plan.order
        if line_no is None:
            raise InvalidResolution(f"Case {case.exception_id} concerns the whole order, not a line.")
        index = next(i for i, line in enumerate(order.working.lines) if line.line_no == line_no)
        line = order.working.lines[index]
        corrections = tuple(
            Correction(
                case.rule or "exception_resolution",
                f"$.lines[{index}].{name}",
                _text(getattr(line, name)),
                _text(value),
                reason,
                line_no=line_no,
                by=case.exception_id,
            )
            for name, value in changes.items()
        )
        lines = list(order.working.lines)
        lines[index] = replace(line, **changes)
        self._apply(plan, OrderCorrected(order.order_id, corrections, replace(order.working, lines=tuple(lines))))

    def _order_change(self, plan: _Plan, case: ExceptionCase, reason: str, name: str, value: Any) -> None:
        working = plan.order.working
        if name == "ship_to":
            before, changed = working.ship_to.code, replace(working, ship_to=replace(working.ship_to, code=value))
            path = "$.ship_to.code"
        else:
            before, changed = getattr(working, name), replace(working, **{name: value})
            path = f"$.{name}"
        correction = Correction(
            case.rule or "exception_resolution", path, _text(before), _text(value), reason, by=case.exception_id
        )
        self._apply(plan, OrderCorrected(plan.order.order_id, (correction,), changed))

    def _merge(self, uow: UnitOfWork, plan: _Plan, case: ExceptionCase, target_id: str) -> None:
        target = uow.orders.get(target_id)
        if target is None or not target.is_open or target.partner != plan.order.partner:
            raise ResolutionUnfit(
                f"Order {target_id} is no longer open, so order {plan.order.order_id} cannot join it."
            )
        order = plan.order
        kept = [line for line in order.working.lines if line.line_no not in order.rejected_lines]
        sent = (order.message_ids[-1], order.customer_order.po_number, order.content_hash)
        plan.versions[target.order_id] = target.version
        plan.events.extend(self._rules.merge(uow, target, sent, kept, order.resolved_skus))
        self._apply(plan, OrderCancelled(order.order_id, f"merged into {target.order_id}", case.exception_id))
        self._dismiss(uow, plan, case, f"the order was merged into {target.order_id}")

    def _amend(self, uow: UnitOfWork, plan: _Plan, case: ExceptionCase, message_id: str) -> None:
        message = uow.messages.get(message_id)
        parsed = parse_order(message.body, self._prepare) if message is not None else None
        if parsed is None or parsed.order is None:
            raise ResolutionUnfit(f"Message {message_id} no longer reads as an order, so it cannot amend the order.")
        order = plan.order
        events, versions = self._rules.amend(
            uow, order, message_id, parsed.order, parsed.order.content_hash(), keep=case.exception_id
        )
        for event in events:
            if event.stream_id == order.order_id:
                self._apply(plan, event)
            else:
                plan.events.append(event)
        plan.versions = {**versions, **plan.versions}

    def _dismiss(self, uow: UnitOfWork, plan: _Plan, case: ExceptionCase, why: str, line_no: int | None = None) -> None:
        query = CaseQuery(order_id=case.order_id, statuses=ACTIVE_STATUSES)
        for other in uow.exception_cases.find(query):
            if other.exception_id == case.exception_id or (line_no is not None and other.line_no != line_no):
                continue
            plan.events.append(ExceptionDismissed(other.exception_id, other.order_id, why))
            plan.versions[other.exception_id] = other.version
            plan.dismissed.add(other.exception_id)

    def _apply(self, plan: _Plan, event: Event) -> None:
        plan.events.append(event)
        plan.order = plan.order.apply(event, self._clock.now())

    def _known_sku(self, sku: str) -> None:
        if self._rules.reference_data.product(sku) is None:
            raise InvalidResolution(
                f"SKU {sku!r} is not in the product master.",
                [{"path": "$.parameters.sku", "code": "unknown_sku", "message": "choose a SKU of the product master"}],
            )

    def _known_location(self, order: Order, code: str) -> None:
        partner = self._rules.reference_data.partner(order.partner)
        if partner is None or code not in partner.ship_to:
            raise InvalidResolution(
                f"{code!r} is not a ship-to location of partner {order.partner}.",
                [
                    {
                        "path": "$.parameters.code",
                        "code": "unknown_ship_to",
                        "message": "choose one of the partner's locations",
                    }
                ],
            )

    def _active(self, uow: UnitOfWork, exception_id: str, partners: Partners) -> ExceptionCase:
        case = _visible(uow, exception_id, partners)
        if not case.is_active:
            how = f" ({case.resolution.action} by {case.resolution.by})" if case.resolution else ""
            raise CaseClosed(f"Exception case {exception_id} is already {case.status.value}{how}; nothing was changed.")
        return case

    def _record(self, uow: UnitOfWork, events: list[Event], case: ExceptionCase, by: str) -> ExceptionCase:
        projected = record(
            uow,
            events,
            versions={case.exception_id: case.version},
            cause=Cause(None, None, case.partner),
            now=self._clock.now(),
            new_id=self._new_id,
        )
        return projected.exception_cases[case.exception_id]

    def _retrying(self, work: Callable[[UnitOfWork], T]) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._uow.run(work)
            except ConcurrencyConflict:
                if attempt == MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")


def _visible(uow: UnitOfWork, exception_id: str, partners: Partners) -> ExceptionCase:
    case = uow.exception_cases.get(exception_id)
    if case is None or (partners is not None and case.partner not in partners):
        raise NotFound("exception case", exception_id)
    return case


def _checked(case: ExceptionCase, action: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters, typed; InvalidResolution naming each problem."""
    if action not in case.actions:
        raise InvalidResolution(
            f"{action!r} is not a way to resolve {case.exception_id}; choose one of: {', '.join(case.actions)}.",
            [{"path": "$.action", "code": "action_not_allowed", "message": f"one of {', '.join(case.actions)}"}],
        )
    if action == "approve" and case.suggestion is None:
        raise InvalidResolution(f"Case {case.exception_id} has no suggestion to approve; choose another action.")
    spec, typed, errors = ACTIONS[action], {}, []
    for parameter in spec.parameters:
        value = parameters.get(parameter.name)
        converted = _convert(parameter.type, value)
        if converted is None:
            errors.append(
                {
                    "path": f"$.parameters.{parameter.name}",
                    "code": "invalid_parameter",
                    "message": f"{parameter.description} ({parameter.type})",
                }
            )
        typed[parameter.name] = converted
    if errors:
        raise InvalidResolution(f"The parameters for {action!r} are missing or wrong.", errors)
    return typed


def _convert(kind: str, value: Any) -> Any:
    if kind == "number":
        try:
            number = (
                Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
            )
        except InvalidOperation:
            return None
        return number if number is not None and number.is_finite() and number > 0 else None
    if kind == "date":
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    return value.strip() if isinstance(value, str) and value.strip() else None


_FROM_THE_CASE = ("order_id", "message_id")
"""Parameters a case carries itself (the order to merge into, the amending message); people do not type them."""


def _effective(case: ExceptionCase, action: str, parameters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``approve`` is the suggested action with the suggested parameters."""
    if action != "approve" or case.suggestion is None:
        suggested = case.suggestion["parameters"] if case.suggestion else {}
        return action, {**{name: suggested[name] for name in _FROM_THE_CASE if name in suggested}, **parameters}
    suggested = case.suggestion["action"]
    spec = ACTIONS[suggested]
    typed = {p.name: _convert(p.type, case.suggestion["parameters"].get(p.name)) for p in spec.parameters}
    for name in _FROM_THE_CASE:
        if name in case.suggestion["parameters"]:
            typed[name] = case.suggestion["parameters"][name]
    return suggested, typed


def _fits(case: ExceptionCase, order: Order, action: str) -> None:
    if case.rule != AMENDMENT and case.content_hash is not None and case.content_hash != order.content_hash:
        raise ResolutionUnfit(
            f"Order {order.order_id} was amended after case {case.exception_id} was raised; the case no longer "
            "applies. Read the order's open cases again."
        )
    if not order.is_open and action not in ("keep_original", "apply_amendment", "release"):
        raise ResolutionUnfit(f"Order {order.order_id} is {order.status.value}; {action!r} can no longer change it.")
    if case.line_no is not None and (
        case.line_no in order.rejected_lines or all(line.line_no != case.line_no for line in order.working.lines)
    ):
        raise ResolutionUnfit(f"Line {case.line_no} of order {order.order_id} was rejected or removed meanwhile.")


def _as_text(parameters: dict[str, Any]) -> dict[str, str]:
    """Typed parameters as the event records them (quantities and dates as their ISO text)."""
    return {name: str(value) for name, value in parameters.items()}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
