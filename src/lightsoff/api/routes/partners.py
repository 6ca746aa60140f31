"""/v1/partners: the partner profiles in force, with what every rule does for each partner.

Needs ``config:read``. A caller confined to some partners sees only theirs; another partner's
profile is, to it, not there (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from lightsoff.api.deps import ConfigReader, LightsoffDep
from lightsoff.api.reference_schemas import PartnerList, PartnerRead, PartnerSummaryRead
from lightsoff.api.schemas import ProblemRead

router = APIRouter(prefix="/v1/partners", tags=["configuration"])


@router.get("", summary="The partners, as far as the caller may see them")
def list_partners(lightsoff: LightsoffDep, caller: ConfigReader) -> PartnerList:
    partners = lightsoff.reference.partners(caller.partners)
    return PartnerList(items=[PartnerSummaryRead.of(partner) for partner in partners])


@router.get(
    "/{code}",
    summary="A partner's profile: identifiers, code lists, contacts, policy and the rules in force",
    responses={404: {"model": ProblemRead}},
)
def get_partner(
    code: Annotated[str, Path(max_length=35, description="the partner code")],
    lightsoff: LightsoffDep,
    caller: ConfigReader,
) -> PartnerRead:
    return PartnerRead.of_profile(lightsoff.reference.partner(code, caller.partners))
