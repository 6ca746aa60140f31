"""RFC 9457 problem details: every error the API returns, with a stable ``type`` per kind of problem.

A type is the URI reference ``/problems/<slug>``; ``GET /problems/<slug>`` describes it, so a
consumer can branch on ``type`` and a person can look it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Response

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    title: str
    status: int
    description: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


PROBLEM_TYPES = {
    problem.slug: problem
    for problem in (
        ProblemType(
            "invalid-order",
            "The order is not valid",
            422,
            "The body could not become an order. `errors` lists every problem, each with the JSON path, a "
            "stable code and a message; fix them all and send the order again. The body is archived "
            "under `message_id` and an order.rejected event records the rejection.",
        ),
        ProblemType(
            "invalid-document",
            "Nothing could be taken from the document",
            422,
            "The document (X12, EDIFACT, spreadsheet, e-mail) could not be read, or none of its orders could be "
            "taken. `errors` lists the problems of the document as a whole, `orders` each order's, each with "
            "where (segment number and tag, or sheet, row and column), a stable code and a message. The "
            "document is archived under `message_id`.",
        ),
        ProblemType(
            "idempotency-key-reused",
            "The Idempotency-Key was used for a different request",
            409,
            "An Idempotency-Key identifies one request. Resend the original body unchanged to get its "
            "result again, or use a new key for a new request.",
        ),
        ProblemType(
            "order-conflict",
            "The purchase order was already received with different content",
            409,
            "A partner's PO number identifies one order. The same PO number came again with other "
            "content; lightsoff kept the first order and archived this message.",
        ),
        ProblemType(
            "invalid-shipment",
            "The shipment does not fit its orders",
            422,
            "The shipment names an order or line lightsoff does not hold, ships more than was ordered, or "
            "carries an SSCC that is not valid or already shipped. `errors` lists every problem, each with "
            "the JSON path, a stable code and a message; nothing was recorded. Fix them and send it again.",
        ),
        ProblemType(
            "shipment-conflict",
            "The shipment id was used for another shipment",
            409,
            "A shipment id identifies one shipment. It was confirmed before with other content, which stands. "
            "Send the original content again to read it, or use a new shipment id.",
        ),
        ProblemType(
            "exception-closed",
            "The exception case is already closed",
            409,
            "The case was resolved or dismissed (by someone else, or by a change to its order) before this "
            "request. `detail` says how and by whom; nothing was changed. Read the order's open cases again.",
        ),
        ProblemType(
            "resolution-unfit",
            "The resolution no longer fits the order",
            409,
            "The order changed since the case was raised (amended, cancelled, merged, the line rejected), so "
            "the chosen action cannot be applied. `detail` says what changed; read the case and the order again.",
        ),
        ProblemType(
            "concurrent-change",
            "Changed by someone else at the same time",
            409,
            "Another request changed the same resource at the same moment and won. Read it again and retry if "
            "what you wanted still applies.",
        ),
        ProblemType(
            "invalid-resolution",
            "The resolution is not valid for this case",
            422,
            "The action is not one of the case's `actions`, or its parameters are missing or wrong; `errors` "
            "names each, and GET /v1/exceptions/{id} lists the actions with their parameters.",
        ),
        ProblemType(
            "invalid-request",
            "The request's parameters are not valid",
            422,
            "A query parameter, path parameter or header is missing or malformed; `errors` says which.",
        ),
        ProblemType(
            "unauthenticated",
            "Authentication required",
            401,
            "Send `Authorization: Bearer <access token>` (from POST /oauth/token with your client id and secret) "
            "or `X-API-Key: <key>`. `detail` says what was missing or wrong with the credential sent.",
        ),
        ProblemType(
            "forbidden",
            "Not allowed",
            403,
            "The caller is known but may not do this: a scope it lacks, or an address outside its allowlist. "
            "`detail` says which; an administrator can change the client's roles or allowlist.",
        ),
        ProblemType(
            "too-many-requests",
            "Too many requests",
            429,
            "The caller is over its request rate (or failed to authenticate too often). Retry after the seconds "
            "in Retry-After.",
        ),
        ProblemType("not-found", "Not found", 404, "No such resource, or not one you may see."),
        ProblemType("method-not-allowed", "Method not allowed", 405, "The resource exists but not with this method."),
        ProblemType(
            "payload-too-large",
            "The body is too large",
            413,
            "The body exceeds the limit of this route; split the document or use the route for large documents.",
        ),
        ProblemType(
            "service-unavailable",
            "lightsoff cannot handle the request right now",
            503,
            "A part lightsoff depends on (the database) is down or busy. Nothing was changed; retry after "
            "the time in Retry-After.",
        ),
        ProblemType(
            "internal-error",
            "Internal error",
            500,
            "lightsoff failed unexpectedly. The correlation id identifies the request in the logs; a retry "
            "is safe, since intake is idempotent.",
        ),
    )
}


def problem_response(
    slug: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    problem = PROBLEM_TYPES[slug]
    body = {"type": problem.uri, "title": problem.title, "status": problem.status, "detail": detail}
    body.update({key: value for key, value in extensions.items() if value is not None})
    return Response(orjson.dumps(body), status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)
