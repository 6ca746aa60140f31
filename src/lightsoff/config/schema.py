"""The shape of each configuration file, as pydantic models (validated, with every error located).

What one value can say about itself is checked here (a GLN's check digit, a date format, a
positive duration); what needs other values or other files is in ``config.checks``. The defaults
are the domain's (``DEFAULT_POLICY``), so a profile that leaves a setting out gets what the rules
would do without a profile.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from lightsoff.domain import gs1
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.policy import DEFAULT_POLICY, Amendments, RepeatOrders, Rounding, RuleOutcome, ShortShipment
from lightsoff.domain.reference_data import FunctionalAck, ProductStatus
from lightsoff.formats.spreadsheet.mapping import SpreadsheetMapping


def _matching(pattern: str, meaning: str) -> AfterValidator:
    """A pattern check whose error says what the value should be, rather than the regular expression."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {meaning}")
        return value

    return AfterValidator(check)


Code = Annotated[str, Field(min_length=1, max_length=35), _matching(r"^\S(.*\S)?$", "a code: no blanks at its ends")]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_SAMPLE_DAY = date(2026, 11, 23)
"""Day, month and year all differ, so a format that swaps or drops one of them shows."""


def _gtin(value: str) -> str:
    problem = gs1.gtin_problem(value)
    if problem:
        raise ValueError(f"GTIN {value}: {problem}")
    return gs1.normalize_gtin(value)


def _gln(value: str) -> str:
    problem = gs1.gln_problem(value)
    if problem:
        raise ValueError(f"GLN {value}: {problem}")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address (name@domain.example)")
    return value.lower()


def _date_format(value: str) -> str:
    """A strptime pattern that reads a whole date back: day, month and year, each once."""
    try:
        read = datetime.strptime(_SAMPLE_DAY.strftime(value), value).date()
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a strptime date format ({exc}); for example %d.%m.%Y") from exc
    if read != _SAMPLE_DAY:
        raise ValueError(f"{value!r} does not say day, month and year (%d, %m, %Y); for example %d.%m.%Y")
    return value


def _unit(value: str) -> str:
    if not value.isascii() or not value.isalnum() or value != value.upper():
        raise ValueError(f"{value!r}: a unit code is upper-case letters and digits (EA, CS, M), as orders are read")
    return value


Gtin = Annotated[str, AfterValidator(_gtin)]
Gln = Annotated[str, AfterValidator(_gln)]
Email = Annotated[str, AfterValidator(_email)]
DateFormat = Annotated[str, AfterValidator(_date_format)]
Unit = Annotated[str, Field(min_length=1, max_length=10), AfterValidator(_unit)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddressConfig(Strict):
    lines: list[str] = Field(default_factory=list)
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: Annotated[str, _matching("^[A-Z]{2}$", "an ISO 3166 country code (two capitals: DE, GB)")] | None = None


class LocationConfig(Strict):
    code: Code
    name: str
    address: AddressConfig | None = None
    gln: Gln | None = None


class EdiIdConfig(Strict):
    id: Code
    qualifier: Annotated[str, _matching("^[0-9A-Z]{1,4}$", "a qualifier (1-4 capitals or digits: ZZ, 14)")] | None = (
        None
    )


def _edi_id(value: Any) -> Any:
    """A bare sender id is the same as one without a qualifier."""
    return {"id": value} if isinstance(value, str) else value


class IdentifiersConfig(Strict):
    edi: list[Annotated[EdiIdConfig, BeforeValidator(_edi_id)]] = Field(default_factory=list)
    gln: list[Gln] = Field(default_factory=list)
    email: list[Email] = Field(default_factory=list)
    other: dict[Code, Code] = Field(default_factory=dict, description="system → the partner's id there")


class ContactConfig(Strict):
    name: str = Field(min_length=1)
    email: Email | None = None
    role: str | None = None


class PolicyConfig(Strict):
    """Every field of ``PartnerPolicy``; ``rules`` is its per-rule ``outcomes``."""

    substitute_successor: bool = DEFAULT_POLICY.substitute_successor
    rounding: Rounding = DEFAULT_POLICY.rounding
    rounding_tolerance: Decimal = Field(default=DEFAULT_POLICY.rounding_tolerance, ge=0, le=1)
    duplicate_window_days: int = Field(default=DEFAULT_POLICY.duplicate_window_days, ge=0, le=366)
    lead_time_days: int = Field(default=DEFAULT_POLICY.lead_time_days, ge=0, le=366)
    repeat_orders: RepeatOrders = DEFAULT_POLICY.repeat_orders
    amendments: Amendments = DEFAULT_POLICY.amendments
    short_shipment: ShortShipment = DEFAULT_POLICY.short_shipment
    date_formats: list[DateFormat] = Field(default=list(DEFAULT_POLICY.date_formats), min_length=1)
    decimal_separator: Literal[".", ","] = "."
    rules: dict[str, RuleOutcome] = Field(default_factory=dict, description="rule id → outcome")


Qualifier = Annotated[str, _matching("^[0-9A-Z]{1,4}$", "a qualifier (1-4 capitals or digits: ZZ, 14)")]
Folder = Annotated[str, Field(min_length=1, max_length=500)]


class EdiPartiesConfig(Strict):
    our_id: Annotated[str, Field(min_length=1, max_length=35)]
    our_qualifier: Qualifier = "ZZ"
    partner_id: Annotated[str, Field(min_length=1, max_length=35)] | None = None
    partner_qualifier: Qualifier | None = None
    version: str | None = None
    association: str | None = None


class X12PartiesConfig(EdiPartiesConfig):
    version: Literal["004010", "005010"] | None = None


class EdifactPartiesConfig(EdiPartiesConfig):
    our_qualifier: Qualifier = "14"
    version: Literal["D96A", "D01B"] | None = None


class DocumentsConfig(Strict):
    """What the partner sends and wants back as documents, and the channel: ``documents:`` of a profile."""

    outbound_format: Literal["x12", "edifact"] | None = None
    x12: X12PartiesConfig | None = None
    edifact: EdifactPartiesConfig | None = None
    functional_ack: FunctionalAck = FunctionalAck.AUTO
    order_response: bool = False
    ship_notice: bool = False
    acknowledgement_window: timedelta | None = Field(default=None, description="ISO 8601 duration, such as PT24H")
    inbound_folder: Folder | None = None
    outbound_folder: Folder | None = None
    spreadsheet: SpreadsheetMapping | None = None

    @model_validator(mode="after")
    def _outbound_parties(self) -> DocumentsConfig:
        if self.outbound_format is not None and getattr(self, self.outbound_format) is None:
            raise ValueError(
                f"outbound_format is {self.outbound_format}, so give documents.{self.outbound_format} with our_id "
                "(lightsoff's interchange id towards this partner)"
            )
        if (self.order_response or self.ship_notice) and self.outbound_format is None:
            raise ValueError("order_response and ship_notice need an outbound_format (x12 or edifact)")
        return self


class PartnerConfig(Strict):
    """One partner profile: ``partners/<CODE>.yaml``."""

    code: Code
    name: str = Field(min_length=1)
    identifiers: IdentifiersConfig = IdentifiersConfig()
    ship_to: list[LocationConfig] = Field(default_factory=list)
    ship_to_codes: dict[Code, Code] = Field(default_factory=dict, description="another code → our location code")
    customer_skus: dict[Code, Code] = Field(default_factory=dict, description="the partner's item code → our SKU")
    uom_synonyms: dict[Code, Unit] = Field(default_factory=dict, description="the partner's unit → ours")
    contacts: list[ContactConfig] = Field(default_factory=list)
    policy: PolicyConfig = PolicyConfig()
    documents: DocumentsConfig = DocumentsConfig()


class PalletConfig(Strict):
    cases_per_layer: int = Field(gt=0)
    layers: int = Field(gt=0)


class ProductConfig(Strict):
    sku: Code
    description: str = Field(min_length=1)
    uom: Unit
    case_pack: int = Field(gt=0)
    gtin: Gtin | None = None
    pallet: PalletConfig | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    successor: Code | None = None
    effective_date: date | None = Field(default=None, description="the day status takes effect")
    min_quantity: Decimal | None = Field(default=None, gt=0)
    max_quantity: Decimal | None = Field(default=None, gt=0)


class ProductsConfig(Strict):
    """The product master: ``products.yaml`` (or the rows of ``products.csv``)."""

    products: list[ProductConfig]


class TeamConfig(Strict):
    emails: list[Email] = Field(default_factory=list)
    webhook: Annotated[str, Field(max_length=2048), _matching(r"^https?://\S+$", "an http(s):// URL")] | None = None
    escalation_emails: list[Email] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reachable(self) -> TeamConfig:
        if not self.emails:
            raise ValueError(
                "nobody would hear of this team's cases: give it emails (the notifier does not call a webhook)"
            )
        return self


def _not_negative(value: timedelta) -> timedelta:
    """PT0S is allowed: the case is due at once, and escalated by the next escalation run."""
    if value < timedelta(0):
        raise ValueError("a case cannot be due before it is raised: give an ISO 8601 duration such as PT4H")
    return value


class RouteConfig(Strict):
    team: Code
    severity: Severity = Severity.MEDIUM
    handle_within: Annotated[timedelta, AfterValidator(_not_negative)] = Field(
        description="ISO 8601 duration, such as PT4H"
    )


class RoutingConfig(Strict):
    """Who handles exception cases, and which category goes to whom: ``routing.yaml``."""

    teams: dict[Code, TeamConfig] = Field(default_factory=dict)
    routes: dict[str, RouteConfig] = Field(default_factory=dict)
