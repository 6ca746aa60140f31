"""Shipments on SQLite and PostgreSQL: checked against the orders, recorded, announced by an 856 or DESADV."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain import gs1
from lightsoff.domain.documents_out import Party
from lightsoff.domain.errors import InvalidShipment, ShipmentConflict
from lightsoff.domain.orders import Order
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.shipments import ProposedItem, ProposedOrder, ProposedPallet, ProposedShipment
from lightsoff.services.intake import Submission
from lightsoff.services.ports import DocumentQuery
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from tests.factories import line, order_json
from tests.outbound_checks import check_856, check_desadv, edifact_control_number, read_edifact, read_x12

SHIPPED_AT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
FROM = Party("Lightsoff Werk 1", gln="4012345000009")
GIVEN_SSCC = gs1.build_sscc(0, "4012345", 777)


def order(lightsoff: Lightsoff, **changes: Any) -> Order:
    result = lightsoff.intake.submit(Submission(orjson.dumps(order_json(**changes)), "application/json"))
    assert result.order is not None
    return result.order


def pallet(*items: tuple[int, int], sscc: str | None = None, weight: str | None = None) -> ProposedPallet:
    found = tuple(ProposedItem(line_no, Decimal(quantity)) for line_no, quantity in items)
    return ProposedPallet(found, sscc, Decimal(weight) if weight else None)


def shipment(shipment_id: str, *orders: ProposedOrder, partner: str = "ACME", **changes: Any) -> ProposedShipment:
    proposal = ProposedShipment(shipment_id, partner, SHIPPED_AT, FROM, orders, carrier_scac="DHLX")
    return replace(proposal, **changes)


def test_a_shipment_is_recorded_and_its_856_has_the_hierarchy_and_every_sscc(lightsoff: Lightsoff) -> None:
    first, second = order(lightsoff), order(lightsoff)
    proposal = shipment(
        "SHP-1",
        ProposedOrder(first.order_id, (pallet((1, 12), (2, 100), sscc=GIVEN_SSCC, weight="412.5"), pallet((3, 600)))),
        ProposedOrder(second.order_id, (pallet((2, 500)),)),
        bill_of_lading="BOL-1",
    )
    confirmed = lightsoff.shipments.confirm(proposal, correlation_id="corr-ship")
    assert confirmed.created
    ssccs = confirmed.shipment.ssccs
    assert ssccs[0] == GIVEN_SSCC
    assert all(gs1.is_valid_sscc(s) for s in ssccs)
    assert len(set(ssccs)) == 3
    (event,) = lightsoff.queries.event_feed(names=["shipment.confirmed"]).events
    assert (event.stream_id, event.partner, event.correlation_id) == ("SHP-1", "ACME", "corr-ship")
    assert event.data["ssccs"] == list(ssccs)
    assert {"order_id": first.order_id, "line_no": 2, "quantity": "100"} in event.data["lines"]
    (notice,) = confirmed.documents
    document = lightsoff.queries.document(notice.document_id)
    assert (document.kind, document.reference) == ("856", "SHP-1")
    x12 = read_x12(document.body)
    assert check_856(x12) == list(ssccs)
    assert [row[3] for row in x12.all("HL")] == ["S", "O", "T", "I", "I", "T", "I", "O", "T", "I"]
    assert [row[1] for row in x12.all("PRF")] == [first.customer_order.po_number, second.customer_order.po_number]
    assert [row[2] for row in x12.all("SN1")] == ["12", "100", "600", "500"]
    assert x12.one("CTT")[2] == "1212"
    assert ["N1", "ST", "ACME distribution centre North", "UL", "5400110000016"] in x12.rows
    assert ["TD5", "", "2", "DHLX"] in x12.rows
    assert lightsoff.shipments.get("SHP-1").shipment == confirmed.shipment


def test_kuehl_gets_a_desadv_pydifact_reads_with_an_sscc_per_pallet(lightsoff: Lightsoff) -> None:
    kuehl = order(lightsoff, partner="KUEHL", ship_to={"code": "KTN-LAGER"}, lines=[line(1, sku="WID-200")])
    proposal = shipment(
        "SHP-KTN-1", ProposedOrder(kuehl.order_id, (pallet((1, 300)), pallet((1, 300)))), partner="KUEHL"
    )
    confirmed = lightsoff.shipments.confirm(proposal)
    (notice,) = confirmed.documents
    document = lightsoff.queries.document(notice.document_id)
    assert (document.kind, document.format) == ("DESADV", "edifact")
    parsed = read_edifact(document.body)
    assert edifact_control_number(parsed) == document.control_number
    assert parsed.one("BGM")[:2] == ["351", "SHP-KTN-1"]
    assert check_desadv(parsed) == list(confirmed.shipment.ssccs)
    assert [elements[0] for elements in parsed.all("CPS")] == ["1", "2", "3"]
    assert parsed.all("RFF")[-1] == [["ON", kuehl.customer_order.po_number, "1"]]
    assert parsed.all("NAD")[1][:4] == ["ST", ["4250159399005", "", "9"], "", "Kühltechnik Nord, Lager"]


def problems(lightsoff: Lightsoff, proposal: ProposedShipment) -> list[tuple[str, str]]:
    with pytest.raises(InvalidShipment) as raised:
        lightsoff.shipments.confirm(proposal)
    return [(problem.path, problem.code) for problem in raised.value.problems]


def test_every_problem_is_named_with_its_path_and_nothing_is_recorded(lightsoff: Lightsoff) -> None:
    good = order(lightsoff, lines=[line(1, sku="WID-100", quantity=120)])  # 9999 is more, whatever ran before
    held = order(lightsoff, lines=[line(1, sku="NOPE")])
    bolts = order(lightsoff, partner="BOLT")
    bad_digit = GIVEN_SSCC[:-1] + str((int(GIVEN_SSCC[-1]) + 1) % 10)
    proposal = shipment(
        "SHP-BAD",
        ProposedOrder(good.order_id, (pallet((1, 9999), sscc=bad_digit), pallet((7, 1), sscc="12345"))),
        ProposedOrder("SO-2099-999999", (pallet((1, 1)),)),
        ProposedOrder(held.order_id, (pallet((1, 1)),)),
        ProposedOrder(bolts.order_id, (pallet((1, 1)),)),
    )
    assert problems(lightsoff, proposal) == [
        ("$.orders[0].pallets[0].sscc", "invalid_sscc"),
        ("$.orders[0].pallets[1].sscc", "invalid_sscc"),
        ("$.orders[0].pallets[1].items[0].line_no", "unknown_line"),
        ("$.orders[0].pallets[0].items[0].quantity", "quantity_over_ordered"),
        ("$.orders[1].order_id", "unknown_order"),
        ("$.orders[2].order_id", "order_not_shippable"),
        ("$.orders[3].order_id", "unknown_order"),
    ]
    assert problems(lightsoff, shipment("SHP-X", partner="NOBODY")) == [
        ("$.partner", "unknown_partner"),
        ("$.orders", "no_orders"),
    ]
    assert lightsoff.shipments.find() == []
    assert lightsoff.queries.event_feed(names=["shipment.confirmed"]).events == ()
    assert lightsoff.queries.find_documents(DocumentQuery(kind="856")) == []


def test_what_was_shipped_before_counts_and_an_sscc_ships_once(lightsoff: Lightsoff) -> None:
    first = order(lightsoff)
    lightsoff.shipments.confirm(shipment("SHP-A", ProposedOrder(first.order_id, (pallet((2, 300), sscc=GIVEN_SSCC),))))
    again = shipment("SHP-B", ProposedOrder(first.order_id, (pallet((2, 201), sscc=GIVEN_SSCC),)))
    assert problems(lightsoff, again) == [
        ("$.orders[0].pallets[0].sscc", "sscc_shipped"),
        ("$.orders[0].pallets[0].items[0].quantity", "quantity_over_ordered"),
    ]
    twice = shipment("SHP-C", ProposedOrder(first.order_id, (pallet((2, 1), sscc=GIVEN_SSCC),) * 2))
    assert ("$.orders[0].pallets[1].sscc", "duplicate_sscc") in problems(lightsoff, twice)
    rest = lightsoff.shipments.confirm(shipment("SHP-D", ProposedOrder(first.order_id, (pallet((2, 200)),))))
    assert rest.created


def test_the_same_shipment_again_is_answered_as_recorded_and_other_content_is_a_conflict(
    lightsoff: Lightsoff,
) -> None:
    first = order(lightsoff)
    proposal = shipment("SHP-SAME", ProposedOrder(first.order_id, (pallet((1, 1)),)))
    confirmed = lightsoff.shipments.confirm(proposal)
    again = lightsoff.shipments.confirm(proposal)
    assert not again.created
    assert again.shipment == confirmed.shipment
    assert [d.document_id for d in again.documents] == [d.document_id for d in confirmed.documents]
    with pytest.raises(ShipmentConflict, match="SHP-SAME"):
        lightsoff.shipments.confirm(replace(proposal, carrier_scac="UPSN"))
    assert len(lightsoff.queries.find_documents(DocumentQuery(kind="856"))) == 1


def test_control_numbers_increase_per_partner_across_a_restart(
    lightsoff: Lightsoff, settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    first = order(lightsoff)
    lightsoff.shipments.confirm(shipment("SHP-R1", ProposedOrder(first.order_id, (pallet((1, 1)),))))
    restarted = bootstrap(settings, reference_data=demo_reference_data, clock=clock)
    try:
        restarted.shipments.confirm(shipment("SHP-R2", ProposedOrder(first.order_id, (pallet((1, 1)),))))
        numbers = [
            int(read_x12(restarted.queries.document(d.document_id).body).control_number)
            for d in reversed(restarted.queries.find_documents(DocumentQuery(partner="ACME", kind="856")))
        ]
    finally:
        restarted.close()
    assert numbers == [1, 2]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_threads_confirming_at_once_never_share_a_control_number(lightsoff: Lightsoff) -> None:
    orders = [order(lightsoff) for _ in range(2)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def ship(thread: int) -> None:
        barrier.wait()
        try:
            for round_ in range(10):
                proposal = shipment(
                    f"SHP-T{thread}-{round_}", ProposedOrder(orders[thread].order_id, (pallet((3, 1)),))
                )
                lightsoff.shipments.confirm(proposal)
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=ship, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    documents = lightsoff.queries.find_documents(DocumentQuery(partner="ACME", kind="856"))
    numbers = sorted(int(d.control_number) for d in documents)
    assert numbers == list(range(1, 21))
    bodies = {read_x12(lightsoff.queries.document(d.document_id).body).control_number for d in documents}
    assert len(bodies) == 20


def test_a_notice_the_partners_format_cannot_carry_is_a_problem_and_nothing_is_recorded(lightsoff: Lightsoff) -> None:
    starred = order(lightsoff, po_number="PO*STAR")  # X12 has no escape for its element separator
    proposal = shipment("SHP-STAR", ProposedOrder(starred.order_id, (pallet((1, 1)),)))
    assert problems(lightsoff, proposal) == [
        ("$.orders", "notice_not_writable"),
    ]
    assert lightsoff.shipments.find() == []
    assert lightsoff.queries.event_feed(names=["shipment.confirmed"]).events == ()
