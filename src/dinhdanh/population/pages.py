"""The registry's pages in the officer console: search, a citizen's record, change forms."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.web import Connection, Session, render_form, require_staff, submit
from dinhdanh.population import births, cards, changes, search, service
from dinhdanh.population.models import RELATIONS
from dinhdanh.population.reference import ethnicity_names, religion_names
from dinhdanh.population.schemas import (
    BirthIn,
    CardRestoreIn,
    CardRevokeIn,
    DeathIn,
    HeadChangeIn,
    ResidenceChangeIn,
)
from dinhdanh.population.scope import covers_commune

router = APIRouter(include_in_schema=False)
Officer = Annotated[Principal, require_staff("officer", "supervisor")]
_DIGITS = re.compile(r"\d[\d ]*")


LABELS: Final[dict[str, dict[str, str]]] = {
    "relation": {
        "head": N_("Head of household"),
        "spouse": N_("Spouse"),
        "child": N_("Child"),
        "child_in_law": N_("Child-in-law"),
        "grandchild": N_("Grandchild"),
        "parent": N_("Parent"),
        "parent_in_law": N_("Parent-in-law"),
        "grandparent": N_("Grandparent"),
        "sibling": N_("Sibling"),
        "other": N_("Other"),
        "father": N_("Father"),
        "mother": N_("Mother"),
        "guardian": N_("Guardian"),
    },
    "sex": {"M": N_("Male"), "F": N_("Female")},
    "status": {"living": N_("Living"), "deceased": N_("Deceased")},
    "card_kind": {"cccd_2021": N_("Chip CCCD (2021)"), "can_cuoc_2024": N_("Căn cước (2024)")},
    "card_status": {
        "valid": N_("Valid"),
        "expired": N_("Expired"),
        "revoked": N_("Revoked"),
        "lost": N_("Lost"),
        "replaced": N_("Replaced"),
        "seized": N_("Seized"),
    },
    "change": {
        "registered": N_("Registered"),
        "imported": N_("Imported"),
        "moved_permanent": N_("Moved permanent residence"),
        "moved_temporary": N_("Registered temporary residence"),
        "ended_temporary": N_("Ended temporary residence"),
        "birth": N_("Birth registered"),
        "child_born": N_("Child born"),
        "death": N_("Death recorded"),
        "head_changed": N_("Head of household changed"),
        "card_revoked": N_("ID card revoked"),
        "card_seized": N_("ID card seized"),
        "card_restored": N_("Seized ID card handed back"),
        "card_issued": N_("ID card issued"),
        "data_updated": N_("Data corrected"),
    },
}
DONE: Final[dict[str, str]] = {
    "residence": N_("The residence change is recorded."),
    "death": N_("The death is recorded."),
    "birth": N_("The birth is registered. The child's personal ID is shown below."),
    "head": N_("The new head of household is recorded."),
    "card-revoked": N_("The card is recorded as revoked; the e-ID account is locked."),
    "card-seized": N_("The card is recorded as seized; the e-ID account is locked."),
    "card-restored": N_("The card is valid again; the seizure's account lock is lifted."),
}


def _label(kind: str, value: str | None) -> str:
    """The translated label of a coded value (the value itself when unknown)."""
    return i18n.label(LABELS[kind], value)


@dataclass(frozen=True)
class RecordSection:
    """A section another context adds to the record page: its template, included after the
    ID cards with `section.data` in reach."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)


SectionMaker = Callable[
    [AsyncSession, Principal, service.CitizenRecord], Awaitable[RecordSection | None]
]
_sections: list[SectionMaker] = []


def record_section(maker: SectionMaker) -> SectionMaker:
    """Register a maker of a record-page section (a context above the registry, such as
    enrollment's card, calls this at import: the registry never imports it)."""
    if maker not in _sections:
        _sections.append(maker)
    return maker


async def _form(request: Request, shape: type[BaseModel]) -> dict[str, str]:
    """The posted form: every field of the API's input `shape` ("" when absent), and the rest."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    return {name: "" for name in shape.model_fields} | values


def _fields(values: dict[str, str], shape: type[BaseModel]) -> dict[str, str]:
    """The form's values for the fields of `shape`, as keyword arguments of the operation."""
    return {name: values[name] for name in shape.model_fields}


@router.get("/registry", response_class=HTMLResponse)
async def search_page(
    request: Request, conn: Connection, principal: Officer, q: str = "", birth: str = ""
) -> Response:
    """The registry search: one box for a personal ID or a name, and a date of birth."""
    done = DONE.get(request.query_params.get("done", ""))
    result, problem = None, None
    query = q.strip()
    try:
        if _DIGITS.fullmatch(query):
            result = await search.find_by_personal_id(
                session=conn, principal=principal, personal_id_text=query.replace(" ", "")
            )
        elif query:
            result = await search.find_by_name(
                session=conn, principal=principal, name=query, birth=birth
            )
    except Problem as failed:
        problem = failed
    return render_form(
        request,
        "population/search.html",
        problem,
        q=q,
        birth=birth,
        result=result,
        done=gettext(done) if done else None,
        label=_label,
    )


async def _record_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    citizen_id: str,
    *,
    problem: Problem | None = None,
    form_name: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    record = await service.get_record(session=session, principal=principal, citizen_id=citizen_id)
    done = DONE.get(request.query_params.get("done", ""))
    sections = [made for maker in _sections if (made := await maker(session, principal, record))]
    return render_form(
        request,
        "population/record.html",
        problem,
        record=record,
        sections=sections,
        label=_label,
        done=gettext(done) if done else None,
        form_name=form_name,
        values=values or {},
        relations=[(r, _label("relation", r)) for r in RELATIONS],
        ethnicities=sorted(ethnicity_names().items()),
        religions=sorted(religion_names().items()),
    )


def _shown_again(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    citizen_id: str,
    form_name: str,
    values: dict[str, str],
) -> Callable[[Problem], Awaitable[Response]]:
    """Undo anything the failed change flushed, then show the record with the form's errors."""

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        return await _record_page(
            request,
            session,
            principal,
            citizen_id,
            problem=problem,
            form_name=form_name,
            values=values,
        )

    return failed


@router.get("/registry/citizens/{citizen_id}", response_class=HTMLResponse)
async def record_page(
    request: Request, citizen_id: str, session: Session, principal: Officer
) -> Response:
    """A citizen's record with the forms to record a change."""
    return await _record_page(request, session, principal, citizen_id)


@router.post("/registry/citizens/{citizen_id}/residence")
async def residence_form(
    request: Request, citizen_id: str, session: Session, principal: Officer
) -> Response:
    """Record a residence change from the record page."""
    values = await _form(request, ResidenceChangeIn)
    moved_away = values["kind"] == "permanent" and not covers_commune(
        principal.scope, values["commune_code"].strip()
    )
    # Someone who moved out of the unit is no longer visible: go back to the search.
    target = "/registry" if moved_away else f"/registry/citizens/{citizen_id}"
    return await submit(
        changes.move_residence(
            session=session,
            principal=principal,
            citizen_id=citizen_id,
            **_fields(values, ResidenceChangeIn),
        ),
        then=lambda _: f"{target}?done=residence",
        failed=_shown_again(request, session, principal, citizen_id, "residence", values),
    )


@router.post("/registry/citizens/{citizen_id}/death")
async def death_form(
    request: Request, citizen_id: str, session: Session, principal: Officer
) -> Response:
    """Record a death from the record page."""
    values = await _form(request, DeathIn)
    return await submit(
        changes.record_death(
            session=session, principal=principal, citizen_id=citizen_id, **_fields(values, DeathIn)
        ),
        then=lambda _: f"/registry/citizens/{citizen_id}?done=death",
        failed=_shown_again(request, session, principal, citizen_id, "death", values),
    )


async def _card_form(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    citizen_id: str,
    card_id: str,
    schema: type[BaseModel],
    operation: Callable[..., Awaitable[Any]],
    done: Callable[[Any], str],
) -> Response:
    """Post a card's form from the record page; errors go back to that card's form."""
    values = await _form(request, schema)
    return await submit(
        operation(
            session=session,
            principal=principal,
            citizen_id=citizen_id,
            card_id=card_id,
            **_fields(values, schema),
        ),
        then=lambda card: f"/registry/citizens/{citizen_id}?done=card-{done(card)}",
        failed=_shown_again(request, session, principal, citizen_id, f"card-{card_id}", values),
    )


@router.post("/registry/citizens/{citizen_id}/cards/{card_id}/revoke")
async def card_revoke_form(
    request: Request, citizen_id: str, card_id: str, session: Session, principal: Officer
) -> Response:
    """Record a card revoked or seized from the record page."""
    return await _card_form(
        request,
        session,
        principal,
        citizen_id=citizen_id,
        card_id=card_id,
        schema=CardRevokeIn,
        operation=cards.revoke_card,
        done=lambda card: card.status,
    )


@router.post("/registry/citizens/{citizen_id}/cards/{card_id}/restore")
async def card_restore_form(
    request: Request, citizen_id: str, card_id: str, session: Session, principal: Officer
) -> Response:
    """Record a seized card handed back from the record page."""
    return await _card_form(
        request,
        session,
        principal,
        citizen_id=citizen_id,
        card_id=card_id,
        schema=CardRestoreIn,
        operation=cards.restore_card,
        done=lambda _: "restored",
    )


async def _household_form(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    schema: type[BaseModel],
    form: str,
    operation: Callable[..., Awaitable[Any]],
    then: Callable[[Any], str],
    household_id: str,
) -> Response:
    """Post a household form from a member's record page; errors go back to that page."""
    values = await _form(request, schema)
    from_citizen = values.get("from_citizen", "")
    shown_again = _shown_again(request, session, principal, from_citizen, form, values)

    async def failed(problem: Problem) -> Response:
        if not from_citizen:  # no record page to go back to
            raise problem
        return await shown_again(problem)

    return await submit(
        operation(
            session=session,
            principal=principal,
            household_id=household_id,
            **_fields(values, schema),
        ),
        then=then,
        failed=failed,
    )


@router.post("/registry/households/{household_id}/births")
async def birth_form(
    request: Request, household_id: str, session: Session, principal: Officer
) -> Response:
    """Register a birth from a household member's record page."""
    return await _household_form(
        request,
        session,
        principal,
        schema=BirthIn,
        form="birth",
        operation=births.record_birth,
        then=lambda child: f"/registry/citizens/{child.id}?done=birth",
        household_id=household_id,
    )


@router.post("/registry/households/{household_id}/head")
async def head_form(
    request: Request, household_id: str, session: Session, principal: Officer
) -> Response:
    """Name a new head of household from a member's record page."""
    return await _household_form(
        request,
        session,
        principal,
        schema=HeadChangeIn,
        form="head",
        operation=changes.change_head,
        then=lambda head: f"/registry/citizens/{head.id}?done=head",
        household_id=household_id,
    )
