"""Canonical id formats: rendering, yearly numbering, and refusing templates that would repeat ids."""

from __future__ import annotations

from datetime import date

import pytest

from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.identifiers import IdFormat, id_format_problems
from lightsoff.services.identifiers import IdentifierService, SsccSettings
from lightsoff.testing import InMemoryUnitOfWorkFactory


def test_default_order_format_renders_like_the_example() -> None:
    assert IdFormat("order", "SO-{year}-{seq:06d}").render(123, date(2026, 3, 1)) == "SO-2026-000123"


def test_a_yearly_format_numbers_each_year_in_its_own_sequence() -> None:
    fmt = IdFormat("order", "SO-{year}-{seq:06d}")
    assert fmt.sequence_name(date(2026, 12, 31)) == "order:2026"
    assert fmt.sequence_name(date(2027, 1, 1)) == "order:2027"


def test_a_format_without_year_uses_one_sequence() -> None:
    assert IdFormat("order", "ORD{seq:08d}").sequence_name(date(2026, 1, 1)) == "order"


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("SO-{year}", "has no {seq}"),
        ("SO-{seq}-{plant}", "only {seq} and {year}"),
        ("SO-{seq", "not a valid template"),
        ("SO-{seq:q}", "cannot be rendered"),
    ],
)
def test_unusable_formats_are_refused_with_the_reason(template: str, complaint: str) -> None:
    assert any(complaint in problem for problem in id_format_problems("order", template))
    with pytest.raises(ConfigurationError, match="order id format"):
        IdFormat("order", template)


def test_identifier_service_never_repeats_an_order_id() -> None:
    service = IdentifierService(
        IdFormat("order", "SO-{year}-{seq:06d}"), IdFormat("exception", "EX-{seq}"), SsccSettings("4012345")
    )
    uow_factory = InMemoryUnitOfWorkFactory()
    with uow_factory() as uow:
        ids = [service.next_order_id(uow.sequences, date(2026, 5, 1)) for _ in range(3)]
        next_year = service.next_order_id(uow.sequences, date(2027, 1, 2))
    assert ids == ["SO-2026-000001", "SO-2026-000002", "SO-2026-000003"]
    assert next_year == "SO-2027-000001"


def test_identifier_service_mints_valid_consecutive_ssccs() -> None:
    service = IdentifierService(IdFormat("order", "{seq}"), IdFormat("exception", "{seq}"), SsccSettings("4012345", 3))
    with InMemoryUnitOfWorkFactory()() as uow:
        first, second = service.next_sscc(uow.sequences), service.next_sscc(uow.sequences)
    # weighted sums worked out by hand: 43 → check 7, 46 → check 4
    assert (first, second) == ("340123450000000017", "340123450000000024")
