"""Reference data the rules decide with: partners, products, teams and who owns which exception category.

Loaded from configuration files today (``lightsoff.config``); the types do not care where from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lightsoff.domain.customer_order import Address
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.policy import DEFAULT_POLICY, PartnerPolicy

STANDARD_UOM_SYNONYMS: Mapping[str, str] = {
    "EACH": "EA",
    "PCE": "EA",
    "PC": "EA",
    "PCS": "EA",
    "ST": "EA",
    "STK": "EA",
    "C62": "EA",
    "CASE": "CS",
    "CT": "CS",
    "CTN": "CS",
    "CA": "CS",
    "PALLET": "PL",
    "PAL": "PL",
    "PX": "PL",
    "PF": "PL",
}
"""Common spellings of each, case and pallet (X12 and UN/ECE rec. 20 codes among them) → ours."""


@dataclass(frozen=True, slots=True)
class Location:
    """A ship-to location of a partner, under the partner's own code for it."""

    code: str
    name: str
    address: Address | None = None
    gln: str | None = None


@dataclass(frozen=True, slots=True)
class Identifiers:
    """How other systems name the partner: EDI sender ids, GLNs, e-mail senders, its codes elsewhere."""

    edi: tuple[str, ...] = ()
    """Interchange sender ids (ISA06, UNB 0004), as sent, without padding."""
    edi_qualifiers: Mapping[str, str] = field(default_factory=dict)
    """Sender id → the qualifier it comes with (ISA05 ``ZZ``, UNB 0007 ``14``), where the profile names one."""
    gln: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    """Sender addresses (lower-case) whose mail is this partner's."""
    other: Mapping[str, str] = field(default_factory=dict)
    """System → the partner's id there (``erp: C-10042``)."""


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class EdiParties:
    """Who is who in EDI envelopes with this partner, and which version lightsoff writes to it."""

    our_id: str
    """lightsoff's interchange id: the receiver of what the partner sends, the sender of what lightsoff sends."""
    our_qualifier: str
    partner_id: str | None = None
    """The partner's id in what lightsoff sends; default: its first EDI sender id."""
    partner_qualifier: str | None = None
    version: str | None = None
    """What lightsoff writes: X12 ``004010`` or ``005010``; EDIFACT ``D96A`` or ``D01B``. Default: as received."""
    association: str | None = None
    """EDIFACT only: the EANCOM association code (``EAN008``…), or None for plain UN/EDIFACT."""


class FunctionalAck(StrEnum):
    AUTO = "auto"
    """In the inbound document's own standard and version: 997 for X12 4010, 999 for 5010, CONTRL for EDIFACT."""
    X12_997 = "997"
    X12_999 = "999"
    NONE = "none"
    """The partner does not want them."""


@dataclass(frozen=True, slots=True)
class DocumentProfile:
    """What the partner sends in and wants back, and through which channel.

    The spreadsheet layout is kept as the configuration gave it (validated there); the spreadsheet
    codec reads it into its own mapping, so the domain does not depend on a codec.
    """

    outbound_format: str | None = None
    """``x12`` or ``edifact`` for order responses and ship notices; None: the partner gets no EDI from us."""
    x12: EdiParties | None = None
    edifact: EdiParties | None = None
    functional_ack: FunctionalAck = FunctionalAck.AUTO
    order_response: bool = False
    """Send an 855 / ORDRSP once an order is decided (validated, its lines changed or rejected)."""
    ship_notice: bool = False
    """Send an 856 / DESADV for each confirmed shipment."""
    acknowledgement_window: timedelta | None = None
    """A document lightsoff sent and the partner has not acknowledged within this raises an exception case."""
    inbound_folder: str | None = None
    """The partner's drop folder, watched for files it sends (relative paths: under the data folder)."""
    outbound_folder: str | None = None
    """Where documents for the partner are written (relative paths: under the data folder)."""
    spreadsheet: Mapping[str, object] | None = None
    """The column mapping of the partner's CSV/XLSX orders (see formats/spreadsheet/mapping.py)."""


@dataclass(frozen=True, slots=True)
class Partner:
    code: str
    name: str
    ship_to: Mapping[str, Location] = field(default_factory=dict)
    ship_to_codes: Mapping[str, str] = field(default_factory=dict)
    """The partner's other codes for its locations (an old store number, an ERP id) → the location's code."""
    customer_skus: Mapping[str, str] = field(default_factory=dict)
    """The partner's item code → our SKU."""
    uom_synonyms: Mapping[str, str] = field(default_factory=dict)
    """The partner's unit codes → ours, on top of the standard ones."""
    identifiers: Identifiers = field(default_factory=Identifiers)
    contacts: tuple[Contact, ...] = ()
    policy: PartnerPolicy = DEFAULT_POLICY
    documents: DocumentProfile = field(default_factory=DocumentProfile)

    def location_for(self, code: str) -> str | None:
        """The code of the location ``code`` names through the code list or a location's GLN; None if none."""
        known = self.ship_to_codes.get(code)
        if known is not None:
            return known
        return next((location.code for location in self.ship_to.values() if location.gln == code), None)

    def uom(self, code: str) -> str:
        """Our unit code for the partner's ``code`` (upper-cased, synonyms applied)."""
        upper = code.strip().upper()
        return self.uom_synonyms.get(upper) or STANDARD_UOM_SYNONYMS.get(upper, upper)


class ProductStatus(StrEnum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"
    """No longer made; a successor may replace it."""
    RETIRED = "retired"
    """Gone, with no replacement."""


@dataclass(frozen=True, slots=True)
class PalletPack:
    cases_per_layer: int
    layers: int

    @property
    def cases(self) -> int:
        return self.cases_per_layer * self.layers


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    description: str
    uom: str
    case_pack: int
    gtin: str | None = None
    """Left-padded to 14 digits."""
    pallet: PalletPack | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    successor: str | None = None
    effective_date: date | None = None
    """The day ``status`` takes effect; before it the product is active."""
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None

    def status_on(self, day: date) -> ProductStatus:
        if self.effective_date is not None and day < self.effective_date:
            return ProductStatus.ACTIVE
        return self.status


@dataclass(frozen=True, slots=True)
class Team:
    """Who handles a category of exception cases, and how to reach them."""

    name: str
    emails: tuple[str, ...] = ()
    webhook: str | None = None
    escalation_emails: tuple[str, ...] = ()
    """Who hears of a case nobody handled in time."""


@dataclass(frozen=True, slots=True)
class Route:
    """Who owns an exception category, and how soon they must handle a case."""

    team: str
    severity: Severity
    handle_within: timedelta


DEFAULT_ROUTE = Route(team="customer_service", severity=Severity.MEDIUM, handle_within=timedelta(hours=4))


class ReferenceData:
    """Partners, products, teams and routing, indexed for the look-ups rules make on every order line."""

    def __init__(
        self,
        partners: Iterable[Partner] = (),
        products: Iterable[Product] = (),
        routes: Mapping[str, Route] | None = None,
        teams: Iterable[Team] = (),
    ) -> None:
        self._partners = {partner.code: partner for partner in partners}
        self._products = {product.sku: product for product in products}
        self._by_gtin = {product.gtin: product for product in self._products.values() if product.gtin}
        self._routes = dict(routes or {})
        self._teams = {team.name: team for team in teams}
        self._by_identifier: dict[str, Partner] = {}
        for partner in self._partners.values():
            ids = (*partner.identifiers.edi, *partner.identifiers.gln, *partner.identifiers.email)
            for identifier in ids:
                self._by_identifier[identifier.strip().lower()] = partner

    def partner(self, code: str) -> Partner | None:
        return self._partners.get(code)

    def partner_by_identifier(self, identifier: str) -> Partner | None:
        """The partner an EDI sender id, a GLN or an e-mail address belongs to."""
        return self._by_identifier.get(identifier.strip().lower())

    def partners(self) -> list[Partner]:
        return sorted(self._partners.values(), key=lambda partner: partner.code)

    def product(self, sku: str) -> Product | None:
        return self._products.get(sku)

    def product_by_gtin(self, gtin14: str) -> Product | None:
        return self._by_gtin.get(gtin14)

    def products(self) -> list[Product]:
        return sorted(self._products.values(), key=lambda product: product.sku)

    def route(self, category: str) -> Route:
        return self._routes.get(category, DEFAULT_ROUTE)

    def routes(self) -> dict[str, Route]:
        return dict(self._routes)

    def team(self, name: str) -> Team:
        return self._teams.get(name, Team(name))

    def teams(self) -> list[Team]:
        return sorted(self._teams.values(), key=lambda team: team.name)
