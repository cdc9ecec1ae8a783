"""The steps every application operation shares: the tools, the reference, loading an
application of the caller's unit, the state checks, the four-eyes rule, the audit event
of a step or a capture, the decision's reason and the SMS to the applicant."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import AccountTools
from dinhdanh.enrollment import time_limits
from dinhdanh.enrollment.application_models import ACTIVE, CardApplication
from dinhdanh.platform import audit, clock, outbox
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict, Forbidden, NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.text import clean_line
from dinhdanh.population.card_rules import milestone_date
from dinhdanh.population.identity import Identity
from dinhdanh.population.service import parse_uuid

T = TypeVar("T")
SUBJECT: Final = "card_application"
_REFERENCE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_LENGTH: Final = 10
REASON_MAX: Final = 500

NOT_IN_UNIT: Final = N_("No application with this reference in your unit.")
# The capture steps: whoever did one of them may not decide the application.
CAPTURE_ACTIONS: Final = (
    "enrollment.application.opened",
    "enrollment.application.details_changed",
    "enrollment.application.changes_captured",
    "enrollment.application.dependant_added",
    "enrollment.application.dependant_removed",
    "enrollment.application.document_added",
    "enrollment.application.document_removed",
    "enrollment.application.biometric_captured",
    "enrollment.application.submitted",
)


@dataclass
class EnrollmentTools:
    """What enrollment's operations use: the field cipher (biometrics, document numbers,
    chip keys), the account tools (the account made on approval) and the settings."""

    cipher: FieldCipher
    accounts: AccountTools
    settings: Any

    @property
    def status_url(self) -> str:
        """Where the applicant follows the application (the public status page)."""
        return self.settings.public_url.rstrip("/") + "/applications/status"


def new_reference() -> str:
    """A random 10-character reference without look-alike characters (no 0/O, 1/I)."""
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))


def clean_reference(text: str) -> str:
    """A reference as typed (spaces, dashes, lower case) in its stored form."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:20]


def format_reference(reference: str) -> str:
    """ABCDE-FGHJK: easier to read out and type."""
    return f"{reference[:5]}-{reference[5:]}"


async def record_on(
    session: AsyncSession,
    actor: Principal,
    subject_type: str,
    subject: Any,
    action: str,
    data: dict[str, Any] | None = None,
) -> None:
    """The audit event of an action on an enrollment record (an application, a level-1
    registration, a face check), with the person's registry id for their activity log."""
    await audit.record(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject.id,
        citizen_id=subject.citizen_id,
        data=data,
    )


async def record_step(
    session: AsyncSession,
    principal: Principal,
    application: CardApplication,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    captured: bool = False,
) -> None:
    """The audit event of one step of the application; a capture step (`captured`) also
    notes who captured last, and when."""
    if captured:
        application.captured_by = principal.id
        application.captured_at = clock.now()
    data = {"reference": application.reference, **(data or {})}
    await record_on(session, principal, SUBJECT, application, action, data)


async def sms(
    session: AsyncSession, application: CardApplication, message: str, **params: Any
) -> None:
    """Queue an SMS to the applicant: `message` a msgid (N_), translated and filled now."""
    body = gettext(message, ref=format_reference(application.reference), **params)
    await outbox.enqueue(session, channel="sms", recipient=application.phone, body=body)


def has_reached(who: Identity, age: int) -> bool:
    """True when the person is `age` or older today (a partial birth date counts late)."""
    b = who.birth
    return milestone_date(b.year, b.month, b.day, age) <= clock.today()


async def application_rows(
    session: AsyncSession, model: type[T], application: CardApplication, *order_by: Any
) -> list[T]:
    """The application's rows of `model` (its dependants, documents or images)."""
    query = select(model).where(model.application_id == application.id)  # type: ignore[attr-defined]
    return list(await session.scalars(query.order_by(*order_by)))


async def add_captured(
    session: AsyncSession,
    principal: Principal,
    application: CardApplication,
    row: Any,
    action: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Store a captured row of the application (a dependant, a document, an image) and
    record the capture."""
    session.add(row)
    await session.flush()
    await record_step(session, principal, application, action, data, captured=True)


def clean_reason(reason: str) -> str:
    """A decision's or a cancellation's reason on one line, else ValidationProblem."""
    text = clean_line(reason)
    if not text or len(text) > REASON_MAX:
        raise ValidationProblem(
            errors=[field_error("reason", N_("Write the reason (at most 500 characters)."))]
        )
    return text


def mark_decided(
    application: CardApplication, principal: Principal, status: str, reason: str | None = None
) -> None:
    """The application's end: its state, who decided and when, and the reason given."""
    application.status = status
    application.decided_by, application.decided_at = principal.id, clock.now()
    if reason is not None:
        application.decision_reason = reason


# ---------------------------------------------------------------- loading


async def load_application(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID | str,
    for_update: bool = False,
) -> CardApplication:
    """An application of the caller's unit, or NotFound (another unit's answers the same)."""
    wanted = parse_uuid(application_id)
    query = select(CardApplication).where(
        CardApplication.id == wanted, CardApplication.unit_code == principal.unit_code
    )
    found = (
        await session.scalar(query.with_for_update() if for_update else query) if wanted else None
    )
    if found is None:
        raise NotFound(NOT_IN_UNIT, type="application-not-found")
    return found


async def locked_application(
    session: AsyncSession, principal: Principal, application_id: str, *states: str
) -> CardApplication:
    """An application of the caller's unit, locked for a change its state allows (one of
    `states`, else Conflict)."""
    application = await load_application(
        session=session, principal=principal, application_id=application_id, for_update=True
    )
    require_status(application, *states)
    return application


def require_status(application: CardApplication, *wanted: str) -> None:
    """Conflict unless the application is in one of the `wanted` states."""
    if application.status in wanted:
        return
    if application.status not in ACTIVE:
        raise Conflict(
            N_("This application was already decided: %(state)s."),
            type="application-decided",
            state=gettext(STATUS_LABELS.get(application.status, application.status)).lower(),
        )
    if application.status == "submitted":
        raise Conflict(
            N_("The application was submitted for approval: its data can no longer change."),
            type="application-submitted",
        )
    raise Conflict(
        N_("The application is still being captured: submit it for approval first."),
        type="application-not-submitted",
    )


STATUS_LABELS: Final[dict[str, str]] = {
    "open": N_("Being captured"),
    "submitted": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}


async def touched_by(
    session: AsyncSession, application: CardApplication, staff_id: str | None
) -> bool:
    """True when this staff member opened the application or captured any of it."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    AuditEvent.subject_type == SUBJECT,
                    AuditEvent.subject_id == str(application.id),
                    AuditEvent.actor_id == staff_id,
                    AuditEvent.action.in_(CAPTURE_ACTIONS),
                )
            )
        )
    )


async def require_other_officer(
    session: AsyncSession, principal: Principal, application: CardApplication
) -> None:
    """Four eyes: the officer who opened or captured an application does not decide it."""
    if await touched_by(session, application, principal.id):
        raise Forbidden(
            N_("You opened or captured this application: another officer of the unit decides it."),
            type="same-officer",
        )


def overdue(application: CardApplication, today: dt.date | None = None) -> bool:
    """An undecided application past its legal time limit."""
    return time_limits.is_overdue(
        application.due_on, today or clock.today(), decided=application.status not in ACTIVE
    )
