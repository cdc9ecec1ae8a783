"""Reading the audit log: filters (action, actor, subject, citizen, dates) and keyset pages."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.population.search import find_by_personal_id
from dinhdanh.staff.models import Staff

VIETNAM: Final = dt.timezone(dt.timedelta(hours=7))
PAGE_SIZE: Final = 50


@dataclass
class AuditFilter:
    """The audit viewer's filters, as typed by the reader (all optional)."""

    action: str | None = None
    actor: str | None = None
    subject: str | None = None
    citizen_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def query_args(self) -> dict[str, str]:
        """The filters that are set, for links to the next page."""
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class AuditPage:
    """Events newest first; `next_before` continues with older ones."""

    events: list[AuditEvent]
    next_before: int | None


def _date(value: str | None, name: str, errors: list[dict[str, Any]]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        errors.append(field_error(name, "Enter a date as YYYY-MM-DD."))
        return None


def _start_of(day: dt.date) -> dt.datetime:
    # Dates are read as Vietnamese calendar days.
    return dt.datetime.combine(day, dt.time(), VIETNAM).astimezone(dt.UTC)


async def _actor_ids(session: AsyncSession, actor: str) -> list[str]:
    """An actor typed as a staff username, a staff id, or any actor id (e.g. 'cli')."""
    ids = [actor]
    staff_id = await session.scalar(select(Staff.id).where(Staff.username == actor.lower()))
    if staff_id is not None:
        ids.append(str(staff_id))
    return ids


async def _citizen_uuid(session: AsyncSession, reader: Principal, text: str) -> uuid.UUID | None:
    """A citizen typed as a record id, or as a personal ID looked up in the registry
    (inside the reader's scope, and audited like any look-up)."""
    if text.isdigit():
        try:
            found = await find_by_personal_id(
                session=session, principal=reader, personal_id_text=text
            )
        except ValidationProblem:
            return None
        # Unknown or outside the scope: a record id that matches no event.
        return found.items[0].id if found.items else uuid.UUID(int=0)
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def search_audit(
    session: AsyncSession,
    filters: AuditFilter,
    *,
    reader: Principal,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """Events matching the filters, newest first, at most `limit`, older than `before`."""
    errors: list[dict[str, Any]] = []
    query = select(AuditEvent)
    if filters.action:
        action = filters.action.strip()
        # "staff." lists every staff action; a full name matches exactly.
        if action.endswith("."):
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == action)
    if filters.actor:
        query = query.where(
            AuditEvent.actor_id.in_(await _actor_ids(session, filters.actor.strip()))
        )
    if filters.subject:
        subject = filters.subject.strip()
        subject_ids = await _actor_ids(session, subject)
        query = query.where(AuditEvent.subject_id.in_(subject_ids))
    if filters.citizen_id:
        citizen = await _citizen_uuid(session, reader, filters.citizen_id.strip())
        if citizen is None:
            errors.append(
                field_error("citizen_id", "Enter a personal ID (12 digits) or a citizen record id.")
            )
        else:
            query = query.where(AuditEvent.citizen_id == citizen)
    start = _date(filters.date_from, "date_from", errors)
    end = _date(filters.date_to, "date_to", errors)
    if start and end and end < start:
        errors.append(field_error("date_to", "The end date is before the start date."))
    if errors:
        raise ValidationProblem(errors=errors)
    if start:
        query = query.where(AuditEvent.at >= _start_of(start))
    if end:
        query = query.where(AuditEvent.at < _start_of(end + dt.timedelta(days=1)))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = list(await session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].id if more and rows else None)


def local_time(at: dt.datetime | float | None) -> str:
    """A moment (datetime or epoch seconds) in Vietnam time, as pages show it."""
    if at is None:
        return "—"
    if not isinstance(at, dt.datetime):
        at = dt.datetime.fromtimestamp(at, dt.UTC)
    return at.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
