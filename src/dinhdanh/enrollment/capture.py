"""Capture on an open application: corrections of the person's and relatives' data (kept
on the application, written to the registry only on approval), dependants with their
papers, and the documents whose originals the officer checked (numbers encrypted).
Biometrics: `biometrics.py`."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment.application_models import (
    DEPENDANT_RELATIONS,
    DOCUMENT_KINDS,
    ApplicationDependant,
    ApplicationDocument,
    CardApplication,
)
from dinhdanh.enrollment.steps import (
    EnrollmentTools,
    add_captured,
    application_rows,
    has_reached,
    locked_application,
    record_step,
)
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line
from dinhdanh.population import updates
from dinhdanh.population.identity import Identity, identities, identity
from dinhdanh.population.rules import RuleError, parse_date
from dinhdanh.population.scope import covers_citizen
from dinhdanh.population.service import load_citizen, parse_uuid

MAX_DEPENDANTS: Final = 10
MAX_DOCUMENTS: Final = 12
PAPERS_MAX: Final = 200
CHILD_AGE: Final = 14
_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./-]{3,29}")
NO_PERSON: Final = N_("No citizen with this personal ID in your unit.")


def number_context(application_id: uuid.UUID) -> str:
    """The encryption context of an application's document numbers."""
    return f"application_documents.number:{application_id}"


# ---------------------------------------------------------------- data corrections


async def capture_changes(
    *, session: AsyncSession, principal: Principal, application_id: str, values: dict[str, str]
) -> CardApplication:
    """Keep the corrections that differ from the registry on the application (checked now,
    applied on approval); values equal to the registry's drop out."""
    application = await locked_application(session, principal, application_id, "open")
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=application.citizen_id
    )
    changes = await updates.check_changes(session=session, citizen=citizen, values=values)
    application.changes = changes
    await record_step(
        session,
        principal,
        application,
        "enrollment.application.changes_captured",
        {"fields": sorted(changes)},
        captured=True,
    )
    return application


# ---------------------------------------------------------------- dependants


@dataclass(frozen=True)
class DependantView:
    """A dependant as the application page shows it."""

    id: uuid.UUID
    person: Identity
    relation: str
    papers: str


async def _dependant_person(
    session: AsyncSession, principal: Principal, applicant: Identity, personal_id: str
) -> Identity:
    """The registry person: in the unit, or linked to the applicant as child or ward (the
    same answer for an unknown ID and an unrelated person elsewhere)."""
    pid = "".join((personal_id or "").split())
    who = await identity(session=session, personal_id=pid) if pid.isdigit() else None
    if who is None:
        raise ValidationProblem(errors=[field_error("personal_id", NO_PERSON)])
    if not covers_citizen(principal.scope, who):
        guardians = await updates.guardians_of(session=session, citizen_id=who.id)
        if applicant.id not in guardians:
            raise ValidationProblem(errors=[field_error("personal_id", NO_PERSON)])
    return who


async def add_dependant(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    personal_id: str,
    relation: str,
    papers: str,
) -> ApplicationDependant:
    """A child under 14 or a ward the applicant will act for, with the papers presented."""
    application = await locked_application(session, principal, application_id, "open")
    applicant = await identity(session=session, citizen_id=application.citizen_id)
    assert applicant is not None
    errors = []
    if relation not in DEPENDANT_RELATIONS:
        errors.append(field_error("relation", N_("Choose child or ward.")))
    text = clean_line(papers)
    if not text or len(text) > PAPERS_MAX:
        errors.append(
            field_error(
                "papers",
                N_("Name the papers presented (birth certificate, guardianship decision)."),
            )
        )
    if errors:
        raise ValidationProblem(errors=errors)
    who = await _dependant_person(session, principal, applicant, personal_id)
    if who.id == applicant.id:
        raise ValidationProblem(
            errors=[field_error("personal_id", N_("The applicant cannot be their own dependant."))]
        )
    if who.status != "living":
        raise Conflict(N_("This citizen is recorded as deceased."), type="citizen-deceased")
    if relation == "child" and has_reached(who, CHILD_AGE):
        raise ValidationProblem(
            errors=[field_error("personal_id", N_("A child dependant is under 14."))]
        )
    await _require_room(
        session, ApplicationDependant, application, MAX_DEPENDANTS, N_("At most %(n)s dependants.")
    )
    exists = await session.scalar(
        select(ApplicationDependant.id).where(
            ApplicationDependant.application_id == application.id,
            ApplicationDependant.citizen_id == who.id,
        )
    )
    if exists is not None:
        raise Conflict(N_("This dependant is already on the application."), type="duplicate")
    dependant = ApplicationDependant(
        application_id=application.id, citizen_id=who.id, relation=relation, papers=text
    )
    await add_captured(
        session,
        principal,
        application,
        dependant,
        "enrollment.application.dependant_added",
        {"dependant": str(who.id), "relation": relation},
    )
    return dependant


async def remove_dependant(
    *, session: AsyncSession, principal: Principal, application_id: str, dependant_id: str
) -> None:
    """Take a dependant off the application."""
    await _remove(
        session, principal, application_id, ApplicationDependant, dependant_id, "dependant"
    )


async def _require_room(
    session: AsyncSession, model: type[Any], application: CardApplication, most: int, message: str
) -> None:
    """Conflict when the application already holds `most` rows of `model`."""
    count = await session.scalar(select(func.count()).where(model.application_id == application.id))
    if (count or 0) >= most:
        raise Conflict(message, type="too-many", n=most)


async def _remove(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    model: type[Any],
    row_id: str,
    what: str,
) -> None:
    """Take a row (`what`: a dependant or a document) off an open application."""
    application = await locked_application(session, principal, application_id, "open")
    wanted = parse_uuid(row_id)
    query = delete(model).where(model.id == wanted, model.application_id == application.id)
    if wanted is None or not (await session.execute(query)).rowcount:
        raise NotFound()
    await record_step(
        session,
        principal,
        application,
        f"enrollment.application.{what}_removed",
        {f"{what}_row": row_id},
        captured=True,
    )


async def dependants(session: AsyncSession, application: CardApplication) -> list[DependantView]:
    """The application's dependants with their registry identity."""
    rows = await application_rows(session, ApplicationDependant, application)
    people = await identities(session=session, citizen_ids=[r.citizen_id for r in rows])
    return [DependantView(r.id, people[r.citizen_id], r.relation, r.papers) for r in rows]


async def approved_dependants(
    *, session: AsyncSession, citizen_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, str]]:
    """Whom the citizen acts for, as their approved applications recorded it: (dependant's
    id, relation, papers) — for the guardian's registration of a child or ward."""
    rows = await session.execute(
        select(
            ApplicationDependant.citizen_id,
            ApplicationDependant.relation,
            ApplicationDependant.papers,
        )
        .join(CardApplication, CardApplication.id == ApplicationDependant.application_id)
        .where(CardApplication.citizen_id == citizen_id, CardApplication.status == "approved")
    )
    return [(r.citizen_id, r.relation, r.papers) for r in rows]


# ---------------------------------------------------------------- documents


@dataclass
class DocumentIn:
    """A document whose original was checked."""

    kind: str
    number: str
    issued_on: str = ""
    expires_on: str = ""


def _date(errors: list[dict[str, Any]], field: str, text: str) -> dt.date | None:
    if not (text or "").strip():
        return None
    try:
        return parse_date(text)
    except RuleError as exc:
        errors.append(field_error(field, exc.message))
        return None


def _check_document(data: DocumentIn) -> tuple[str, dt.date | None, dt.date | None]:
    errors: list[dict[str, Any]] = []
    if data.kind not in DOCUMENT_KINDS:
        errors.append(field_error("kind", N_("Choose the kind of document.")))
    number = "".join((data.number or "").upper().split())
    if not _DOCUMENT_NUMBER.fullmatch(number):
        errors.append(
            field_error("number", N_("Enter the document number (4 to 30 letters and digits)."))
        )
    issued = _date(errors, "issued_on", data.issued_on)
    expires = _date(errors, "expires_on", data.expires_on)
    if issued and issued > clock.today():
        errors.append(field_error("issued_on", N_("The date is in the future.")))
    if issued and expires and expires <= issued:
        errors.append(field_error("expires_on", N_("The expiry must come after the issue date.")))
    if errors:
        raise ValidationProblem(errors=errors)
    return number, issued, expires


async def add_document(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    application_id: str,
    data: DocumentIn,
) -> ApplicationDocument:
    """Record a document whose original the officer checked (the number encrypted)."""
    application = await locked_application(session, principal, application_id, "open")
    number, issued, expires = _check_document(data)
    await _require_room(
        session, ApplicationDocument, application, MAX_DOCUMENTS, N_("At most %(n)s documents.")
    )
    document = ApplicationDocument(
        application_id=application.id,
        kind=data.kind,
        number_enc=tools.cipher.encrypt(number, context=number_context(application.id)),
        hint=number[-3:],
        issued_on=issued,
        expires_on=expires,
        checked_by=principal.id,
    )
    await add_captured(
        session,
        principal,
        application,
        document,
        "enrollment.application.document_added",
        {"kind": data.kind},
    )
    return document


async def remove_document(
    *, session: AsyncSession, principal: Principal, application_id: str, document_id: str
) -> None:
    """Take a document off the application."""
    await _remove(session, principal, application_id, ApplicationDocument, document_id, "document")


async def documents(
    session: AsyncSession, application: CardApplication
) -> list[ApplicationDocument]:
    """The application's checked documents (numbers stay encrypted; `hint` is shown)."""
    return await application_rows(
        session, ApplicationDocument, application, ApplicationDocument.checked_at
    )


@dataclass(frozen=True)
class CheckedDocument:
    """A document checked at the office, for the wallet: kind, number and dates."""

    kind: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    checked_at: dt.datetime


async def checked_documents(
    *, session: AsyncSession, tools: EnrollmentTools, citizen_id: uuid.UUID
) -> list[CheckedDocument]:
    """The documents checked on the citizen's approved applications, numbers decrypted
    (the wallet imports them; the caller audits its own read)."""
    rows = await session.execute(
        select(ApplicationDocument)
        .join(CardApplication, CardApplication.id == ApplicationDocument.application_id)
        .where(CardApplication.citizen_id == citizen_id, CardApplication.status == "approved")
        .order_by(ApplicationDocument.checked_at)
    )
    return [
        CheckedDocument(
            d.kind,
            tools.cipher.decrypt(d.number_enc, context=number_context(d.application_id)),
            d.issued_on,
            d.expires_on,
            d.checked_at,
        )
        for d in rows.scalars()
    ]
