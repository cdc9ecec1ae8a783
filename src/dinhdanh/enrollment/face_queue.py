"""The officers' side of the face-check queue (the officer-queue matcher's cases).

A check is seen and decided by the police of the commune of the person's residence (a
provincial officer sees the province's communes): outside that scope it answers like one
that does not exist. The list, the view (the selfie beside the card photo) and the
decision are each audited with the person's registry id. The decision locks the check:
a second decision, a double click, finds it decided. A match without the card's photo to
compare with is refused: the person is then asked to come to the office.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import level1_card
from dinhdanh.enrollment.face_match import image_context
from dinhdanh.enrollment.level1 import Level1Tools
from dinhdanh.enrollment.level1_models import FaceCheck, Level1Registration
from dinhdanh.enrollment.steps import record_on
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict, NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line
from dinhdanh.population import personal_id as pid_rules
from dinhdanh.population.identity import Identity, identity, listed_identities
from dinhdanh.population.service import parse_uuid

SUBJECT: Final = "face_check"
VERDICTS: Final = ("match", "no_match")
REASON_MAX: Final = 500
LIST_LIMIT: Final = 200
NOT_IN_UNIT: Final = N_("No face check with this reference in your unit.")


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.level == "all":
        return true()
    if scope.level == "commune" and scope.commune_code:
        return FaceCheck.commune_code == scope.commune_code
    if scope.level == "province" and scope.province_code:
        return FaceCheck.province_code == scope.province_code
    return false()


@dataclass(frozen=True)
class QueueItem:
    """A check as the queue lists it."""

    id: uuid.UUID
    full_name: str
    personal_id: str  # masked
    created_at: dt.datetime
    due_on: dt.date
    overdue: bool
    status: str
    no_chip_verification: bool
    has_reference: bool


def _item(check: FaceCheck, person: Identity | None) -> QueueItem:
    return QueueItem(
        id=check.id,
        full_name=person.full_name if person else "—",
        personal_id=pid_rules.mask(person.personal_id) if person else "—",
        created_at=check.created_at,
        due_on=check.due_on,
        overdue=check.status == "pending" and clock.today() > check.due_on,
        status=check.status,
        no_chip_verification=check.no_chip_verification,
        has_reference=check.reference_enc is not None,
    )


async def list_checks(
    *, session: AsyncSession, principal: Principal, status: str = "pending"
) -> list[QueueItem]:
    """The unit's checks in `status` (pending: oldest due first), the names read audited."""
    order = (FaceCheck.due_on, FaceCheck.created_at)
    if status != "pending":
        order = (FaceCheck.decided_at.desc(), FaceCheck.created_at.desc())  # type: ignore[assignment]
    rows = list(
        await session.scalars(
            select(FaceCheck)
            .where(_in_scope(principal.scope), FaceCheck.status == status)
            .order_by(*order)
            .limit(LIST_LIMIT)
        )
    )
    people = await listed_identities(
        session=session,
        principal=principal,
        action="enrollment.face_check.listed",
        citizen_ids=[r.citizen_id for r in rows],
    )
    return [_item(r, people.get(r.citizen_id)) for r in rows]


@dataclass(frozen=True)
class FaceCheckView:
    """One check for the officer: the person, the selfie and the card photo."""

    item: QueueItem
    person: Identity
    selfie: bytes
    selfie_type: str
    reference: bytes | None
    reference_type: str | None
    evidence: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None


async def _load(
    session: AsyncSession, principal: Principal, check_id: str, *, for_update: bool = False
) -> FaceCheck:
    wanted = parse_uuid(check_id)
    query = select(FaceCheck).where(FaceCheck.id == wanted, _in_scope(principal.scope))
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query) if wanted else None
    if found is None:
        raise NotFound(NOT_IN_UNIT, type="face-check-not-found")
    return found


async def view_check(
    *, session: AsyncSession, cipher: FieldCipher, principal: Principal, check_id: str
) -> FaceCheckView:
    """A check with both images decrypted (audited as a read of the person's data)."""
    check = await _load(session, principal, check_id)
    person = await identity(session=session, citizen_id=check.citizen_id)
    assert person is not None  # the foreign key guarantees it
    registration = await session.get(Level1Registration, check.subject_id)
    await record_on(session, principal, SUBJECT, check, "enrollment.face_check.viewed")
    reference = None
    if check.reference_enc is not None:
        reference = cipher.decrypt_bytes(
            check.reference_enc, context=image_context(check.id, "reference")
        )
    return FaceCheckView(
        item=_item(check, person),
        person=person,
        selfie=cipher.decrypt_bytes(check.selfie_enc, context=image_context(check.id, "selfie")),
        selfie_type=check.selfie_type,
        reference=reference,
        reference_type=check.reference_type,
        evidence=registration.evidence if registration else None,
        decided_by=check.decided_by,
        decided_at=check.decided_at,
        reason=check.reason,
    )


def _check_decision(check: FaceCheck, verdict: str, reason: str) -> str:
    errors = []
    if verdict not in VERDICTS:
        errors.append(field_error("verdict", N_("Choose match or no match.")))
    text = clean_line(reason)
    if not text:
        errors.append(field_error("reason", N_("Write the reason for the decision.")))
    elif len(text) > REASON_MAX:
        errors.append(field_error("reason", N_("At most %(n)s characters."), n=REASON_MAX))
    if verdict == "match" and check.reference_enc is None:
        errors.append(
            field_error(
                "verdict",
                N_(
                    "There is no card photo to compare with: decide no match, "
                    "the person comes to the office."
                ),
            )
        )
    if errors:
        raise ValidationProblem(errors=errors)
    return text


async def decide(
    *,
    session: AsyncSession,
    tools: Level1Tools,
    principal: Principal,
    check_id: str,
    verdict: str,
    reason: str,
) -> FaceCheck:
    """Decide a pending check, and with it the registration: a match creates the level-1
    account and tells the person by SMS, no match asks them to come to the office."""
    check = await _load(session, principal, check_id, for_update=True)
    if check.status != "pending":
        raise Conflict(N_("This face check was already decided."), type="face-check-decided")
    text = _check_decision(check, verdict, reason)
    check.status = verdict
    check.decided_by = principal.id
    check.decided_unit = principal.unit_code
    check.decided_at = clock.now()
    check.reason = text
    data = {"verdict": verdict, "reason": text}
    await record_on(session, principal, SUBJECT, check, "enrollment.face_check.decided", data)
    registration = await session.scalar(
        select(Level1Registration)
        .where(Level1Registration.id == check.subject_id)
        .with_for_update()
    )
    if registration is None:  # pragma: no cover - the queue holds level-1 checks only
        raise NotFound(NOT_IN_UNIT, type="face-check-not-found")
    await level1_card.finish(
        session=session,
        tools=tools,
        actor=principal,
        registration=registration,
        matched=verdict == "match",
        reason=text,
    )
    return check
