"""FastAPI dependencies, as ``Annotated`` aliases: the assembled lightsoff, the correlation id, the caller.

Each ``…Reader``/``…Writer`` alias authorises the request for one scope and gives the principal.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security

from lightsoff.api.security import authorize
from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Principal, Scope


def get_lightsoff(request: Request) -> Lightsoff:
    lightsoff: Lightsoff = request.app.state.lightsoff
    return lightsoff


def get_correlation_id(request: Request) -> str:
    correlation_id: str = request.state.correlation_id
    return correlation_id


LightsoffDep = Annotated[Lightsoff, Depends(get_lightsoff)]
CorrelationIdDep = Annotated[str, Depends(get_correlation_id)]

OrdersReader = Annotated[Principal, Security(authorize, scopes=[Scope.ORDERS_READ])]
OrdersWriter = Annotated[Principal, Security(authorize, scopes=[Scope.ORDERS_WRITE])]
EventsReader = Annotated[Principal, Security(authorize, scopes=[Scope.EVENTS_READ])]
MessagesReader = Annotated[Principal, Security(authorize, scopes=[Scope.MESSAGES_READ])]
AuditReader = Annotated[Principal, Security(authorize, scopes=[Scope.AUDIT_READ])]
ConfigReader = Annotated[Principal, Security(authorize, scopes=[Scope.CONFIG_READ])]
