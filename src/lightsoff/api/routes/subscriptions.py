"""/v1/subscriptions and /v1/dead-letters: who receives which events, and what could not be delivered.

Both need the ``subscriptions:admin`` scope. Subscriptions span partners, so a client confined to some
partners sees none of them (404), as with the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, Security
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import JSON_INTEGER, ProblemRead, Timestamp
from lightsoff.api.security import authorize
from lightsoff.delivery.signing import WebhookSecret
from lightsoff.domain.errors import ConfigurationError, NotFound
from lightsoff.domain.security import Principal, Scope
from lightsoff.domain.subscriptions import (
    DeadLetterFilter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    SubscriptionKind,
)
from lightsoff.services.subscriptions import (
    NewSubscription,
    SubscriptionChange,
    SubscriptionService,
    event_types_given,
)

SubscriptionsAdmin = Annotated[Principal, Security(authorize, scopes=[Scope.SUBSCRIPTIONS_ADMIN])]
router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
dead_letters_router = APIRouter(prefix="/v1/dead-letters", tags=["subscriptions"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ProblemRead}}
_SUBJECT = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
# What WebhookSecret.parse takes, said in the schema so clients (and the fuzzer) know it: an optional whsec_
# prefix, then non-empty base64 whose padding may be left out.
_B64 = "[A-Za-z0-9+/]"
_SECRET = rf"^(whsec_)?({_B64}{{4}})*({_B64}{{4}}|{_B64}{{2}}(==)?|{_B64}{{3}}=?)$"
# url xor subject, as the model validator checks it (a null counts as absent).
_ONE_TARGET: JsonDict = {
    "oneOf": [
        {"required": ["url"], "properties": {"url": {"type": "string"}, "subject": {"type": "null"}}},
        {"required": ["subject"], "properties": {"subject": {"type": "string"}, "url": {"type": "null"}}},
    ]
}


def _secret(value: str | None) -> str | None:
    if value is not None:
        try:
            WebhookSecret.parse(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from exc
    return value


class SubscriptionCreate(BaseModel):
    """Numbers and booleans are read as JSON types (no true for a number, no 1 for a boolean), as documented."""

    url: str | None = Field(None, max_length=2048, pattern=r"^https?://", description="the webhook endpoint")
    subject: str | None = Field(None, max_length=200, pattern=_SUBJECT, description="or a NATS subject prefix")
    event_types: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100, description="order.held or lightsoff.order.held.v1; empty: all"
    )
    partners: list[Annotated[str, Field(max_length=35)]] | None = Field(None, description="null: every partner")
    secret: str | None = Field(None, pattern=_SECRET, description="whsec_…; generated when absent")
    max_attempts: Annotated[int, Field(ge=1, le=100), JSON_INTEGER] | None = None
    max_age_seconds: Annotated[int, Field(ge=1, le=30 * 86_400), JSON_INTEGER] | None = None

    model_config = ConfigDict(
        json_schema_extra=_ONE_TARGET,
    )
    _check_secret = field_validator("secret")(_secret)

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionCreate:
        if (self.url is None) == (self.subject is None):
            raise ValueError("give either url (a webhook) or subject (a broker subject prefix), not both")
        return self


class SubscriptionUpdate(BaseModel):
    enabled: bool | None = Field(None, strict=True)
    rotate_secret: bool = Field(
        False, strict=True, description="sign with a new secret; the old one keeps signing for a while"
    )
    secret: str | None = Field(
        None, pattern=_SECRET, description="rotate to this whsec_ secret instead of a generated one"
    )
    rotation_overlap_seconds: Annotated[int, Field(ge=0, le=30 * 86_400), JSON_INTEGER] = 86_400

    _check_secret = field_validator("secret")(_secret)


class SubscriptionRead(BaseModel):
    id: str
    kind: Literal["webhook", "broker"]
    url: str | None
    subject: str | None
    event_types: list[str]
    partners: list[str] | None
    enabled: bool
    disabled_reason: str | None
    max_attempts: int
    max_age_seconds: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionRead:
        webhook = s.kind is SubscriptionKind.WEBHOOK
        return cls(
            id=s.subscription_id,
            kind=s.kind.value,
            url=s.target if webhook else None,
            subject=None if webhook else s.target,
            event_types=list(s.event_types),
            partners=list(s.partners) if s.partners is not None else None,
            enabled=s.enabled,
            disabled_reason=s.disabled_reason,
            max_attempts=s.max_attempts,
            max_age_seconds=int(s.max_age.total_seconds()),
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class SubscriptionSecretRead(SubscriptionRead):
    secret: str = Field(description="the current signing secret; shown when created or rotated")

    @classmethod
    def with_secret(cls, s: Subscription) -> SubscriptionSecretRead:
        return cls(**SubscriptionRead.of(s).model_dump(), secret=s.secrets[0].secret)


class DeliveryRead(BaseModel):
    id: int
    subscription_id: str
    event_id: str
    event_type: str
    position: int
    subject: str = Field(description="the stream (order) the event is about")
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryRead:
        return cls(
            id=d.delivery_id,
            subscription_id=d.subscription_id,
            event_id=d.event_id,
            event_type=d.event_type,
            position=d.event_position,
            subject=d.stream_id,
            status=d.status.value,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_attempt_at=d.last_attempt_at,
            last_status=d.last_status,
            last_error=d.last_error,
        )


class DeliveryPageRead(BaseModel):
    items: list[DeliveryRead]
    next_after: int = Field(description="pass as `after` for the next page")


class AttemptRead(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    detail: str
    response_excerpt: str
    latency_ms: float
    worker: str

    @classmethod
    def of(cls, a: DeliveryAttempt) -> AttemptRead:
        return cls(
            attempt=a.attempt,
            at=a.at,
            status_code=a.status_code,
            error=a.error,
            detail=a.detail,
            response_excerpt=a.excerpt,
            latency_ms=a.latency_ms,
            worker=a.worker,
        )


class DeadLetterRead(DeliveryRead):
    attempt_log: list[AttemptRead]


class ReplayFilter(BaseModel):
    subscription_id: str | None = Field(None, min_length=1)
    event_type: str | None = Field(None, min_length=1, max_length=100)
    since: Timestamp | None = Field(None, description="only dead letters whose last attempt was at or after this")
    all: bool = Field(False, strict=True, description="must be true to replay every dead letter (no other filter)")

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["subscription_id"],
                    "properties": {"subscription_id": {"type": "string", "minLength": 1}},
                },
                {"required": ["event_type"], "properties": {"event_type": {"type": "string", "minLength": 1}}},
                {"required": ["since"], "properties": {"since": {"type": "string"}}},
                {"required": ["all"], "properties": {"all": {"const": True}}},
            ]
        }
    )

    @model_validator(mode="after")
    def _explicit(self) -> ReplayFilter:
        if self.subscription_id is None and self.event_type is None and self.since is None and not self.all:
            raise ValueError("give subscription_id, event_type or since, or all: true to replay every dead letter")
        return self


class ReplayRead(BaseModel):
    replayed: int


def _service(lightsoff: LightsoffDep, caller: Principal) -> SubscriptionService:
    if caller.partners is not None:
        raise NotFound("subscriptions", "for a client confined to partners")
    return lightsoff.delivery.subscriptions


def _name(event_type: str | None) -> str | None:
    names = event_types_given([event_type]) if event_type else ()
    return names[0] if names else None


def _page(deliveries: list[Delivery], after: int) -> DeliveryPageRead:
    return DeliveryPageRead(
        items=[DeliveryRead.of(d) for d in deliveries], next_after=deliveries[-1].delivery_id if deliveries else after
    )


@router.post("", status_code=201, summary="Subscribe a webhook or a broker subject to events")
def create_subscription(
    body: SubscriptionCreate, request: Request, lightsoff: LightsoffDep, caller: SubscriptionsAdmin
) -> SubscriptionSecretRead:
    kind = SubscriptionKind.WEBHOOK if body.url is not None else SubscriptionKind.BROKER
    new = NewSubscription(
        kind=kind,
        target=body.url or body.subject or "",
        event_types=event_types_given(body.event_types),
        partners=tuple(body.partners) if body.partners is not None else None,
        secret=body.secret,
        max_attempts=body.max_attempts,
        max_age=timedelta(seconds=body.max_age_seconds) if body.max_age_seconds else None,
    )
    created = _service(lightsoff, caller).create(new)
    request.state.audit_resource = f"subscription_id={created.subscription_id}"
    return SubscriptionSecretRead.with_secret(created)


@router.get("", summary="Every subscription")
def list_subscriptions(lightsoff: LightsoffDep, caller: SubscriptionsAdmin) -> list[SubscriptionRead]:
    return [SubscriptionRead.of(s) for s in _service(lightsoff, caller).all()]


@router.get("/{subscription_id}", summary="One subscription", responses=NOT_FOUND)
def get_subscription(subscription_id: str, lightsoff: LightsoffDep, caller: SubscriptionsAdmin) -> SubscriptionRead:
    return SubscriptionRead.of(_service(lightsoff, caller).get(subscription_id))


@router.patch(
    "/{subscription_id}",
    summary="Enable (catches up in order; resolves its open exception case), disable, or rotate the secret",
    responses=NOT_FOUND,
)
def update_subscription(
    subscription_id: str, body: SubscriptionUpdate, lightsoff: LightsoffDep, caller: SubscriptionsAdmin
) -> SubscriptionSecretRead:
    change = SubscriptionChange(
        enabled=body.enabled,
        rotate_secret=body.rotate_secret,
        new_secret=body.secret,
        rotation_overlap=timedelta(seconds=body.rotation_overlap_seconds),
    )
    changed = _service(lightsoff, caller).change(subscription_id, change, by=caller.subject)
    return SubscriptionSecretRead.with_secret(changed)


@router.delete("/{subscription_id}", status_code=204, summary="Unsubscribe; its queue goes too", responses=NOT_FOUND)
def delete_subscription(subscription_id: str, lightsoff: LightsoffDep, caller: SubscriptionsAdmin) -> Response:
    _service(lightsoff, caller).delete(subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", summary="A subscription's deliveries, oldest first", responses=NOT_FOUND)
def subscription_deliveries(
    subscription_id: str,
    lightsoff: LightsoffDep,
    caller: SubscriptionsAdmin,
    status: Annotated[Literal["pending", "delivered", "dead"] | None, Query()] = None,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPageRead:
    wanted = DeliveryStatus(status) if status else None
    return _page(_service(lightsoff, caller).deliveries(subscription_id, wanted, after, limit), after)


@dead_letters_router.get("", summary="Deliveries that ran out of retries")
def list_dead_letters(
    lightsoff: LightsoffDep,
    caller: SubscriptionsAdmin,
    subscription_id: Annotated[str | None, Query(max_length=32)] = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPageRead:
    found = _service(lightsoff, caller).dead_letters(DeadLetterFilter(subscription_id, _name(event_type)), after, limit)
    return _page(found, after)


@dead_letters_router.post("/replay", summary="Replay the dead letters a filter selects (or all)")
def replay_dead_letters(body: ReplayFilter, lightsoff: LightsoffDep, caller: SubscriptionsAdmin) -> ReplayRead:
    where = DeadLetterFilter(body.subscription_id, _name(body.event_type), body.since)
    return ReplayRead(replayed=_service(lightsoff, caller).replay_dead_letters(where))


@dead_letters_router.get("/{delivery_id}", summary="A dead letter with every attempt", responses=NOT_FOUND)
def get_dead_letter(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)], lightsoff: LightsoffDep, caller: SubscriptionsAdmin
) -> DeadLetterRead:
    dead = _service(lightsoff, caller).dead_letter(delivery_id)
    return DeadLetterRead(
        **DeliveryRead.of(dead.delivery).model_dump(), attempt_log=[AttemptRead.of(a) for a in dead.attempts]
    )


@dead_letters_router.post("/{delivery_id}/replay", summary="Queue one dead letter again", responses=NOT_FOUND)
def replay_dead_letter(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)], lightsoff: LightsoffDep, caller: SubscriptionsAdmin
) -> ReplayRead:
    return ReplayRead(replayed=_service(lightsoff, caller).replay_dead_letter(delivery_id))
