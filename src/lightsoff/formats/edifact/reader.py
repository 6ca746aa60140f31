"""``read_edifact``: bytes in, a ``ReadDocument`` out, with every order in canonical shape.

Which problem goes where: one that spoils a single message (its UNT count, a bad character in it, a
missing date) sits on that ``DocumentOrder``; one with the envelope (UNZ count or reference, no UNZ, a
message that is not an order) sits on the document. Warnings (a dropped stray release character, a
GTIN with a bad check digit left out) do not stop anything and are listed in ``details``. ``details``
keeps everything a CONTRL back needs (``write_contrl`` reads it) and what the service needs to find the
partner: UNB sender and recipient with their qualifiers, and each order's parties (``details["orders"]``
by ``DocumentOrder.reference``).
"""

from __future__ import annotations

from typing import Any

from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.edifact.envelope import Interchange, Message, build
from lightsoff.formats.edifact.errors import Position
from lightsoff.formats.edifact.lexer import DEFAULT_LIMITS, EdifactLimits, Lexed, lex
from lightsoff.formats.edifact.orders import map_order


def read_edifact(data: bytes, *, limits: EdifactLimits = DEFAULT_LIMITS) -> ReadDocument:
    """Read every interchange and message in ``data``; raise ``EdifactError`` only if it is not EDIFACT at all."""
    lexed = lex(data, limits)
    interchanges = build(lexed.segments)
    orders: list[DocumentOrder] = []
    problems: list[DocumentProblem] = []
    if lexed.decode_error:
        problems.append(DocumentProblem("the document", "invalid_encoding", lexed.decode_error))
    described = [
        {**_read_interchange(interchange, orders, problems), "service_characters": delimiters.una}
        for interchange, delimiters in zip(interchanges, lexed.interchange_delimiters, strict=True)
    ]
    first = interchanges[0].header
    return ReadDocument(
        format="edifact",
        sender=first.get(2, 1) or None,
        orders=tuple(orders),
        problems=tuple(problems),
        details=_details(lexed, described, orders),
    )


def _read_interchange(
    interchange: Interchange, orders: list[DocumentOrder], problems: list[DocumentProblem]
) -> dict[str, Any]:
    problems.extend(problem.to_problem() for problem in interchange.problems)
    if not interchange.messages:
        problems.append(
            DocumentProblem(
                Position(interchange.label, 1, "UNB").describe(),
                "no_messages",
                f"{interchange.label} holds no message (no UNH); nothing to read.",
            )
        )
    messages = []
    for message in interchange.messages:
        entry = _message_entry(message)
        if message.type == "ORDERS":
            orders.append(_order(interchange, message, entry))
        else:
            problems.append(
                DocumentProblem(
                    message.at(message.header, 2, 1).describe(),
                    "not_an_order",
                    f"{message.label} is not an ORDERS message; lightsoff reads orders here, so it was skipped.",
                )
            )
            problems.extend(problem.to_problem() for problem in message.problems)
        messages.append(entry)
    return _interchange_entry(interchange, messages)


def _order(interchange: Interchange, message: Message, entry: dict[str, Any]) -> DocumentOrder:
    mapped = map_order(message)
    entry["warnings"].extend(problem.to_data() for problem in mapped.warnings)
    entry["order"] = {**mapped.facts, "problems": [problem.to_data() for problem in mapped.problems]}
    group = f", group {message.group}" if message.group is not None else ""
    return DocumentOrder(
        order=mapped.order,
        location=f"{interchange.label}{group}, {message.label} ({message.span})",
        reference=reference(interchange.reference, message.reference),
        problems=tuple(problem.to_problem() for problem in [*message.problems, *mapped.problems]),
    )


def reference(interchange_reference: str, message_reference: str) -> str:
    """The stable reference of one message: ``<UNB 0020>/<UNH 0062>``."""
    return f"{interchange_reference}/{message_reference}"


def _message_entry(message: Message) -> dict[str, Any]:
    return {
        "reference": message.reference,
        "type": message.type,
        "version": message.version,
        "release": message.release,
        "agency": message.agency,
        "association": message.association,
        "group": message.group,
        "segments": [message.header.number, message.segments[-1].number],
        "complete": message.closed,
        # syntax and envelope problems only (what a CONTRL reports); the order's own are under "order"
        "problems": [problem.to_data() for problem in message.problems],
        "warnings": [problem.to_data() for problem in message.warnings],
    }


def _interchange_entry(interchange: Interchange, messages: list[dict[str, Any]]) -> dict[str, Any]:
    unb = interchange.header
    return {
        "reference": interchange.reference,
        "syntax": {"identifier": unb.get(1, 1), "version": unb.get(1, 2)},
        "sender": _party(unb.element(2)),
        "recipient": _party(unb.element(3)),
        "prepared": {"date": unb.get(4, 1), "time": unb.get(4, 2)},
        "application_reference": unb.get(7),
        "acknowledgement_requested": unb.get(9) == "1",
        "agreement": unb.get(10),
        "test": unb.get(11) == "1",
        "groups": [
            {
                "reference": group.reference,
                "type": group.header.get(1),
                "sender": _party(group.header.element(2)),
                "recipient": _party(group.header.element(3)),
                "messages": group.messages,
            }
            for group in interchange.groups
        ],
        "complete": interchange.trailer is not None,
        "problems": [problem.to_data() for problem in interchange.problems],
        "warnings": [problem.to_data() for problem in interchange.warnings],
        "messages": messages,
    }


def _party(element: list[str]) -> dict[str, str]:
    values = [*element, "", "", ""]
    return {"id": values[0], "qualifier": values[1], "routing": values[2]}


def _details(lexed: Lexed, interchanges: list[dict[str, Any]], orders: list[DocumentOrder]) -> dict[str, Any]:
    first = interchanges[0]
    by_reference: dict[str, Any] = {}
    for interchange in interchanges:
        for message in interchange["messages"]:
            if message["type"] == "ORDERS":
                by_reference[reference(interchange["reference"], message["reference"])] = {
                    "sender": interchange["sender"],
                    "recipient": interchange["recipient"],
                    "buyer": message["order"]["parties"].get("BY"),
                    "version": f"{message['version']}{message['release']}",
                    "association": message["association"],
                    **{key: value for key, value in message["order"].items() if key != "problems"},
                }
    return {
        "service_characters": lexed.delimiters.una,
        "sender": first["sender"],
        "recipient": first["recipient"],
        "syntax": first["syntax"],
        "interchanges": interchanges,
        "orders": by_reference,
        "warnings": [
            warning
            for interchange in interchanges
            for warning in [
                *interchange["warnings"],
                *(w for message in interchange["messages"] for w in message["warnings"]),
            ]
        ],
    }
