"""GS1 check digits, GTINs and SSCCs, against the examples GS1 and the standards cheat-sheet publish."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lightsoff.domain import gs1


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("35412345000000001", 4),  # GS1 EANCOM DESADV example SSCC 354123450000000014
        ("37613032110910342", 0),  # 376130321109103420
        ("00071567000215236", 3),  # 000715670002152363 (EdiEngine's 856 sends ...0: wrong)
        ("541234500001", 3),  # GLN 5412345000013
        ("978044636026", 5),  # ISBN-13 9780446360265
        ("401234500001", 6),  # the demo master's WID-100
    ],
)
def test_check_digit_matches_published_examples(body: str, digit: int) -> None:
    assert gs1.check_digit(body) == digit


@pytest.mark.parametrize("sscc", ["354123450000000014", "376130321109103420", "000715670002152363"])
def test_published_ssccs_are_valid(sscc: str) -> None:
    assert gs1.is_valid_sscc(sscc)


@pytest.mark.parametrize(
    "sscc",
    [
        "000715670002152360",  # wrong check digit, as sent in the EdiEngine cross-dock 856
        "0000715670002152363",  # 19 digits
        "00354123450000000014",  # AI 00 still attached (20 digits)
        "35412345000000001A",
    ],
)
def test_invalid_ssccs_are_refused(sscc: str) -> None:
    assert not gs1.is_valid_sscc(sscc)


def test_build_sscc_reproduces_the_gs1_example() -> None:
    assert gs1.build_sscc(3, "5412345", 1) == "354123450000000014"


def test_build_sscc_serial_fills_the_digits_the_prefix_leaves() -> None:
    # 0 + 4012345 + 000000123 (nine serial digits), check digit 5 worked out by hand: weighted sum 45
    assert gs1.build_sscc(0, "4012345", 123) == "040123450000001235"


@pytest.mark.parametrize(
    ("extension", "prefix", "serial", "complaint"),
    [
        (10, "4012345", 1, "extension digit"),
        (0, "401", 1, "company prefix"),
        (0, "40123450000001", 1, "company prefix"),
        (0, "4012345", 10**9, "does not fit"),
        (0, "4012345", -1, "does not fit"),
    ],
)
def test_build_sscc_refuses_what_cannot_be_an_sscc(extension: int, prefix: str, serial: int, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        gs1.build_sscc(extension, prefix, serial)


@pytest.mark.parametrize(
    ("gtin", "problem"),
    [
        ("4012345000016", None),
        ("04012345000016", None),
        ("012345678905", None),  # UPC-A
        ("96385074", None),  # GTIN-8
        ("4012345000017", "check digit is 7 but should be 6"),
        ("40123450000", "8, 12, 13 or 14 digits"),
        ("4012345O00016", "digits only"),
        ("٤٠١٢٣٤٥٠٠٠٠١٦", "digits only"),  # Arabic-Indic digits are digits to Python, not to GS1
    ],
)
def test_gtin_problem_says_what_is_wrong(gtin: str, problem: str | None) -> None:
    found = gs1.gtin_problem(gtin)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_normalize_gtin_pads_to_fourteen_digits() -> None:
    assert gs1.normalize_gtin("012345678905") == "00012345678905"
    assert gs1.normalize_gtin("4012345000016") == "04012345000016"


def test_normalize_gtin_refuses_an_invalid_gtin() -> None:
    with pytest.raises(ValueError, match="check digit"):
        gs1.normalize_gtin("4012345000017")


@given(st.text(alphabet="0123456789", min_size=7, max_size=17))
def test_any_body_with_its_check_digit_is_valid(body: str) -> None:
    assert gs1.has_valid_check_digit(body + str(gs1.check_digit(body)))


@given(st.text(alphabet="0123456789", min_size=7, max_size=17), st.data())
def test_changing_one_digit_breaks_the_check(body: str, data: st.DataObject) -> None:
    identifier = body + str(gs1.check_digit(body))
    index = data.draw(st.integers(min_value=0, max_value=len(identifier) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != identifier[index]]))
    assert not gs1.has_valid_check_digit(identifier[:index] + replacement + identifier[index + 1 :])


@pytest.mark.parametrize(
    ("gln", "problem"),
    [
        ("5412345000013", None),  # GS1's example GLN
        ("4250159300001", None),  # the buyer of corpus ORDERS_D01B_EAN010
        ("5412345000014", "the check digit is 4 but should be 3 (GS1 mod-10)"),
        ("541234500001", "a GLN has 13 digits, this one has 12"),
        ("54123450000A3", "a GLN has digits only"),
    ],
)
def test_a_gln_is_13_digits_with_a_check_digit(gln: str, problem: str | None) -> None:
    assert gs1.gln_problem(gln) == problem
