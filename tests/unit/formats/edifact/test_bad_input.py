"""Bad input: each error or problem says what is wrong and where (segment number and tag, element)."""

from __future__ import annotations

import pytest

from lightsoff.formats.edifact import EdifactError, EdifactLimits, read_edifact

GOOD = (
    "UNA:+.? '\n"
    "UNB+UNOC:3+5412345000013:14+4012345000009:14+261123:1200+IC1'\n"
    "UNH+M1+ORDERS:D:96A:UN:EAN008'\n"
    "BGM+220+PO-1+9'\n"
    "DTM+137:20261123:102'\n"
    "DTM+2:20261201:102'\n"
    "NAD+BY+5412345000013::9'\n"
    "NAD+DP+5412345000020::9++DC NORTH+STREET 1+CITY++12345+DE'\n"
    "LIN+1++4012345000016:EN'\n"
    "QTY+21:10:PCE'\n"
    "UNS+S'\n"
    "UNT+10+M1'\n"
    "UNZ+1+IC1'\n"
)


def edifact(text: str = GOOD) -> bytes:
    return text.encode("latin-1")


def problems_of(document):
    found = [(problem.code, problem.location) for problem in document.problems]
    for order in document.orders:
        found.extend((problem.code, problem.location) for problem in order.problems)
    return found


def test_the_good_order_reads_without_problems():
    document = read_edifact(edifact())

    assert problems_of(document) == []
    assert document.orders[0].order["ship_to"] == {
        "code": "5412345000020",
        "name": "DC NORTH",
        "address": {"lines": ["STREET 1"], "city": "CITY", "postal_code": "12345", "country": "DE"},
    }


def test_a_truncated_interchange_spoils_the_open_message_and_says_where_it_ends():
    document = read_edifact(edifact(GOOD[: GOOD.index("QTY+21:10")] + "QTY+21:1"))

    assert ("missing_unz", "interchange IC1, segment 9 (QTY)") in problems_of(document)
    order_codes = [problem.code for problem in document.orders[0].problems]
    assert order_codes == ["truncated", "missing_unt"]
    assert document.orders[0].problems[0].location == "interchange IC1, segment 9 (QTY)"


@pytest.mark.parametrize(
    ("una", "fragment"),
    [
        ("UNA:+.?", "six service characters"),
        ("UNA::.? '", "four different"),
        ("UNA:+;? '", "decimal mark"),
        ("UNAA+.? '", "non-alphanumeric"),
    ],
)
def test_a_wrong_una_is_rejected_with_what_to_send(una, fragment):
    with pytest.raises(EdifactError) as raised:
        read_edifact(edifact(una + GOOD[9:]) if len(una) == 9 else edifact(una))

    assert raised.value.problem.code == "invalid_una"
    assert raised.value.problem.location == "UNA"
    assert fragment in raised.value.problem.message


def test_data_without_unb_is_not_edifact():
    with pytest.raises(EdifactError) as raised:
        read_edifact(edifact("UNA:+.? '\nUNH+1+ORDERS:D:96A:UN'\nUNT+2+1'\n"))

    assert raised.value.problem.code == "missing_unb"
    assert raised.value.problem.location == "segment 1 (UNH)"


def test_a_missing_unz_is_located_at_the_last_segment():
    document = read_edifact(edifact(GOOD.replace("UNZ+1+IC1'\n", "")))

    assert problems_of(document) == [("missing_unz", "interchange IC1, segment 11 (UNT)")]


def test_a_second_interchange_reads_on_its_own_and_a_missing_unz_before_it_is_reported():
    second = GOOD.replace("IC1", "IC2").replace("PO-1", "PO-2")[9:]
    document = read_edifact(edifact(GOOD.replace("UNZ+1+IC1'\n", "") + second))

    assert [order.order["po_number"] for order in document.orders] == ["PO-1", "PO-2"]
    assert [order.reference for order in document.orders] == ["IC1/M1", "IC2/M1"]
    assert problems_of(document) == [("missing_unz", "interchange IC1, segment 11 (UNT)")]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("UNZ+1+IC1", "UNZ+1+IC9", ("reference_mismatch", "interchange IC1, segment 12 (UNZ), element 2")),
        ("UNZ+1+IC1", "UNZ+2+IC1", ("count_mismatch", "interchange IC1, segment 12 (UNZ), element 1")),
        ("UNT+10+M1", "UNT+11+M2", ("reference_mismatch", "interchange IC1, segment 11 (UNT), element 2")),
        ("UNT+10+M1", "UNT+12+M1", ("count_mismatch", "interchange IC1, segment 11 (UNT), element 1")),
        ("UNT+10+M1", "UNT+XI+M1", ("invalid_count", "interchange IC1, segment 11 (UNT), element 1")),
        ("ORDERS:D", "ORDERZ:D", ("unknown_message_type", "interchange IC1, segment 2 (UNH), element 2, component 1")),
    ],
)  # fmt: skip
def test_mismatched_references_counts_and_types_are_located(old, new, expected):
    document = read_edifact(edifact(GOOD.replace(old, new)))

    assert expected in problems_of(document)


def test_unoa_refuses_lower_case_and_unob_refuses_latin_1_letters_at_their_element():
    unoa = read_edifact(edifact(GOOD.replace("UNOC", "UNOA").replace("DC NORTH", "DC North")))
    unob = read_edifact(edifact(GOOD.replace("UNOC", "UNOB").replace("DC NORTH", "DC NÖRTH")))

    location = "interchange IC1, segment 7 (NAD), element 4, component 1"
    assert problems_of(unoa) == [("invalid_character", location)]
    assert "'o'" in unoa.orders[0].problems[0].message
    assert problems_of(unob) == [("invalid_character", location)]
    assert "U+00D6" in unob.orders[0].problems[0].message


def test_unoy_reads_utf8_and_a_broken_utf8_byte_is_reported():
    text = GOOD.replace("UNOC", "UNOY").replace("DC NORTH", "DC NÖRTH")
    good = read_edifact(text.encode("utf-8"))
    broken = read_edifact(text.encode("utf-8").replace("Ö".encode(), b"\xff"))

    assert good.orders[0].order["ship_to"]["name"] == "DC NÖRTH"
    assert problems_of(good) == []
    assert [problem.code for problem in broken.problems] == ["invalid_encoding"]


def test_a_broken_message_does_not_spoil_the_next_one():
    second = (
        "UNH+M2+ORDERS:D:96A:UN'BGM+220+PO-2+9'DTM+137:20261123:102'DTM+2:20261201:102'"
        "NAD+DP+X'LIN+1++A:SA'QTY+21:1'UNT+8+M2'"
    )
    text = GOOD.replace("UNT+10+M1", "UNT+99+M1").replace("UNZ+1+IC1", second + "UNZ+2+IC1")
    document = read_edifact(edifact(text))

    first, good = document.orders
    assert [problem.code for problem in first.problems] == ["count_mismatch"]
    assert good.problems == ()
    assert good.order["po_number"] == "PO-2"
    assert document.problems == ()


def test_fifty_megabytes_are_refused_by_the_size_limit_before_reading():
    data = b"UNB+UNOC:3+A+B+261123:1200+1'" + b"X" * (50 * 1024 * 1024)

    with pytest.raises(EdifactError) as raised:
        read_edifact(data)

    assert raised.value.problem.code == "too_large"
    assert "52,428,829 bytes" in raised.value.problem.message


def test_an_over_long_element_is_refused_with_its_position():
    text = GOOD.replace("DC NORTH", "N" * 5000)

    with pytest.raises(EdifactError) as raised:
        read_edifact(edifact(text))

    assert raised.value.problem.code == "element_too_long"
    assert raised.value.problem.location == "interchange IC1, segment 7 (NAD), element 4, component 1"


UNH_COMPONENT = "interchange IC1, segment 2 (UNH), element 2, component 5"


@pytest.mark.parametrize(
    ("limits", "code", "location"),
    [
        (EdifactLimits(max_segments=5), "too_many_segments", "interchange IC1, segment 6"),
        (EdifactLimits(max_elements=3), "too_many_elements", "interchange IC1, segment 1 (UNB), element 4"),
        (EdifactLimits(max_components=4), "too_many_components", UNH_COMPONENT),
    ],
)  # fmt: skip
def test_each_limit_is_a_located_error(limits, code, location):
    with pytest.raises(EdifactError) as raised:
        read_edifact(edifact(), limits=limits)

    assert (raised.value.problem.code, raised.value.problem.location) == (code, location)


def test_an_order_with_a_bad_gtin_and_no_other_id_names_no_item():
    document = read_edifact(edifact(GOOD.replace("4012345000016:EN", "4012345000017:EN")))

    assert problems_of(document) == [("missing_item", "interchange IC1, segment 8 (LIN), element 3, component 1")]
    assert document.details["warnings"][0]["code"] == "invalid_gtin"


def test_bad_dates_and_quantities_are_located():
    text = GOOD.replace("DTM+2:20261201", "DTM+2:20261301").replace("QTY+21:10", "QTY+21:1O")
    document = read_edifact(edifact(text))

    assert problems_of(document) == [
        ("invalid_date", "interchange IC1, segment 5 (DTM), element 1, component 2"),
        ("invalid_quantity", "interchange IC1, segment 9 (QTY), element 1, component 2"),
    ]


def test_each_interchange_keeps_its_own_una():
    custom = GOOD.replace("IC1", "IC2").replace("PO-1", "PO-2").replace("+", "*").replace(":", "=")
    custom = "UNA=*.? ~" + custom[9:].replace("'", "~")
    document = read_edifact(edifact(GOOD + custom))

    assert [order.order["po_number"] for order in document.orders] == ["PO-1", "PO-2"]
    assert [entry["service_characters"] for entry in document.details["interchanges"]] == ["UNA:+.? '", "UNA=*.? ~"]
    assert problems_of(document) == []


def test_a_segment_after_unz_is_reported_and_ignored():
    document = read_edifact(edifact(GOOD + "FTX+AAI+++STRAY'"))

    assert problems_of(document) == [("segment_after_unz", "interchange IC1, segment 13 (FTX)")]
