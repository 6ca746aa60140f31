"""Bad X12: each error or problem says what is wrong and where (segment number and tag, element)."""

from __future__ import annotations

import pytest

from lightsoff.formats.x12 import X12Error, X12LimitExceeded, X12Limits, read_x12

ISA = "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261123*1200*U*00401*000000905*0*P*>~"


def interchange(*body: str, trailer: bool = True, count: int | None = None, control: str = "0001") -> bytes:
    """A well-formed 850 interchange around ``body`` (the segments between ST and SE)."""
    segments = [f"ST*850*{control}", *body]
    segments.append(f"SE*{count if count is not None else len(segments) + 1}*{control}")
    text = ISA + "\n" + "~\n".join(["GS*PO*BUYER*SELLER*20261123*1200*77*X*004010", *segments, "GE*1*77"]) + "~\n"
    if trailer:
        text += "IEA*1*000000905~\n"
    return text.encode()


ORDER = ("BEG*00*SA*PO-1**20261120", "DTM*010*20261201", "N1*ST*DC North*92*DC-N", "PO1*1*12*EA*1.5**VP*WID-100")


def test_a_clean_order_has_no_problems() -> None:
    document = read_x12(interchange(*ORDER))
    assert document.problems == ()
    (order,) = document.orders
    assert order.problems == ()
    assert order.order["requested_ship_date"] == "2026-12-01"


def test_a_5010_order_maps_the_same_way() -> None:
    text = (
        interchange(*ORDER).decode().replace("*00401*", "*00501*").replace("*U*", "*^*").replace("*004010", "*005010")
    )
    document = read_x12(text.encode())
    assert document.details["version"] == "005010"
    assert document.details["interchanges"][0]["delimiters"]["repetition"] == "^"
    assert document.orders[0].order == read_x12(interchange(*ORDER)).orders[0].order


def test_truncated_interchange_reports_each_missing_trailer() -> None:
    text = (ISA + "GS*PO*BUYER*SELLER*20261123*1200*77*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261120~").encode()
    document = read_x12(text)
    (order,) = document.orders
    assert [p.code for p in order.problems] == ["missing_trailer"]
    assert "not closed by SE" in order.problems[0].message
    messages = {p.code: p for p in document.problems}
    assert "missing_trailer" in messages
    assert any("not closed by IEA" in p.message for p in document.problems)
    assert any("not closed by GE" in p.message for p in document.problems)


def test_wrong_segment_count_is_located_at_se01() -> None:
    (order,) = read_x12(interchange(*ORDER, count=9)).orders
    (problem,) = order.problems
    assert problem.code == "count_mismatch"
    assert problem.location == "interchange 000000905, group 77, transaction set 0001, segment 6 (SE), element 1"
    assert "says the set has 9 segments, but it has 6" in problem.message


def test_a_broken_set_does_not_spoil_its_neighbour() -> None:
    good = interchange(*ORDER).decode()
    broken = good.replace("ST*850*0001~\nBEG*00*SA*PO-1**20261120", "ST*850*0002~\nBEG*00*SA*PO-2**2026-11-20")
    broken = broken.replace("SE*6*0001", "SE*6*0002")
    first_set = good[good.index("ST*") : good.index("GE*")]
    second_set = broken[broken.index("ST*") : broken.index("GE*")]
    combined = good.replace(first_set, first_set + second_set).replace("GE*1*77", "GE*2*77")
    document = read_x12(combined.encode())
    assert document.problems == ()
    first, second = document.orders
    assert first.problems == ()
    (problem,) = second.problems
    assert problem.code == "invalid_value"
    assert problem.location.endswith("transaction set 0002, segment 2 (BEG), element 5")
    assert "'2026-11-20'" in problem.message


def test_unknown_transaction_set_is_reported_not_mapped() -> None:
    document = read_x12(interchange(*ORDER).replace(b"ST*850", b"ST*123"))
    assert document.orders == ()
    (problem,) = document.problems
    assert problem.code == "unsupported_transaction_set"
    assert problem.location.endswith("segment 1 (ST), element 1")


def test_control_characters_are_invalid_characters_with_their_element() -> None:
    (order,) = read_x12(interchange(*ORDER[:3], "PO1*1*12*EA*1.5**VP*WID\x07100")).orders
    (problem,) = order.problems
    assert problem.code == "invalid_character"
    assert problem.location.endswith("segment 5 (PO1), element 7")


def test_a_quantity_that_is_not_a_number_is_located() -> None:
    (order,) = read_x12(interchange(*ORDER[:3], "PO1*1*12A*EA")).orders
    assert [(p.code, p.location.rsplit(", ", 2)[-2:]) for p in order.problems] == [
        ("invalid_value", ["segment 5 (PO1)", "element 2"])
    ]


def test_invalid_gtin_is_not_taken_and_the_valid_one_is() -> None:
    document = read_x12(interchange(*ORDER[:3], "PO1*1*1*EA***UP*012345678906", "PO1*2*1*EA***UP*012345678905"))
    lines = document.orders[0].order["lines"]
    assert "gtin" not in lines[0]
    assert lines[1]["gtin"] == "012345678905"
    assert [w["code"] for w in document.details["warnings"]] == ["invalid_gtin"]


@pytest.mark.parametrize(
    ("text", "location", "says"),
    [
        (b"", "input", "empty"),
        (b"GS*PO*A*B~", "interchange 1", "starts with ISA"),
        (ISA.replace("*", "A").encode(), "interchange 1, segment 1 (ISA)", "element separator"),
        (ISA[:60].encode(), "interchange 1, segment 1 (ISA)", "16 elements"),
        (ISA[:-1].encode(), "interchange 1, segment 1 (ISA)", "ends inside the ISA"),
        (ISA.replace(">~", "**").encode(), "interchange 1, segment 1 (ISA)", "must differ"),
        (ISA.replace(">~", ">A").encode(), "interchange 1, segment 1 (ISA)", "segment terminator"),
        (ISA.replace("000000905", "00000905").encode(), "interchange 1, segment 1 (ISA), element 13", "9 digits"),
        (ISA.replace("*P*", "*X*").encode(), "interchange 1, segment 1 (ISA), element 15", "usage indicator"),
        ((ISA + "IEA*0*000000905~XYZ").encode(), "interchange 2", "starts with ISA"),
    ],
)
def test_unreadable_input_raises_a_located_error(text: bytes, location: str, says: str) -> None:
    with pytest.raises(X12Error) as raised:
        read_x12(text)
    assert raised.value.location == location
    assert says in raised.value.message


def test_fifty_megabytes_are_refused_by_the_size_limit_before_reading() -> None:
    with pytest.raises(X12LimitExceeded) as raised:
        read_x12(b"ISA" + b"x" * (50 * 1024 * 1024))
    assert raised.value.location == "input"
    assert "52,428,803 bytes" in raised.value.message


def test_an_over_long_element_is_refused_with_its_place() -> None:
    with pytest.raises(X12LimitExceeded) as raised:
        read_x12(interchange(*ORDER[:3], "MSG*" + "x" * 5000))
    assert raised.value.location == "interchange 1, segment 7 (MSG), element 1"
    assert "5,000 characters" in raised.value.message


@pytest.mark.parametrize(
    ("limits", "location"),
    [
        (X12Limits(max_segments=5), "interchange 1, segment 6"),
        (X12Limits(max_elements=4), "interchange 1, segment 2 (GS)"),
        (X12Limits(max_bytes=100), "input"),
    ],
)
def test_limits_are_configurable(limits: X12Limits, location: str) -> None:
    with pytest.raises(X12LimitExceeded) as raised:
        read_x12(interchange(*ORDER), limits=limits)
    assert raised.value.location == location


def test_segments_outside_a_set_are_located() -> None:
    text = interchange(*ORDER).replace(b"GE*1*77", b"REF*ZZ*stray~\nGE*1*77")
    (problem,) = read_x12(text).problems
    assert problem.code == "unexpected_segment"
    assert problem.location == "interchange 000000905, segment 9 (REF)"


def test_several_interchanges_with_their_own_delimiters() -> None:
    first = interchange(*ORDER)
    second = interchange(*ORDER).decode().replace("*", "|").replace("~", "!").replace("ISA|", "ISA|", 1).encode()
    document = read_x12(first + b"\r\n" + second)
    assert len(document.orders) == 2
    assert [i["delimiters"]["element"] for i in document.details["interchanges"]] == ["*", "|"]
    assert document.orders[0].order == document.orders[1].order


def test_a_flood_of_empty_segments_meets_the_segment_limit() -> None:
    with pytest.raises(X12LimitExceeded) as raised:
        read_x12(ISA.encode() + b"~" * 600_000)
    assert "500,000 segments" in raised.value.message


def test_whitespace_only_input_is_empty() -> None:
    with pytest.raises(X12Error, match="empty"):
        read_x12(b" \r\n\t" * 1000)
