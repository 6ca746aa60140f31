"""/v1/orders: submit a customer order, read orders, their events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from lightsoff.api.audit import alongside
from lightsoff.api.deps import CorrelationIdDep, LightsoffDep, OrdersReader, OrdersWriter
from lightsoff.api.problems import PROBLEM_TYPES, problem_response
from lightsoff.api.schemas import (
    EventList,
    EventRead,
    ExceptionCaseRead,
    IntakeResponse,
    InvalidOrderRead,
    InvalidRequestRead,
    OrderList,
    OrderRead,
    OrderSummaryRead,
    ProblemRead,
)
from lightsoff.domain.messages import MessageOutcome
from lightsoff.domain.orders import OrderStatus
from lightsoff.services.intake import ConflictKind, IntakeResult, Submission

router = APIRouter(prefix="/v1/orders", tags=["orders"])

CONFLICT_PROBLEMS = {
    ConflictKind.IDEMPOTENCY_KEY_REUSED: "idempotency-key-reused",
    ConflictKind.ORDER_CHANGED: "order-conflict",
}

ORDER_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderCreate"}}},
    }
}


@router.post(
    "",
    status_code=202,
    summary="Submit a customer order",
    openapi_extra=ORDER_BODY,
    responses={
        200: {
            "model": IntakeResponse,
            "description": "The same order was already received: the same order id, no new event",
        },
        202: {"model": IntakeResponse, "description": "Accepted: validated, or held with exception cases"},
        409: {"model": ProblemRead, "description": "Idempotency-Key reused with another body, or PO changed"},
        413: {"model": ProblemRead, "description": "Body too large"},
        422: {
            "model": InvalidOrderRead | InvalidRequestRead,
            "description": "The order, with every problem listed; or a malformed header (Idempotency-Key)",
        },
    },
)
async def submit_order(
    request: Request,
    lightsoff: LightsoffDep,
    correlation_id: CorrelationIdDep,
    caller: OrdersWriter,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=255, description="makes a retry safe")
    ] = None,
) -> Response:
    submission = Submission(
        body=await request.body(),
        content_type=request.headers.get("content-type", "application/octet-stream"),
        correlation_id=correlation_id,
        idempotency_key=idempotency_key,
        client_id=caller.subject,
        allowed_partners=caller.partners,
        alongside=alongside(request, lambda result: (_intake_status(result), _intake_resource(result))),
    )
    result = await run_in_threadpool(lightsoff.intake.submit, submission)
    request.state.audit_resource = _intake_resource(result)
    return _intake_response(result)


def _intake_status(result: IntakeResult) -> int:
    if result.outcome is MessageOutcome.REJECTED:
        return PROBLEM_TYPES["invalid-order"].status
    if result.conflict is not None:
        return PROBLEM_TYPES[CONFLICT_PROBLEMS[result.conflict]].status
    return 202 if result.created else 200


def _intake_resource(result: IntakeResult) -> str:
    return result.order.order_id if result.order else f"message {result.message_id}"


def _intake_response(result: IntakeResult) -> Response:
    if result.outcome is MessageOutcome.REJECTED:
        count = len(result.problems)
        return problem_response(
            "invalid-order",
            f"The order has {count} problem{'s' if count != 1 else ''}; fix {'them' if count != 1 else 'it'} "
            "and send it again.",
            errors=[problem.to_data() for problem in result.problems],
            message_id=result.message_id,
        )
    if result.outcome is MessageOutcome.CONFLICT:
        assert result.conflict is not None
        assert result.conflict_reason is not None
        return problem_response(
            CONFLICT_PROBLEMS[result.conflict], result.conflict_reason, message_id=result.message_id
        )
    assert result.order is not None
    body = IntakeResponse(
        order_id=result.order.order_id,
        status=result.order.status.value,
        corrections=[],
        exceptions=[ExceptionCaseRead.of(case) for case in result.exceptions],
        message_id=result.message_id,
    )
    return Response(
        body.model_dump_json(),
        status_code=_intake_status(result),
        media_type="application/json",
        headers={"Location": f"/v1/orders/{result.order.order_id}"},
    )


@router.get("/{order_id}", summary="Read an order", responses={404: {"model": ProblemRead}})
def get_order(order_id: str, lightsoff: LightsoffDep, caller: OrdersReader) -> OrderRead:
    return OrderRead.of_detail(lightsoff.queries.order(order_id, caller.partners))


@router.get("", summary="Find orders by the customer's reference")
def find_orders(
    lightsoff: LightsoffDep,
    caller: OrdersReader,
    partner: Annotated[str | None, Query(description="partner code")] = None,
    po_number: Annotated[str | None, Query(description="the customer's purchase order number")] = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    after: Annotated[str | None, Query(description="the next_after of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OrderList:
    orders = lightsoff.queries.find_orders(
        partner=partner, po_number=po_number, status=status, after=after, limit=limit, partners=caller.partners
    )
    return OrderList(
        items=[OrderSummaryRead.of(order) for order in orders],
        next_after=orders[-1].order_id if len(orders) == limit else None,
    )


@router.get("/{order_id}/events", summary="An order's events, oldest first", responses={404: {"model": ProblemRead}})
def order_events(order_id: str, lightsoff: LightsoffDep, caller: OrdersReader) -> EventList:
    source = lightsoff.settings.event_source
    events = lightsoff.queries.order_events(order_id, caller.partners)
    return EventList(items=[EventRead.of(event, source) for event in events])
