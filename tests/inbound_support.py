"""Inbound documents for tests: X12 850s, EDIFACT ORDERS, CSV and e-mails, built as partners write them.

Each builder writes counts and control numbers right unless told otherwise, so a test breaks one thing
at a time. ACME's EDI id is its GLN 5400110000009 (qualifier 14); its products and ship-tos are the demo's.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.documents import OutboundDocument
from lightsoff.services.documents import Issue
from lightsoff.services.ports import UnitOfWork

CORPUS = Path(os.environ.get("LIGHTSOFF_CORPUS", Path(__file__).parents[1].parent / "shared" / "corpus"))
ACME_ID = "5400110000009"
OUR_ID = "LIGHTSOFF"
X12_LINES = ("PO1*1*12*EA*1.5**VP*WID-100", "PO1*2*500*EA*2**BP*A-7788")
_quantities = itertools.count(1)


def x12_lines() -> tuple[str, ...]:
    """Lines of a quantity of their own, so that two orders are never suspected duplicates of each other."""
    return (f"PO1*1*{12 * next(_quantities)}*EA*1.5**VP*WID-100", "PO1*2*500*EA*2**BP*A-7788")


def x12_set(
    po_number: str, control: str = "0001", *, lines: Sequence[str] = X12_LINES, count: int | None = None
) -> str:
    body = [
        f"ST*850*{control}",
        f"BEG*00*SA*{po_number}**20261123",
        "DTM*010*20261207",
        "N1*ST*ACME DC North*92*ACME-DC-NORTH",
        *lines,
        f"CTT*{len(lines)}",
    ]
    body.append(f"SE*{count if count is not None else len(body) + 1}*{control}")
    return "~\n".join(body)


def x12(
    *sets: str,
    sender: str = ACME_ID,
    qualifier: str = "14",
    control: int = 905,
    group: int = 1,
    version: str = "004010",
    trailer: bool = True,
) -> bytes:
    isa = (
        f"ISA*00*          *00*          *{qualifier}*{sender:<15}*ZZ*{OUR_ID:<15}*261123*1200*U*"
        f"{'00501' if version >= '005010' else '00401'}*{control:09d}*0*P*>"
    )
    parts = [isa, f"GS*PO*{sender}*{OUR_ID}*20261123*1200*{group}*X*{version}", *sets]
    if trailer:
        parts += [f"GE*{len(sets)}*{group}", f"IEA*1*{control:09d}"]
    return ("~\n".join(parts) + "~\n").encode()


def x12_850(*po_numbers: str, **options: object) -> bytes:
    sets = [x12_set(po, f"{index:04d}", lines=x12_lines()) for index, po in enumerate(po_numbers, start=1)]
    return x12(*sets, **options)  # type: ignore[arg-type]


def edifact_message(
    po_number: str, reference: str = "1", *, quantity: str | None = None, count: int | None = None
) -> str:
    quantity = quantity or str(50 * next(_quantities))
    segments = [
        f"UNH+{reference}+ORDERS:D:96A:UN:EAN008",
        f"BGM+220+{po_number}+9",
        "DTM+137:20261123:102",
        "DTM+10:20261207:102",
        f"NAD+BY+{ACME_ID}::9",
        "NAD+DP+5400110000016::9",
        "LIN+1",
        "PIA+5+A-7788:IN",
        f"QTY+21:{quantity}:EA",
        "UNS+S",
    ]
    segments.append(f"UNT+{count if count is not None else len(segments) + 1}+{reference}")
    return "'\n".join(segments)


def edifact(*messages: str, sender: str = ACME_ID, reference: str = "IC1", trailer: bool = True) -> bytes:
    parts = [f"UNA:+.? '\nUNB+UNOC:3+{sender}:14+{OUR_ID}:ZZ+261123:1200+{reference}", *messages]
    if trailer:
        parts.append(f"UNZ+{len(messages)}+{reference}")
    return ("'\n".join(parts) + "'\n").encode()


def edifact_orders(*po_numbers: str, **options: str) -> bytes:
    return edifact(*(edifact_message(po, str(i)) for i, po in enumerate(po_numbers, start=1)), **options)  # type: ignore[arg-type]


CSV_HEADER = "po_number,order_date,requested_ship_date,ship_to_code,sku,quantity,uom"


def csv_orders(*rows: str, header: str = CSV_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def email(
    *attachments: tuple[str, str, bytes], sender: str = "orders@acme-retail.example", body: str = "Our order."
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "orders@lightsoff.example"
    mail["Subject"] = "Order"
    mail["Message-ID"] = "<order-1@acme-retail.example>"
    mail.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(mail)


def issue(lightsoff: Lightsoff, partner: str = "ACME", kind: str = "855", format: str = "x12") -> OutboundDocument:
    def work(uow: UnitOfWork) -> OutboundDocument:
        return lightsoff.documents.issue(uow, Issue(partner, kind, format, lambda n: f"{kind} {n}".encode()))

    return lightsoff.uow.run(work)


def x12_ack(group: int, status: str = "A", *, kind: str = "997", sets: tuple[tuple[str, str], ...] = ()) -> bytes:
    body = [f"AK1*PR*{group}"]
    for control, set_status in sets or (("0001", status),):
        body += [f"AK2*855*{control}", f"{'IK5' if kind == '999' else 'AK5'}*{set_status}"]
    accepted = sum(1 for _, s in sets or (("0001", status),) if s == "A")
    body.append(f"AK9*{status}*{len(sets) or 1}*{len(sets) or 1}*{accepted}")
    transaction = "~\n".join([f"ST*{kind}*0001", *body, f"SE*{len(body) + 2}*0001"])
    return x12(transaction, control=777).replace(b"GS*PO*", b"GS*FA*")


def contrl(reference: str, action: str = "7") -> bytes:
    message = "'\n".join(["UNH+1+CONTRL:D:3:UN", f"UCI+{reference}+{OUR_ID}:ZZ+{ACME_ID}:14+{action}", "UNT+3+1"])
    return edifact(message, reference="CTRL9")
