"""Card applications at the office: open, the contact details, submit for approval, cancel,
and the unit's list. Capture lives in `capture.py` and `biometrics.py`, the decision in
`approval.py`, the applicant's view in `tracking.py`.

An application belongs to the unit that opened it (a commune police or a card office):
only that unit's officers see and act on it; another unit's application answers "not
found". Every step writes one audit event on the application (subject
`card_application`, with the citizen's id for their activity log) and queues an SMS to
the applicant's phone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import account_of_citizen, check_email, check_phone
from dinhdanh.enrollment import time_limits
from dinhdanh.enrollment.application_models import (
    ACTIVE,
    FACE,
    KINDS,
    REASONS,
    ApplicationBiometric,
    CardApplication,
)
from dinhdanh.enrollment.steps import (
    STATUS_LABELS,
    EnrollmentTools,
    clean_reason,
    has_reached,
    locked_application,
    mark_decided,
    new_reference,
    overdue,
    record_step,
    sms,
)
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, Forbidden, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line
from dinhdanh.population import cards as registry_cards
from dinhdanh.population.identity import Identity, identity, listed_identities
from dinhdanh.population.rules import Checker
from dinhdanh.population.scope import not_found
from dinhdanh.population.service import load_citizen
from dinhdanh.staff.units import get_unit

OFFICE_LEVELS: Final = ("commune", "card_office")
# Both index fingers from the age of 6 (*unconfirmed*: the Law on Identity takes no
# biometrics under 6; which fingers an office takes at the least is not published).
REQUIRED_FINGERS: Final = ("right_index", "left_index")
FINGERPRINT_AGE: Final = 6
ACCOUNT_MIN_AGE: Final = 6  # under 6: level 1 only, registered by a parent (Decree 69 Art. 7)


@dataclass
class NewApplication:
    """What opening an application takes."""

    citizen_id: str
    kind: str
    reason: str = ""
    phone: str = ""
    email: str = ""
    wants_account: bool = False


# ---------------------------------------------------------------- opening


def _check_new(data: NewApplication) -> tuple[str, str | None, str, str | None]:
    checker = Checker()
    if data.kind not in KINDS:
        checker.add("kind", N_("Choose issue, renew or reissue."))
    reasons = REASONS.get(data.kind, ())
    reason = data.reason or (reasons[0] if len(reasons) == 1 else "")
    if reasons and reason not in reasons:
        checker.add("reason", N_("Choose the reason for the renewal."))
    phone = checker.check("phone", check_phone, data.phone)
    email = checker.check("email", check_email, data.email)
    checker.raise_if_any()
    assert phone is not None
    return data.kind, reason or None, phone, email


async def _check_person(
    session: AsyncSession, who: Identity, kind: str, wants_account: bool
) -> None:
    """The person's state allows this application: alive, a full date of birth, the card
    situation the kind needs, and an account wish they may have."""
    if who.status != "living":
        raise Conflict(N_("This citizen is recorded as deceased."), type="citizen-deceased")
    if who.birth.month is None or who.birth.day is None:
        raise Conflict(
            N_("A card needs the full date of birth: correct it in the registry first."),
            type="birth-date-partial",
        )
    held = await registry_cards.held_cards(session=session, citizen_id=who.id)
    if any(k.status == "seized" for k in held):
        raise Conflict(
            N_("The person's card is seized: no new card until it is handed back."),
            type="card-seized",
        )
    if kind == "issue" and held:
        raise Conflict(
            N_("The person already holds a card: renew or reissue it."), type="card-held"
        )
    if kind != "issue" and not held:
        raise Conflict(N_("The person holds no card to renew or reissue."), type="no-card-held")
    if not wants_account:
        return
    if not has_reached(who, ACCOUNT_MIN_AGE):
        raise ValidationProblem(
            errors=[
                field_error(
                    "wants_account",
                    N_(
                        "A child under 6 gets a level-1 account, registered by a parent in the app."
                    ),
                )
            ]
        )
    account = await account_of_citizen(session, who.id)
    if account is not None and account.level == 2:
        raise ValidationProblem(
            errors=[field_error("wants_account", N_("This citizen already has a level-2 account."))]
        )


async def _active_for(session: AsyncSession, citizen_id: uuid.UUID) -> CardApplication | None:
    return await session.scalar(
        select(CardApplication).where(
            and_(CardApplication.citizen_id == citizen_id, CardApplication.status.in_(ACTIVE))
        )
    )


def _already_open() -> Conflict:
    return Conflict(
        N_("This person already has an application in progress: finish or cancel it first."),
        type="application-open",
    )


async def open_application(
    *, session: AsyncSession, tools: EnrollmentTools, principal: Principal, data: NewApplication
) -> CardApplication:
    """Open an application for a citizen of the unit (audited; SMS to the applicant)."""
    kind, reason, phone, email = _check_new(data)
    unit = await get_unit(session, principal.unit_code or "-")
    if unit.level not in OFFICE_LEVELS:
        raise Forbidden(
            N_("Card applications are taken at a commune police or a card office."),
            type="not-an-office",
        )
    citizen = await load_citizen(session=session, scope=principal.scope, citizen_id=data.citizen_id)
    who = await identity(session=session, citizen_id=citizen.id)
    if who is None:
        raise not_found()
    await _check_person(session, who, kind, data.wants_account)
    if await _active_for(session, who.id) is not None:
        raise _already_open()
    today = clock.today()
    application = CardApplication(
        reference=new_reference(),
        citizen_id=who.id,
        unit_code=unit.code,
        kind=kind,
        reason=reason,
        status="open",
        wants_account=data.wants_account,
        phone=phone,
        email=email,
        changes={},
        opened_by=principal.id,
        due_on=time_limits.add_working_days(today, tools.settings.card_application_working_days),
    )
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError:
        # Another officer opened one for the same person at this very moment.
        raise _already_open() from None
    await record_step(
        session, principal, application, "enrollment.application.opened", {"kind": kind}
    )
    await sms(
        session,
        application,
        N_(
            "dinhdanh: your card application %(ref)s was received by %(unit)s; it is due "
            "by %(due)s. Follow it at %(url)s"
        ),
        unit=unit.name,
        due=application.due_on.strftime("%d/%m/%Y"),
        url=tools.status_url,
    )
    return application


async def update_details(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    phone: str,
    email: str,
    wants_account: bool,
    identifying_marks: str,
) -> CardApplication:
    """Change the contact details, the account wish and the identifying marks."""
    application = await locked_application(session, principal, application_id, "open")
    checker = Checker()
    clean = checker.check("phone", check_phone, phone)
    mail = checker.check("email", check_email, email)
    marks = clean_line(identifying_marks)
    if len(marks) > 100:
        checker.add("identifying_marks", N_("At most %(n)s characters."), n=100)
    checker.raise_if_any()
    who = await identity(session=session, citizen_id=application.citizen_id)
    assert who is not None and clean is not None
    if wants_account and not application.wants_account:
        await _check_person(session, who, application.kind, True)
    application.phone, application.email = clean, mail
    application.wants_account, application.identifying_marks = wants_account, marks
    await record_step(
        session, principal, application, "enrollment.application.details_changed", captured=True
    )
    return application


# ---------------------------------------------------------------- submit and cancel


async def missing_biometrics(session: AsyncSession, application: CardApplication) -> list[str]:
    """The positions still to capture before the application can be submitted."""
    taken = set(
        await session.scalars(
            select(ApplicationBiometric.position).where(
                ApplicationBiometric.application_id == application.id
            )
        )
    )
    who = await identity(session=session, citizen_id=application.citizen_id)
    wanted = [FACE]
    if who is not None and has_reached(who, FINGERPRINT_AGE):
        wanted += list(REQUIRED_FINGERS)
    return [p for p in wanted if p not in taken]


async def submit_application(
    *, session: AsyncSession, principal: Principal, application_id: str
) -> CardApplication:
    """Capture done: the application waits for another officer's decision (SMS)."""
    application = await locked_application(session, principal, application_id, "open")
    missing = await missing_biometrics(session, application)
    if missing:
        raise ValidationProblem(
            N_("Capture the face photo and the required fingerprints first."),
            errors=[field_error(p, N_("Not captured yet.")) for p in missing],
        )
    application.status = "submitted"
    application.submitted_at = clock.now()
    await record_step(
        session, principal, application, "enrollment.application.submitted", captured=True
    )
    await sms(
        session, application, N_("dinhdanh: application %(ref)s is captured and awaits approval.")
    )
    return application


async def cancel_application(
    *, session: AsyncSession, principal: Principal, application_id: str, reason: str
) -> CardApplication:
    """Cancel an undecided application (the applicant withdrew, or it was opened in error)."""
    application = await locked_application(session, principal, application_id, *ACTIVE)
    mark_decided(application, principal, "cancelled", clean_reason(reason))
    await record_step(session, principal, application, "enrollment.application.cancelled")
    await sms(session, application, N_("dinhdanh: application %(ref)s was cancelled."))
    return application


# ---------------------------------------------------------------- the unit's list


@dataclass(frozen=True)
class ListedApplication:
    """One line of the unit's list."""

    application: CardApplication
    person: Identity | None
    overdue: bool


async def unit_applications(
    *, session: AsyncSession, principal: Principal, state: str = "active", limit: int = 200
) -> list[ListedApplication]:
    """The unit's applications (undecided ones by default), soonest due first; the names
    shown are audited as a list read."""
    query = select(CardApplication).where(CardApplication.unit_code == principal.unit_code)
    if state == "active":
        query = query.where(CardApplication.status.in_(ACTIVE))
    elif state in STATUS_LABELS:
        query = query.where(CardApplication.status == state)
    rows = list(
        await session.scalars(
            query.order_by(CardApplication.due_on, CardApplication.opened_at).limit(limit)
        )
    )
    people = await listed_identities(
        session=session,
        principal=principal,
        action="enrollment.application.listed",
        citizen_ids=[a.citizen_id for a in rows],
    )
    today = clock.today()
    return [ListedApplication(a, people.get(a.citizen_id), overdue(a, today)) for a in rows]


async def active_application(
    *, session: AsyncSession, principal: Principal, citizen_id: uuid.UUID
) -> CardApplication | None:
    """The citizen's undecided application, when the caller's unit holds it."""
    found = await _active_for(session, citizen_id)
    return found if found is not None and found.unit_code == principal.unit_code else None
