"""Finding citizens: by personal ID (the hot path) and by folded name with date of birth.

Both searches are single indexed queries in SQLAlchemy Core on the session's connection
(`personal_id` unique index; `(name_folded, birth_year)` index), filtered by the
caller's scope, and each writes one audit event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from pydantic import Field
from sqlalchemy import and_, bindparam, or_, select

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Executor, copy_of, core_connection
from dinhdanh.population import names, personal_id
from dinhdanh.population.models import citizens
from dinhdanh.population.rules import (
    BirthDate,
    Checker,
    check_personal_id,
    display_iso_birth,
    format_birth,
    parse_birth,
)
from dinhdanh.population.scope import covers_citizen, visible
from dinhdanh.population.service import audit_citizen

MAX_RESULTS: Final = 50
MIN_NAME_LENGTH: Final = 2

_SUMMARY_COLUMNS = (
    citizens.c.id,
    citizens.c.personal_id,
    citizens.c.family_name,
    citizens.c.middle_name,
    citizens.c.given_name,
    citizens.c.birth_year,
    citizens.c.birth_month,
    citizens.c.birth_day,
    citizens.c.sex,
    citizens.c.status,
    citizens.c.permanent_commune_code,
    citizens.c.current_commune_code,
)


# The hot path's statement, built once: personal IDs are unique, so the unit scope is
# checked on the one row in Python (the same rule as `visible`) rather than in SQL.
_BY_PERSONAL_ID: Final = select(*_SUMMARY_COLUMNS, citizens.c.temporary_commune_code).where(
    citizens.c.personal_id == bindparam("pid")
)


@dataclass(frozen=True, slots=True)
class CitizenSummary:
    """One line of a search result."""

    id: uuid.UUID
    personal_id: str
    full_name: str
    birth: Annotated[
        str, Field(description="YYYY, YYYY-MM or YYYY-MM-DD: partial dates stay partial")
    ]
    sex: Literal["M", "F"]
    status: Literal["living", "deceased"]
    permanent_commune_code: str | None
    current_commune_code: str | None

    @property
    def birth_display(self) -> str:
        """The date of birth as pages show it (DD/MM/YYYY, MM/YYYY or YYYY)."""
        return display_iso_birth(self.birth)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Matches of a search; `truncated` when more matched than were returned."""

    items: list[CitizenSummary]
    truncated: bool = False


def summary_from_row(row: Any) -> CitizenSummary:
    """Build a summary from a row holding the summary columns."""
    return copy_of(
        CitizenSummary,
        row,
        full_name=names.full_name(row.family_name, row.middle_name, row.given_name),
        birth=format_birth(row.birth_year, row.birth_month, row.birth_day),
    )


async def find_by_personal_id(
    *, session: Executor, principal: Principal, personal_id_text: str
) -> SearchResult:
    """Look a citizen up by personal ID inside the caller's scope (audited)."""
    checker = Checker()
    pid = checker.check("personal_id", check_personal_id, personal_id_text)
    checker.raise_if_any()
    assert pid is not None
    conn = await core_connection(session)
    row = (await conn.execute(_BY_PERSONAL_ID, {"pid": pid})).first()
    found = summary_from_row(row) if row and covers_citizen(principal.scope, row) else None
    await audit_citizen(
        session,
        principal,
        "population.citizen.looked_up",
        found.id if found else None,
        {"personal_id": personal_id.mask(pid), "found": found is not None},
    )
    return SearchResult([found] if found else [])


def _birth_clause(birth: BirthDate) -> Any:
    """Match the query date; a record that knows less (year only) still matches."""
    clause = citizens.c.birth_year == birth.year
    if birth.month is not None:
        month_ok = citizens.c.birth_month == birth.month
        if birth.day is not None:
            month_ok = and_(
                month_ok, or_(citizens.c.birth_day.is_(None), citizens.c.birth_day == birth.day)
            )
        clause = and_(clause, or_(citizens.c.birth_month.is_(None), month_ok))
    return clause


def _name_clause(folded: str) -> Any:
    """The whole folded name, or the name followed by more words ("nguyen van" → all)."""
    # " " < "!" byte-wise: [q + " ", q + "!") is every name starting with q and a space.
    return or_(
        citizens.c.name_folded == folded,
        and_(citizens.c.name_folded >= folded + " ", citizens.c.name_folded < folded + "!"),
    )


async def find_by_name(
    *, session: Executor, principal: Principal, name: str, birth: str | None = None
) -> SearchResult:
    """Search by name, accent-insensitively, optionally narrowed by date of birth (audited)."""
    checker = Checker()
    folded = names.fold(names.nfc(name))
    if len(folded) < MIN_NAME_LENGTH:
        checker.add("name", "Enter at least %(n)s letters of the name.", n=MIN_NAME_LENGTH)
    when = checker.check("birth", parse_birth, birth) if birth and birth.strip() else None
    checker.raise_if_any()
    stmt = select(*_SUMMARY_COLUMNS).where(_name_clause(folded), visible(principal.scope))
    if when is not None:
        stmt = stmt.where(_birth_clause(when))
    stmt = stmt.order_by(citizens.c.name_folded, citizens.c.birth_year, citizens.c.id)
    conn = await core_connection(session)
    rows = (await conn.execute(stmt.limit(MAX_RESULTS + 1))).all()
    items = [summary_from_row(r) for r in rows[:MAX_RESULTS]]
    # One event per person shown, so that each citizen's own activity log finds it.
    await audit.record_many(
        session,
        actor=principal,
        action="population.citizen.listed",
        subject_type="citizen",
        citizen_ids=[i.id for i in items],
        data={"by": "name", "birth": when.iso() if when else None, "results": len(items)},
    )
    return SearchResult(items, truncated=len(rows) > MAX_RESULTS)
