"""``read_x12``: an X12 file in, every 850 in it as a canonical order with its problems, and the envelope facts.

Each 850 transaction set becomes one ``DocumentOrder``; its own problems (a wrong SE count, a bad
date) travel with it and spoil only it. Problems of the envelope around it (IEA, GE trailers,
segments outside any set, sets that are not 850s) are the document's. ``details`` keeps what a
997/999 and the partner look-up need: sender and receiver ids, versions, every control number,
and per set its status and problems (see docs/formats/x12.md for its shape).
"""

from __future__ import annotations

from typing import Any

from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.x12.envelope import Group, Interchange, TransactionSet, build
from lightsoff.formats.x12.errors import X12Problem
from lightsoff.formats.x12.po850 import map_850
from lightsoff.formats.x12.tokens import X12Limits, tokenize

DEFAULT_LIMITS = X12Limits()


def read_interchanges(data: bytes, limits: X12Limits = DEFAULT_LIMITS) -> tuple[list[Interchange], str]:
    """Every interchange, with its envelope checked; raises ``X12Error`` when the bytes are not X12."""
    raw, encoding = tokenize(data, limits)
    return [build(one) for one in raw], encoding


def read_x12(data: bytes, *, limits: X12Limits = DEFAULT_LIMITS) -> ReadDocument:
    """Read an X12 file holding 850s. Raises ``X12Error`` (located) only when it cannot be read as X12 at all."""
    interchanges, encoding = read_interchanges(data, limits)
    orders: list[DocumentOrder] = []
    problems: list[DocumentProblem] = []
    warnings: list[X12Problem] = []
    described: list[dict[str, Any]] = []
    for interchange in interchanges:
        problems.extend(p.to_document_problem() for p in interchange.problems)
        warnings.extend(interchange.warnings)
        groups = []
        for group in interchange.groups:
            problems.extend(p.to_document_problem() for p in group.problems)
            sets = []
            for transaction in group.sets:
                sets.append(_read_set(interchange, group, transaction, orders, problems, warnings))
            groups.append(_group_details(group, sets))
        described.append(_interchange_details(interchange, groups))
    first = interchanges[0]
    first_group = next((g for i in interchanges for g in i.groups), None)
    details: dict[str, Any] = {
        "sender_qualifier": first.sender_qualifier,
        "sender": first.sender,
        "receiver_qualifier": first.receiver_qualifier,
        "receiver": first.receiver,
        "version": first_group.version if first_group else "",
        "interchange_version": first.version,
        "interchange_control_number": first.control_number,
        "encoding": encoding,
        "interchanges": described,
        "warnings": [w.to_data() for w in warnings],
    }
    return ReadDocument("x12", first.sender, tuple(orders), tuple(problems), details)


def _read_set(
    interchange: Interchange,
    group: Group,
    transaction: TransactionSet,
    orders: list[DocumentOrder],
    problems: list[DocumentProblem],
    warnings: list[X12Problem],
) -> dict[str, Any]:
    reference = f"{interchange.control_number}/{group.control_number}/{transaction.control_number}"
    if transaction.code == "850":
        order, found = map_850(transaction)
        warnings.extend(found)
        first, last = transaction.segments[0].number, transaction.segments[-1].number
        orders.append(
            DocumentOrder(
                order=order,
                location=f"{transaction.location} (segments {first}-{last})",
                reference=reference,
                problems=tuple(p.to_document_problem() for p in transaction.problems),
            )
        )
    else:
        transaction.problems.insert(
            0,
            X12Problem(
                f"{transaction.location}, segment 1 (ST), element 1",
                "unsupported_transaction_set",
                f"transaction set {transaction.code or '(none)'} is not read here: send purchase orders as 850",
                segment_tag="ST",
                segment_position=1,
                element_position=1,
            ),
        )
        problems.extend(p.to_document_problem() for p in transaction.problems)
    return {
        "code": transaction.code,
        "control_number": transaction.control_number,
        "implementation": transaction.implementation,
        "reference": reference,
        "accepted": not transaction.problems,
        "problems": [p.to_data() for p in transaction.problems],
    }


def _group_details(group: Group, sets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "functional_id": group.functional_id,
        "sender": group.sender,
        "receiver": group.receiver,
        "control_number": group.control_number,
        "version": group.version,
        "problems": [p.to_data() for p in group.problems],
        "sets": sets,
    }


def _interchange_details(interchange: Interchange, groups: list[dict[str, Any]]) -> dict[str, Any]:
    delimiters = interchange.delimiters
    return {
        "sender_qualifier": interchange.sender_qualifier,
        "sender": interchange.sender,
        "receiver_qualifier": interchange.receiver_qualifier,
        "receiver": interchange.receiver,
        "date": interchange.date,
        "time": interchange.time,
        "version": interchange.version,
        "control_number": interchange.control_number,
        "usage": interchange.usage,
        "delimiters": {
            "element": delimiters.element,
            "component": delimiters.component,
            "segment": delimiters.segment,
            "repetition": delimiters.repetition,
        },
        "problems": [p.to_data() for p in interchange.problems],
        "groups": groups,
    }
