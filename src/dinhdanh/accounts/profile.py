"""The holder's profile (their registry record, read-only) and "report an error": a
correction request queued at the commune police of the holder's permanent residence,
which an officer of that commune (or of its province, or the Ministry) answers and closes.

The activity log lives in `activity.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import locks
from dinhdanh.accounts.models import Account, CorrectionRequest
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    get_account,
    holder,
    sms_to_holder,
)
from dinhdanh.platform import clock, i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.text import clean_text
from dinhdanh.population.identity import Identity, listed_identities
from dinhdanh.population.reference import commune_info
from dinhdanh.population.rules import display_iso_birth
from dinhdanh.population.scope import commune_in_scope, covers_commune
from dinhdanh.population.service import CitizenRecord, own_record, parse_uuid

# What a holder may report as wrong, in the order the form offers it.
FIELD_LABELS: Final[dict[str, str]] = {
    "name": N_("Full name"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "ethnicity": N_("Ethnic group"),
    "religion": N_("Religion"),
    "place_of_origin": N_("Place of origin"),
    "permanent_residence": N_("Permanent residence"),
    "temporary_residence": N_("Temporary residence"),
    "current_residence": N_("Current residence"),
    "household": N_("Household"),
    "card": N_("ID card"),
    "other": N_("Other"),
}
MESSAGE_MIN: Final = 10
MESSAGE_MAX: Final = 1000
ANSWER_MAX: Final = 1000
MAX_OPEN_REQUESTS: Final = 5
QUEUE_PAGE: Final = 50
STATUSES: Final = ("open", "closed")


def field_label(field: str) -> str:
    """The reported field's name in the reader's language."""
    return i18n.label(FIELD_LABELS, field)


# ---------------------------------------------------------------- the holder's side


@dataclass(frozen=True)
class LockInfo:
    """A lock in force, as the holder sees it."""

    reason: str
    reason_label: str
    since: dt.datetime
    by: str  # holder, officer or system


@dataclass(frozen=True)
class RequestInfo:
    """One of the holder's error reports."""

    id: uuid.UUID
    field: str
    field_label: str
    message: str
    status: str
    created_at: dt.datetime
    handled_at: dt.datetime | None
    answer: str


@dataclass(frozen=True)
class Profile:
    """The holder's registry record with their account's level, status and locks."""

    record: CitizenRecord
    level: int
    status: str  # pending | active
    locked: bool
    phone: str
    email: str | None
    locks: list[LockInfo]
    requests: list[RequestInfo]


def request_info(row: CorrectionRequest) -> RequestInfo:
    """An error report as its holder sees it."""
    return RequestInfo(
        id=row.id,
        field=row.field,
        field_label=field_label(row.field),
        message=row.message,
        status=row.status,
        created_at=row.created_at,
        handled_at=row.handled_at,
        answer=row.answer,
    )


async def own_requests(session: AsyncSession, account: Account) -> list[RequestInfo]:
    """The holder's error reports, newest first (open and answered)."""
    rows = await session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.account_id == account.id)
        .order_by(CorrectionRequest.created_at.desc(), CorrectionRequest.id)
        .limit(100)
    )
    return [request_info(r) for r in rows]


async def own_profile(*, session: AsyncSession, principal: Principal) -> Profile:
    """The signed-in citizen's registry data (read-only), account level, status and locks."""
    account = await get_account(session, principal.id or "")
    if principal.citizen_id != account.citizen_id:
        raise NotFound(N_("No account with this reference."), type="account-not-found")
    record = await own_record(session=session, principal=principal, citizen_id=account.citizen_id)
    in_force = [
        LockInfo(x.reason, gettext(locks.REASON_LABELS[x.reason]), x.locked_at, x.locked_by_kind)
        for x in await locks.open_locks(session, account)
    ]
    return Profile(
        record=record,
        level=account.level,
        status=account.status,
        locked=account.locked,
        phone=account.phone,
        email=account.email,
        locks=in_force,
        requests=await own_requests(session, account),
    )


def _check_report(field: str, message: str) -> str:
    errors = []
    if field not in FIELD_LABELS:
        errors.append(field_error("field", N_("Choose what is wrong.")))
    text = clean_text(message)
    if not MESSAGE_MIN <= len(text) <= MESSAGE_MAX:
        errors.append(
            field_error(
                "message",
                N_("Describe the error in %(min)s to %(max)s characters."),
                min=MESSAGE_MIN,
                max=MESSAGE_MAX,
            )
        )
    if errors:
        raise ValidationProblem(errors=errors)
    return text


async def report_error(
    *,
    session: AsyncSession,
    tools: AccountTools | None = None,
    actor: Principal,
    account: Account,
    field: str,
    message: str,
) -> CorrectionRequest:
    """File a correction request in the queue of the commune police of the holder's
    permanent residence (current or temporary when there is none); at most 5 open at once."""
    text = _check_report(field, message)
    who = await holder(session, account)
    commune = who.home_commune_code
    if commune is None:
        raise Conflict(
            N_("No residence is recorded for you: report the error at any police office."),
            type="no-residence",
        )
    # Serialise the holder's concurrent reports so that the limit holds (PostgreSQL).
    await session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    still_open = await session.scalar(
        select(func.count())
        .select_from(CorrectionRequest)
        .where(CorrectionRequest.account_id == account.id, CorrectionRequest.status == "open")
    )
    if (still_open or 0) >= MAX_OPEN_REQUESTS:
        raise Conflict(
            N_(
                "You already have %(max)s error reports waiting for an answer. Wait for the "
                "police to answer one of them."
            ),
            type="too-many-open-reports",
            max=MAX_OPEN_REQUESTS,
        )
    request = CorrectionRequest(
        citizen_id=account.citizen_id,
        account_id=account.id,
        commune_code=commune,
        field=field,
        message=text,
        status="open",
    )
    session.add(request)
    await session.flush()
    await audit_account(
        session,
        actor,
        "account.correction_requested",
        account,
        {"request": str(request.id), "field": field, "commune": commune},
    )
    return request


# ---------------------------------------------------------------- the commune police's queue


@dataclass(frozen=True)
class QueueItem:
    """A correction request as the officer's queue shows it."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    full_name: str
    personal_id: str
    birth: str
    commune_code: str
    commune_name: str
    field: str
    field_label: str
    message: str
    status: str
    created_at: dt.datetime
    handled_at: dt.datetime | None
    handled_by: str | None
    answer: str


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue; `has_next` when older (or newer) requests follow."""

    items: list[QueueItem]
    status: str
    page: int
    has_next: bool


def _not_in_queue() -> NotFound:
    return NotFound(N_("No error report with this reference in your unit."), type="not-found")


def _queue_item(row: CorrectionRequest, who: Identity | None) -> QueueItem:
    info = commune_info(row.commune_code)
    return QueueItem(
        id=row.id,
        citizen_id=row.citizen_id,
        full_name=who.full_name if who else "",
        personal_id=who.personal_id if who else "",
        birth=display_iso_birth(who.birth.iso()) if who else "",
        commune_code=row.commune_code,
        commune_name=info.name if info else row.commune_code,
        field=row.field,
        field_label=field_label(row.field),
        message=row.message,
        status=row.status,
        created_at=row.created_at,
        handled_at=row.handled_at,
        handled_by=row.handled_by,
        answer=row.answer,
    )


async def officer_queue(
    *, session: AsyncSession, principal: Principal, status: str = "open", page: int = 1
) -> QueuePage:
    """The error reports of the communes in the officer's scope: open ones oldest first
    (first come, first served), closed ones newest first. Reading them is audited."""
    status = status if status in STATUSES else "open"
    page = max(1, min(page, 100_000))
    order = (
        (CorrectionRequest.created_at, CorrectionRequest.id)
        if status == "open"
        else (CorrectionRequest.handled_at.desc(), CorrectionRequest.id)
    )
    rows = list(
        await session.scalars(
            select(CorrectionRequest)
            .where(
                commune_in_scope(principal.scope, CorrectionRequest.commune_code),
                CorrectionRequest.status == status,
            )
            .order_by(*order)
            .offset((page - 1) * QUEUE_PAGE)
            .limit(QUEUE_PAGE + 1)
        )
    )
    shown = rows[:QUEUE_PAGE]
    people = await listed_identities(
        session=session,
        principal=principal,
        action="account.correction_listed",
        citizen_ids=[r.citizen_id for r in shown],
        data={"status": status},
    )
    items = [_queue_item(r, people.get(r.citizen_id)) for r in shown]
    return QueuePage(items, status, page, len(rows) > QUEUE_PAGE)


async def _load_in_scope(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID | str
) -> CorrectionRequest:
    rid = parse_uuid(request_id)
    row = await session.scalar(
        select(CorrectionRequest).where(CorrectionRequest.id == rid).with_for_update()
    )
    if row is None or not covers_commune(principal.scope, row.commune_code):
        raise _not_in_queue()
    return row


async def close_request(
    *, session: AsyncSession, principal: Principal, request_id: uuid.UUID | str, answer: str
) -> CorrectionRequest:
    """Answer and close an error report of the officer's unit; the holder gets an SMS."""
    row = await _load_in_scope(session, principal, request_id)
    if row.status != "open":
        raise Conflict(N_("This error report is already closed."), type="already-closed")
    text = clean_text(answer)
    if not 1 <= len(text) <= ANSWER_MAX:
        raise ValidationProblem(
            errors=[
                field_error(
                    "answer",
                    N_("Write the answer to the citizen (at most %(max)s characters)."),
                    max=ANSWER_MAX,
                )
            ]
        )
    row.status, row.answer = "closed", text
    row.handled_by, row.handled_at = principal.id, clock.now()
    account = await get_account(session, row.account_id)
    await session.flush()
    await sms_to_holder(
        session,
        account,
        N_(
            "dinhdanh: the police answered your report of an error in your data (%(field)s). "
            "Read the answer under My data in your account."
        ),
        field=field_label(row.field),
    )
    await audit_account(
        session,
        principal,
        "account.correction_closed",
        account,
        {"request": str(row.id), "field": row.field, "commune": row.commune_code},
    )
    return row
