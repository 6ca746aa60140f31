"""Validated configuration into the domain's reference data (plain dataclasses the rules read)."""

from __future__ import annotations

from lightsoff.config.schema import (
    AddressConfig,
    DocumentsConfig,
    EdiPartiesConfig,
    IdentifiersConfig,
    PartnerConfig,
    PolicyConfig,
    ProductConfig,
    RoutingConfig,
)
from lightsoff.domain.customer_order import Address
from lightsoff.domain.policy import PartnerPolicy
from lightsoff.domain.reference_data import (
    Contact,
    DocumentProfile,
    EdiParties,
    Identifiers,
    Location,
    PalletPack,
    Partner,
    Product,
    ReferenceData,
    Route,
    Team,
)


def reference_data(
    partners: list[PartnerConfig], products: list[ProductConfig], routing: RoutingConfig | None
) -> ReferenceData:
    return ReferenceData(
        partners=[partner(config) for config in partners],
        products=[product(config) for config in products],
        routes={
            category: Route(route.team, route.severity, route.handle_within)
            for category, route in (routing.routes.items() if routing else ())
        },
        teams=[
            Team(name, tuple(team.emails), team.webhook, tuple(team.escalation_emails))
            for name, team in (routing.teams.items() if routing else ())
        ],
    )


def partner(config: PartnerConfig) -> Partner:
    return Partner(
        code=config.code,
        name=config.name,
        ship_to={
            location.code: Location(location.code, location.name, _address(location.address), location.gln)
            for location in config.ship_to
        },
        ship_to_codes=dict(config.ship_to_codes),
        customer_skus=dict(config.customer_skus),
        uom_synonyms={synonym.strip().upper(): unit for synonym, unit in config.uom_synonyms.items()},
        identifiers=_identifiers(config.identifiers),
        contacts=tuple(Contact(contact.name, contact.email, contact.role) for contact in config.contacts),
        policy=policy(config.policy),
        documents=documents(config.documents),
    )


def documents(config: DocumentsConfig) -> DocumentProfile:
    return DocumentProfile(
        outbound_format=config.outbound_format,
        x12=_parties(config.x12),
        edifact=_parties(config.edifact),
        functional_ack=config.functional_ack,
        order_response=config.order_response,
        ship_notice=config.ship_notice,
        acknowledgement_window=config.acknowledgement_window,
        inbound_folder=config.inbound_folder,
        outbound_folder=config.outbound_folder,
        spreadsheet=config.spreadsheet.model_dump(exclude_defaults=True) if config.spreadsheet else None,
    )


def _parties(config: EdiPartiesConfig | None) -> EdiParties | None:
    if config is None:
        return None
    return EdiParties(
        our_id=config.our_id,
        our_qualifier=config.our_qualifier,
        partner_id=config.partner_id,
        partner_qualifier=config.partner_qualifier,
        version=config.version,
        association=config.association,
    )


def _address(config: AddressConfig | None) -> Address | None:
    if config is None:
        return None
    return Address(
        lines=tuple(config.lines),
        city=config.city,
        postal_code=config.postal_code,
        region=config.region,
        country=config.country,
    )


def _identifiers(config: IdentifiersConfig) -> Identifiers:
    return Identifiers(
        edi=tuple(edi.id for edi in config.edi),
        edi_qualifiers={edi.id: edi.qualifier for edi in config.edi if edi.qualifier},
        gln=tuple(config.gln),
        email=tuple(config.email),
        other=dict(config.other),
    )


def policy(config: PolicyConfig) -> PartnerPolicy:
    return PartnerPolicy(
        substitute_successor=config.substitute_successor,
        rounding=config.rounding,
        rounding_tolerance=config.rounding_tolerance,
        duplicate_window_days=config.duplicate_window_days,
        lead_time_days=config.lead_time_days,
        repeat_orders=config.repeat_orders,
        amendments=config.amendments,
        short_shipment=config.short_shipment,
        date_formats=tuple(config.date_formats),
        decimal_separator=config.decimal_separator,
        outcomes=dict(config.rules),
    )


def product(config: ProductConfig) -> Product:
    return Product(
        sku=config.sku,
        description=config.description,
        uom=config.uom,
        case_pack=config.case_pack,
        gtin=config.gtin,
        pallet=PalletPack(config.pallet.cases_per_layer, config.pallet.layers) if config.pallet else None,
        status=config.status,
        successor=config.successor,
        effective_date=config.effective_date,
        min_quantity=config.min_quantity,
        max_quantity=config.max_quantity,
    )
