"""The registry's JSON API under /api/v1/: search, records and changes (officers only)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.web import Connection, Session, require_staff
from dinhdanh.population import births, cards, changes, search, service
from dinhdanh.population.models import Citizen
from dinhdanh.population.reference import find_communes
from dinhdanh.population.schemas import (
    BirthIn,
    CardRestoreIn,
    CardRevokeIn,
    DeathIn,
    HeadChangeIn,
    ResidenceChangeIn,
)
from dinhdanh.population.search import CitizenSummary, SearchResult, summary_from_row
from dinhdanh.population.service import CardInfo, CitizenRecord

router = APIRouter(prefix="/api/v1", tags=["population"])
Officer = Annotated[Principal, require_staff("officer", "supervisor")]
Staff = Annotated[Principal, require_staff()]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _summary(item: CitizenSummary) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    data["id"] = str(item.id)  # asyncpg's UUID subclass is not one orjson serialises
    return data


def _result(result: SearchResult) -> Response:
    return _json({"items": [_summary(i) for i in result.items], "truncated": result.truncated})


def _changed(citizen: Citizen, status: int = 200) -> Response:
    return _json(_summary(summary_from_row(citizen)), status)


@router.get("/communes")
async def communes(
    principal: Staff, q: Annotated[str, Query(min_length=1, max_length=80)]
) -> list[dict[str, str]]:
    """Current communes matching a name or code (for the residence forms), at most 20."""
    return [
        {
            "code": c.code,
            "name": c.name,
            "province_code": c.province_code,
            "province_name": c.province_name,
        }
        for c in find_communes(q)
    ]


@router.get("/citizens", response_model=SearchResult)
async def search_citizens(
    conn: Connection,
    principal: Officer,
    personal_id: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(max_length=160)] = None,
    birth: Annotated[str | None, Query(max_length=10, description="YYYY[-MM[-DD]]")] = None,
) -> Response:
    """Find citizens in your unit by personal ID, or by name with an optional date of birth."""
    if personal_id is not None:
        found = await search.find_by_personal_id(
            session=conn, principal=principal, personal_id_text=personal_id
        )
        return _result(found)
    if name is not None:
        found = await search.find_by_name(session=conn, principal=principal, name=name, birth=birth)
        return _result(found)
    raise ValidationProblem(errors=[field_error("personal_id", "Give a personal ID or a name.")])


@router.get("/citizens/{citizen_id}", response_model=CitizenRecord)
async def get_citizen(citizen_id: str, session: Session, principal: Officer) -> CitizenRecord:
    """A citizen's full record: identity, residence, household, relatives, cards, history."""
    return await service.get_record(session=session, principal=principal, citizen_id=citizen_id)


@router.post("/citizens/{citizen_id}/residence", response_model=CitizenSummary)
async def change_residence(
    citizen_id: str, body: ResidenceChangeIn, session: Session, principal: Officer
) -> Response:
    """Record a move of permanent or temporary residence, or end a temporary residence."""
    citizen = await changes.move_residence(
        session=session, principal=principal, citizen_id=citizen_id, **body.model_dump()
    )
    return _changed(citizen)


@router.post("/citizens/{citizen_id}/death", response_model=CitizenSummary)
async def record_death(
    citizen_id: str, body: DeathIn, session: Session, principal: Officer
) -> Response:
    """Record a citizen's death (once)."""
    citizen = await changes.record_death(
        session=session, principal=principal, citizen_id=citizen_id, **body.model_dump()
    )
    return _changed(citizen)


@router.post("/citizens/{citizen_id}/cards/{card_id}/revoke", response_model=CardInfo)
async def revoke_card(
    citizen_id: str, card_id: str, body: CardRevokeIn, session: Session, principal: Officer
) -> CardInfo:
    """Record a valid card revoked or seized; the holder's e-ID account locks with it."""
    card = await cards.revoke_card(
        session=session,
        principal=principal,
        citizen_id=citizen_id,
        card_id=card_id,
        **body.model_dump(),
    )
    return service.card_info(card, clock.today())


@router.post("/citizens/{citizen_id}/cards/{card_id}/restore", response_model=CardInfo)
async def restore_card(
    citizen_id: str, card_id: str, body: CardRestoreIn, session: Session, principal: Officer
) -> CardInfo:
    """Record a seized card handed back; the seizure's account lock ends."""
    card = await cards.restore_card(
        session=session,
        principal=principal,
        citizen_id=citizen_id,
        card_id=card_id,
        **body.model_dump(),
    )
    return service.card_info(card, clock.today())


@router.post("/households/{household_id}/births", status_code=201, response_model=CitizenSummary)
async def record_birth(
    household_id: str, body: BirthIn, session: Session, principal: Officer
) -> Response:
    """Register a birth into a household; the new citizen gets a personal ID."""
    citizen = await births.record_birth(
        session=session, principal=principal, household_id=household_id, **body.model_dump()
    )
    return _changed(citizen, 201)


@router.post("/households/{household_id}/head", response_model=CitizenSummary)
async def change_head(
    household_id: str, body: HeadChangeIn, session: Session, principal: Officer
) -> Response:
    """Name a living member the new head of household (e.g. after the head died or moved)."""
    citizen = await changes.change_head(
        session=session, principal=principal, household_id=household_id, **body.model_dump()
    )
    return _changed(citizen)
