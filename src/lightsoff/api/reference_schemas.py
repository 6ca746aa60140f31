"""What the API says about the configuration in force: partner profiles and the product master (``…Read``).

Kept apart from ``api.schemas`` (orders, events, messages) because it mirrors the configuration files:
a key here has the name it has in ``partners/<CODE>.yaml`` or ``products.yaml``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from lightsoff.api.schemas import AddressRead, Quantity
from lightsoff.domain.policy import PartnerPolicy
from lightsoff.domain.reference_data import DocumentProfile, EdiParties, Identifiers, Location, Partner, Product
from lightsoff.rules.effective import EffectiveRule
from lightsoff.services.reference_queries import PartnerProfile


class EdiIdRead(BaseModel):
    id: str = Field(description="interchange sender id (ISA06, UNB 0004)")
    qualifier: str | None = Field(description="ISA05 or UNB 0007, when the profile names one")


class IdentifiersRead(BaseModel):
    edi: list[EdiIdRead]
    gln: list[str]
    email: list[str] = Field(description="sender addresses whose mail is this partner's")
    other: dict[str, str] = Field(description="system → the partner's id there")

    @classmethod
    def of(cls, ids: Identifiers) -> IdentifiersRead:
        return cls(
            edi=[EdiIdRead(id=edi, qualifier=ids.edi_qualifiers.get(edi)) for edi in ids.edi],
            gln=list(ids.gln),
            email=list(ids.email),
            other=dict(ids.other),
        )


class PartnerSummaryRead(BaseModel):
    code: str
    name: str
    identifiers: IdentifiersRead

    @classmethod
    def of(cls, partner: Partner) -> PartnerSummaryRead:
        return cls(code=partner.code, name=partner.name, identifiers=IdentifiersRead.of(partner.identifiers))


class PartnerList(BaseModel):
    items: list[PartnerSummaryRead]


class LocationRead(BaseModel):
    code: str
    name: str
    gln: str | None
    address: AddressRead | None

    @classmethod
    def of(cls, location: Location) -> LocationRead:
        return cls(code=location.code, name=location.name, gln=location.gln, address=AddressRead.of(location.address))


class ContactRead(BaseModel):
    name: str
    email: str | None
    role: str | None


class PolicyRead(BaseModel):
    substitute_successor: bool
    rounding: str = Field(description="up or nearest")
    rounding_tolerance: Quantity = Field(description="the largest change rounding makes unasked, as a share")
    duplicate_window_days: int
    lead_time_days: int
    repeat_orders: str = Field(description="keep_separate, merge or review")
    amendments: str = Field(description="apply or review")
    short_shipment: str = Field(description="backorder, cancel_remainder or review")
    date_formats: list[str] = Field(description="strptime patterns, tried in order")
    decimal_separator: str
    rules: dict[str, str] = Field(description="this profile's outcome overrides: rule id → outcome")

    @classmethod
    def of(cls, policy: PartnerPolicy) -> PolicyRead:
        return cls(
            substitute_successor=policy.substitute_successor,
            rounding=policy.rounding.value,
            rounding_tolerance=policy.rounding_tolerance,
            duplicate_window_days=policy.duplicate_window_days,
            lead_time_days=policy.lead_time_days,
            repeat_orders=policy.repeat_orders.value,
            amendments=policy.amendments.value,
            short_shipment=policy.short_shipment.value,
            date_formats=list(policy.date_formats),
            decimal_separator=policy.decimal_separator,
            rules={rule: outcome.value for rule, outcome in policy.outcomes.items()},
        )


class RuleInForceRead(BaseModel):
    rule: str
    outcome: str = Field(description="accept, correct, review or reject")
    source: str = Field(description="default, rules (this profile's override), or the policy setting that decides")
    summary: str

    @classmethod
    def of(cls, rule: EffectiveRule) -> RuleInForceRead:
        return cls(rule=rule.rule, outcome=rule.outcome.value, source=rule.source, summary=rule.summary)


class EdiPartiesRead(BaseModel):
    our_id: str
    our_qualifier: str
    partner_id: str | None
    partner_qualifier: str | None
    version: str | None
    association: str | None

    @classmethod
    def of(cls, parties: EdiParties | None) -> EdiPartiesRead | None:
        if parties is None:
            return None
        return cls(
            our_id=parties.our_id,
            our_qualifier=parties.our_qualifier,
            partner_id=parties.partner_id,
            partner_qualifier=parties.partner_qualifier,
            version=parties.version,
            association=parties.association,
        )


class DocumentProfileRead(BaseModel):
    """What the partner sends and wants back as documents (docs/configuration.md, ``documents``)."""

    outbound_format: str | None
    x12: EdiPartiesRead | None
    edifact: EdiPartiesRead | None
    functional_ack: str
    order_response: bool
    ship_notice: bool
    acknowledgement_window_seconds: int | None
    inbound_folder: str | None
    outbound_folder: str | None
    spreadsheet: dict[str, Any] | None

    @classmethod
    def of(cls, profile: DocumentProfile) -> DocumentProfileRead:
        window = profile.acknowledgement_window
        return cls(
            outbound_format=profile.outbound_format,
            x12=EdiPartiesRead.of(profile.x12),
            edifact=EdiPartiesRead.of(profile.edifact),
            functional_ack=profile.functional_ack.value,
            order_response=profile.order_response,
            ship_notice=profile.ship_notice,
            acknowledgement_window_seconds=int(window.total_seconds()) if window is not None else None,
            inbound_folder=profile.inbound_folder,
            outbound_folder=profile.outbound_folder,
            spreadsheet=dict(profile.spreadsheet) if profile.spreadsheet is not None else None,
        )


class PartnerRead(PartnerSummaryRead):
    ship_to: list[LocationRead]
    ship_to_codes: dict[str, str] = Field(description="the partner's other ship-to codes → the location's code")
    customer_skus: dict[str, str] = Field(description="the partner's item code → our SKU")
    uom_synonyms: dict[str, str] = Field(description="the partner's unit codes → ours, on top of the standard ones")
    contacts: list[ContactRead]
    policy: PolicyRead
    rules: list[RuleInForceRead] = Field(description="every rule, in the order it runs, as it applies to this partner")
    documents: DocumentProfileRead

    @classmethod
    def of_profile(cls, profile: PartnerProfile) -> PartnerRead:
        partner = profile.partner
        return cls(
            **PartnerSummaryRead.of(partner).model_dump(),
            ship_to=[LocationRead.of(location) for location in partner.ship_to.values()],
            ship_to_codes=dict(partner.ship_to_codes),
            customer_skus=dict(partner.customer_skus),
            uom_synonyms=dict(partner.uom_synonyms),
            contacts=[ContactRead(name=c.name, email=c.email, role=c.role) for c in partner.contacts],
            policy=PolicyRead.of(partner.policy),
            rules=[RuleInForceRead.of(rule) for rule in profile.rules],
            documents=DocumentProfileRead.of(partner.documents),
        )


class PalletRead(BaseModel):
    cases_per_layer: int
    layers: int
    cases: int = Field(description="cases on a full pallet")
    units: int = Field(description="units (the product's uom) on a full pallet")


class ProductRead(BaseModel):
    sku: str
    description: str
    gtin: str | None = Field(description="14 digits")
    uom: str
    case_pack: int = Field(description="units in a case")
    pallet: PalletRead | None
    status: str = Field(description="active, discontinued or retired, from effective_date on")
    successor: str | None = Field(description="the SKU that replaces a discontinued product")
    effective_date: date | None = Field(description="the day status takes effect; before it the product is active")
    min_quantity: Quantity | None
    max_quantity: Quantity | None

    @classmethod
    def of(cls, product: Product) -> ProductRead:
        pallet = product.pallet
        return cls(
            sku=product.sku,
            description=product.description,
            gtin=product.gtin,
            uom=product.uom,
            case_pack=product.case_pack,
            pallet=PalletRead(
                cases_per_layer=pallet.cases_per_layer,
                layers=pallet.layers,
                cases=pallet.cases,
                units=pallet.cases * product.case_pack,
            )
            if pallet
            else None,
            status=product.status.value,
            successor=product.successor,
            effective_date=product.effective_date,
            min_quantity=product.min_quantity,
            max_quantity=product.max_quantity,
        )


class ProductList(BaseModel):
    items: list[ProductRead]
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last page")
