"""Outbound documents in SQL: stored as sent, found by id, control number, partner, kind or reference."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from lightsoff.domain.documents import (
    ACKNOWLEDGEMENT_KINDS,
    AWAITING_ACKNOWLEDGEMENT,
    DocumentStatus,
    OutboundDocument,
)
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.services.ports import DocumentQuery
from lightsoff.store import tables as t

_DOCS = t.outbound_documents
_WITHOUT_BODY = [column for column in _DOCS.c if column.name != "body"]


class SqlOutboundDocuments:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, document: OutboundDocument) -> None:
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(_DOCS).values(**_row(document)))
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                f"{document.partner} already has a {document.format} document with control number "
                f"{document.control_number}, or document {document.document_id} exists"
            ) from exc

    def get(self, document_id: str) -> OutboundDocument | None:
        row = self._connection.execute(select(_DOCS).where(_DOCS.c.document_id == document_id)).one_or_none()
        return _document(row) if row is not None else None

    def by_control_number(self, partner: str, format: str, control_number: str) -> OutboundDocument | None:
        query = select(_DOCS).where(
            _DOCS.c.partner == partner, _DOCS.c.format == format, _DOCS.c.control_number == control_number
        )
        row = self._connection.execute(query).one_or_none()
        return _document(row) if row is not None else None

    def find(self, query: DocumentQuery) -> list[OutboundDocument]:
        select_ = select(*_WITHOUT_BODY)
        for column, value in ((_DOCS.c.partner, query.partner), (_DOCS.c.kind, query.kind)):
            if value is not None:
                select_ = select_.where(column == value)
        if query.reference is not None:
            select_ = select_.where(_DOCS.c.reference == query.reference)
        if query.partners is not None:
            select_ = select_.where(_DOCS.c.partner.in_(sorted(query.partners)))
        if query.statuses is not None:
            select_ = select_.where(_DOCS.c.status.in_(sorted(status.value for status in query.statuses)))
        if query.before is not None:
            select_ = select_.where(_DOCS.c.document_id < query.before)
        select_ = select_.order_by(_DOCS.c.document_id.desc()).limit(query.limit)
        return [_document(row) for row in self._connection.execute(select_)]

    def update(self, document: OutboundDocument) -> None:
        self._connection.execute(
            update(_DOCS)
            .where(_DOCS.c.document_id == document.document_id)
            .values(
                status=document.status.value,
                updated_at=document.updated_at,
                detail=document.detail,
                acknowledged_at=document.acknowledged_at,
            )
        )

    def awaiting_acknowledgement(
        self, partner: str, created_before: datetime, after: str | None = None, limit: int = 100
    ) -> list[OutboundDocument]:
        query = select(*_WITHOUT_BODY).where(
            _DOCS.c.status.in_(sorted(status.value for status in AWAITING_ACKNOWLEDGEMENT)),
            _DOCS.c.created_at < created_before,
            _DOCS.c.partner == partner,
            _DOCS.c.kind.not_in(sorted(ACKNOWLEDGEMENT_KINDS)),
            _DOCS.c.unacknowledged_case.is_(None),
        )
        if after is not None:
            query = query.where(_DOCS.c.document_id > after)
        query = query.order_by(_DOCS.c.document_id).limit(limit)
        return [_document(row) for row in self._connection.execute(query)]

    def claim_unacknowledged(self, document_id: str, exception_id: str) -> bool:
        claimed = self._connection.execute(
            update(_DOCS)
            .where(
                _DOCS.c.document_id == document_id,
                _DOCS.c.unacknowledged_case.is_(None),
                _DOCS.c.acknowledged_at.is_(None),
            )
            .values(unacknowledged_case=exception_id)
        )
        return claimed.rowcount == 1


def _row(document: OutboundDocument) -> dict[str, Any]:
    return {
        "document_id": document.document_id,
        "partner": document.partner,
        "kind": document.kind,
        "format": document.format,
        "control_number": document.control_number,
        "reference": document.reference,
        "status": document.status.value,
        "content_type": document.content_type,
        "body": document.body,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "detail": document.detail,
        "acknowledged_at": document.acknowledged_at,
        "unacknowledged_case": document.unacknowledged_case,
    }


def _document(row: Row[Any]) -> OutboundDocument:
    values = row._mapping
    return OutboundDocument(
        document_id=values["document_id"],
        partner=values["partner"],
        kind=values["kind"],
        format=values["format"],
        control_number=values["control_number"],
        created_at=values["created_at"],
        body=values.get("body", b""),
        content_type=values["content_type"],
        reference=values["reference"],
        status=DocumentStatus(values["status"]),
        updated_at=values["updated_at"],
        detail=values["detail"] or {},
        acknowledged_at=values["acknowledged_at"],
        unacknowledged_case=values["unacknowledged_case"],
    )
