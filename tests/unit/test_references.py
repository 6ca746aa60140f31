"""Resolving the partner's references: SKU, the partner's code list, then GTIN; what stays unknown is a finding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import pytest

from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.policy import DEFAULT_POLICY, PartnerPolicy, RuleOutcome
from lightsoff.domain.reference_data import Location, Partner, ReferenceData
from lightsoff.formats.canonical_json import parse_order
from lightsoff.rules.catalog import MALFORMED_DATA, UNKNOWN_PARTNER, UNKNOWN_PRODUCT, UNKNOWN_SHIP_TO
from lightsoff.rules.draft import RuleContext
from lightsoff.rules.engine import evaluate
from lightsoff.rules.findings import Finding
from tests.factories import line, order_json


@dataclass(frozen=True)
class ReferenceCheck:
    resolved_skus: dict[int, str]
    findings: tuple[Finding, ...]


def check_references(order: CustomerOrder, reference_data: ReferenceData) -> ReferenceCheck:
    """The rule set's reference findings alone (the orders here are not meant to fit packs)."""
    evaluation = evaluate(order, RuleContext(reference_data, today=date(2026, 11, 23)))
    references = {UNKNOWN_PARTNER, UNKNOWN_PRODUCT, UNKNOWN_SHIP_TO}
    findings = tuple(finding for finding in evaluation.findings if finding.rule in references)
    return ReferenceCheck(evaluation.resolved_skus, findings)


def customer_order(**changes: Any) -> CustomerOrder:
    order = parse_order(orjson.dumps(order_json(**changes))).order
    assert order is not None
    return order


def test_a_known_order_resolves_every_line(demo_reference_data: ReferenceData) -> None:
    check = check_references(customer_order(), demo_reference_data)
    assert check.findings == ()
    assert check.resolved_skus == {1: "WID-100", 2: "WID-200", 3: "WID-300"}


@pytest.mark.parametrize(
    ("item", "sku"),
    [
        ({"sku": "WID-100"}, "WID-100"),
        ({"customer_sku": "A-7790"}, "WID-300"),  # ACME's code list
        ({"gtin": "4012345000047"}, "FIT-410"),  # GTIN-13 found padded to 14
        ({"gtin": "04012345000047"}, "FIT-410"),
        ({"customer_sku": "UNMAPPED", "gtin": "4012345000078"}, "CHN-800"),  # code list misses, GTIN finds
        ({"sku": "WID-100", "customer_sku": "A-7788"}, "WID-100"),  # our SKU comes first
    ],
)
def test_item_resolution_order(demo_reference_data: ReferenceData, item: dict[str, str], sku: str) -> None:
    check = check_references(customer_order(lines=[line(1, **item)]), demo_reference_data)
    assert check.resolved_skus == {1: sku}
    assert check.findings == ()


@pytest.mark.parametrize(
    "item",
    [{"sku": "NOPE-1"}, {"customer_sku": "ZZ-99"}, {"gtin": "4012345000092"}, {"customer_sku": "BIS-10060"}],
    ids=["unknown sku", "unmapped customer sku", "gtin not in master", "another partner's code"],
)
def test_an_unresolvable_line_is_an_unknown_product_finding(demo_reference_data: ReferenceData, item: Any) -> None:
    check = check_references(customer_order(lines=[line(1, sku="WID-100"), line(2, **item)]), demo_reference_data)
    assert check.resolved_skus == {1: "WID-100"}
    [finding] = check.findings
    assert (finding.category, finding.line_no) == (UNKNOWN_PRODUCT, 2)
    assert "Line 2" in finding.message
    assert "substitute_sku" in finding.actions


def test_an_unknown_ship_to_is_a_finding_naming_the_partner(demo_reference_data: ReferenceData) -> None:
    check = check_references(customer_order(ship_to={"code": "ACME-DC-EAST"}), demo_reference_data)
    [finding] = check.findings
    assert finding.category == UNKNOWN_SHIP_TO
    assert "ACME-DC-EAST" in finding.message
    assert "ACME Retail GmbH" in finding.message


def test_an_unknown_partner_is_one_finding_and_its_code_only_lines_wait_for_it(
    demo_reference_data: ReferenceData,
) -> None:
    order = customer_order(
        partner="NEWCO",
        lines=[line(1, customer_sku="N-1"), line(2, sku="WID-100"), line(3, sku="NOPE")],
    )
    check = check_references(order, demo_reference_data)
    assert [(f.category, f.line_no) for f in check.findings] == [(UNKNOWN_PARTNER, None), (UNKNOWN_PRODUCT, 3)]
    assert check.resolved_skus == {2: "WID-100"}


def test_every_finding_is_reported_not_just_the_first(demo_reference_data: ReferenceData) -> None:
    order = customer_order(ship_to={"code": "X"}, lines=[line(1, sku="A"), line(2, sku="B")])
    categories = [finding.category for finding in check_references(order, demo_reference_data).findings]
    assert categories == [UNKNOWN_SHIP_TO, UNKNOWN_PRODUCT, UNKNOWN_PRODUCT]


def with_locations(data: ReferenceData, policy: PartnerPolicy = DEFAULT_POLICY) -> ReferenceData:
    """ACME with a GLN on its north DC, its old store numbers in a code list, and ``policy``."""
    north = Location("ACME-DC-NORTH", "ACME DC North", gln="5400110000016")
    south = Location("ACME-DC-SOUTH", "ACME DC South")
    acme = Partner(
        "ACME",
        "ACME Retail GmbH",
        ship_to={north.code: north, south.code: south},
        ship_to_codes={"4711": north.code, "4712": south.code},
        policy=policy,
    )
    return ReferenceData([acme], data.products())


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("4711", "'4711' is another code for location 'ACME-DC-NORTH'"),
        ("5400110000016", "'5400110000016' is another code for location 'ACME-DC-NORTH'"),
        (" acme-dc-north", "' acme-dc-north' is written differently from location 'ACME-DC-NORTH'"),
    ],
    ids=["code list", "GLN", "loose spelling"],
)
def test_a_ship_to_the_partner_names_otherwise_is_corrected_to_its_location(
    demo_reference_data: ReferenceData, code: str, reason: str
) -> None:
    data = with_locations(demo_reference_data)
    evaluation = evaluate(customer_order(ship_to={"code": code}), RuleContext(data, today=date(2026, 11, 23)))
    assert evaluation.order.ship_to.code == "ACME-DC-NORTH"
    [correction] = [c for c in evaluation.corrections if c.field == "$.ship_to.code"]
    assert (correction.rule, correction.before, correction.after) == (MALFORMED_DATA, code, "ACME-DC-NORTH")
    assert correction.reason == reason
    assert not [f for f in evaluation.findings if f.rule == UNKNOWN_SHIP_TO]


def test_a_ship_to_alias_goes_to_review_when_the_partner_reviews_malformed_data(
    demo_reference_data: ReferenceData,
) -> None:
    data = with_locations(demo_reference_data, PartnerPolicy(outcomes={MALFORMED_DATA: RuleOutcome.REVIEW}))
    evaluation = evaluate(customer_order(ship_to={"code": "4712"}), RuleContext(data, today=date(2026, 11, 23)))
    [finding] = [f for f in evaluation.findings if f.rule == MALFORMED_DATA]
    assert finding.outcome is RuleOutcome.REVIEW
    assert finding.suggestion == {"action": "set_ship_to", "parameters": {"code": "ACME-DC-SOUTH"}}
    assert "'4712' is another code for location 'ACME-DC-SOUTH' of partner ACME" in finding.message
