"""Reading the audit log: filters (action, actor, subject, citizen, dates) and keyset pages,
seen through the reader's scope.

The Ministry ('all') reads every event. A province or commune reader reads the events
whose actor's unit lies in their scope, and the events about a citizen who lives there
(permanent, temporary or current residence, as the registry's scope rule says). Events
with neither — system jobs, anonymous sign-in failures — are the Ministry's alone.

A username written into an event (a failed sign-in keeps what was typed, for investigating
attacks) is shown only to readers whose scope covers that staff member's unit; a typed
name that matches no staff member, only to the Ministry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import Field
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.clock import VIETNAM
from dinhdanh.platform.db import copy_of
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.population.scope import citizen_visible
from dinhdanh.population.search import find_by_personal_id
from dinhdanh.staff.directory import parse_id, units_in_scope
from dinhdanh.staff.models import Staff, Unit

PAGE_SIZE: Final = 50
# Keys of an event's data that name a staff member by username.
USERNAME_KEYS: Final = ("username",)


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


@dataclass(frozen=True)
class AuditEntry:
    """An event as one reader may see it: `hidden` names the data keys withheld from them.

    A copy, never the table row: the log is append-only, and editing a loaded row would
    write the redaction back at commit."""

    id: int
    seq: Annotated[int | None, Field(description="Place in the hash chain; null until sealed.")]
    at: dt.datetime
    actor_kind: str
    actor_id: str | None
    actor_unit: str | None
    action: str
    subject_type: str
    subject_id: str | None
    citizen_id: uuid.UUID | None
    client_ip: str | None
    data: dict[str, Any]
    hash: Annotated[
        str | None,
        Field(
            description="Link of the hash chain; null until sealed (about a second), and null "
            "when `hidden` is not empty (it would let the reader test guesses of the withheld "
            "value)."
        ),
    ]
    hidden: Annotated[
        tuple[str, ...],
        Field(
            description="Keys of `data` withheld from this reader (a username outside their scope)."
        ),
    ] = ()


@dataclass
class AuditPage:
    """Events newest first; `next_before` continues with older ones."""

    events: list[AuditEntry]
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


def readable(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause keeping the events a reader of `scope` may read."""
    if scope.level == "all":
        return true()
    if scope.level not in ("province", "commune"):
        return false()
    actor_units = select(Unit.code).where(units_in_scope(scope))
    return or_(
        AuditEvent.actor_unit.in_(actor_units), citizen_visible(scope, AuditEvent.citizen_id)
    )


async def usernames_in_scope(
    session: AsyncSession, usernames: Iterable[str], scope: Scope
) -> set[str]:
    """Those of `usernames` that name a staff member of a unit inside the scope."""
    wanted = {name for name in usernames if name}
    if not wanted or scope.level == "none":
        return set()
    rows = await session.scalars(
        select(Staff.username)
        .join(Unit, Staff.unit_code == Unit.code)
        .where(Staff.username.in_(wanted), units_in_scope(scope))
    )
    return set(rows)


def _named(event: AuditEvent) -> list[str]:
    data = event.data or {}
    return [str(data[key]) for key in USERNAME_KEYS if data.get(key) is not None]


async def _as_seen_by(
    session: AsyncSession, events: list[AuditEvent], scope: Scope
) -> list[AuditEntry]:
    shown: set[str] | None = None  # None: every username may be shown
    if scope.level != "all":
        shown = await usernames_in_scope(
            session, (name for e in events for name in _named(e)), scope
        )
    entries = []
    for event in events:
        data = dict(event.data or {})
        hidden = tuple(
            key
            for key in USERNAME_KEYS
            if data.get(key) is not None and shown is not None and str(data[key]) not in shown
        )
        for key in hidden:
            del data[key]
        entries.append(
            copy_of(
                AuditEntry,
                event,
                data=data,
                # With the previous hash, the event's hash would let a reader test guesses
                # of the withheld username offline.
                hash=None if hidden else event.hash,
                hidden=hidden,
            )
        )
    return entries


async def staff_names(session: AsyncSession, ids: Iterable[str], scope: Scope) -> dict[str, str]:
    """Username by staff id (as text), for the staff of units inside the reader's scope."""
    uuids = [parsed for parsed in map(parse_id, ids) if parsed is not None]
    if not uuids or scope.level == "none":
        return {}
    rows = await session.execute(
        select(Staff.id, Staff.username)
        .join(Unit, Staff.unit_code == Unit.code)
        .where(Staff.id.in_(uuids), units_in_scope(scope))
    )
    return {str(i): name for i, name in rows.all()}


async def search_audit(
    session: AsyncSession,
    filters: AuditFilter,
    *,
    reader: Principal,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """Events inside the reader's scope matching the filters, newest first, at most
    `limit`, older than `before`."""
    errors: list[dict[str, Any]] = []
    query = select(AuditEvent).where(readable(reader.scope))
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
    entries = await _as_seen_by(session, rows, reader.scope)
    return AuditPage(entries, rows[-1].id if more and rows else None)
