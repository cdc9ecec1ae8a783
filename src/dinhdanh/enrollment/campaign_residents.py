"""The campaign's follow-up list: adults of the area without an account, each with their
last follow-up, and its CSV export (recording a follow-up: `campaign_followups.py`).

Adults are residents (`population.residents`) of 18 or more by birth year, as on the
dashboard, so the list's total is the dashboard's "adults without an account". Every
person shown or exported is a read of their data by an officer: one audit event per
person (`audit.record_many`, one round trip), whose data carries the count, so each
citizen's own activity log finds it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.holders import account_holders
from dinhdanh.enrollment.campaign import (
    ADULT_AGE,
    ADULT_BANDS,
    BANDS,
    Area,
    band_label,
    for_reports,
)
from dinhdanh.enrollment.campaign_models import followups
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.i18n import N_, gettext, label
from dinhdanh.population import names
from dinhdanh.population.reference import commune_info
from dinhdanh.population.residents import residents
from dinhdanh.population.rules import display_iso_birth, format_birth

PAGE_SIZE: Final = 50
MAX_EXPORT_ROWS: Final = 50_000
FOLLOWED: Final = ("", "never", "yes")
SEXES: Final = ("", "M", "F")
CHANNEL_LABELS: Final = {
    "visit": N_("Home visit"),
    "phone": N_("Phone call"),
    "loudspeaker": N_("Loudspeaker announcement"),
    "letter": N_("Letter"),
}
OUTCOME_LABELS: Final = {
    "will_register": N_("Will register"),
    "not_reached": N_("Not reached"),
    "no_smartphone": N_("No smartphone"),
    "declined": N_("Declined"),
    "moved_away": N_("Moved away"),
    "other": N_("Other"),
}
SEX_LABELS: Final = {"M": N_("Male"), "F": N_("Female")}
AREA_TOO_LARGE: Final = N_("The list is kept by province: choose a province or a commune.")


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class ResidentFilter:
    """Narrowing the list: an adult age band, a sex, followed up or never."""

    band: str = ""
    sex: str = ""
    followed: str = ""

    def as_query(self) -> dict[str, str]:
        """The filter's non-empty values, for links and the audit event."""
        return {k: v for k, v in vars(self).items() if v}


def check_filter(*, band: str = "", sex: str = "", followed: str = "") -> ResidentFilter:
    """The list's filter from what was asked, or ValidationProblem naming the bad values."""
    errors = []
    if band not in ("", *ADULT_BANDS):
        errors.append(field_error("band", N_("Choose one of the adult age bands.")))
    if sex not in SEXES:
        errors.append(field_error("sex", N_("Choose male or female.")))
    if followed not in FOLLOWED:
        errors.append(field_error("followed", N_("Choose followed up or never followed up.")))
    if errors:
        raise ValidationProblem(errors=errors)
    return ResidentFilter(band, sex, followed)


def _without_account(area: Area, filters: ResidentFilter, year: int) -> tuple[Select[Any], Any]:
    """The adults of the area without an account, filtered, and the residents selectable;
    the whole country's list is refused (a province is the widest that can be worked)."""
    if area.level == "all":
        raise ValidationProblem(AREA_TOO_LARGE, type="area-too-large")
    people = residents(area.scope, born_by=year - ADULT_AGE)
    holders = account_holders()
    query = select(people).where(~exists().where(holders.c.citizen_id == people.c.citizen_id))
    if filters.band:
        low, high = next((lo, hi) for key, lo, hi in BANDS if key == filters.band)
        query = query.where(people.c.birth_year <= year - low)
        if high is not None:
            query = query.where(people.c.birth_year >= year - high)
    if filters.sex:
        query = query.where(people.c.sex == filters.sex)
    if filters.followed:
        seen = exists().where(followups.c.citizen_id == people.c.citizen_id)
        query = query.where(seen if filters.followed == "yes" else ~seen)
    return query, people


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class LastFollowUp:
    """The newest follow-up of a person, and how many there were."""

    happened_on: dt.date
    channel: str
    outcome: str
    count: int


@dataclass(frozen=True)
class Resident:
    """A person of the list."""

    citizen_id: uuid.UUID
    personal_id: str
    full_name: str
    birth: str
    sex: str
    band: str
    commune_code: str
    commune_name: str
    address: str
    last: LastFollowUp | None = None


@dataclass
class ResidentPage:
    """One page of the list and the total that matched."""

    items: list[Resident]
    total: int
    page: int
    pages: int


def resident_of(row: Any, year: int, last: LastFollowUp | None) -> Resident:
    """A row of the residents selectable as the list shows it."""
    info = commune_info(row.commune_code)
    age = year - row.birth_year
    band = next(k for k, lo, hi in BANDS if age >= lo and (hi is None or age <= hi))
    return Resident(
        citizen_id=row.citizen_id,
        personal_id=row.personal_id,
        full_name=names.full_name(row.family_name, row.middle_name, row.given_name),
        birth=display_iso_birth(format_birth(row.birth_year, row.birth_month, row.birth_day)),
        sex=row.sex,
        band=band,
        commune_code=row.commune_code,
        commune_name=info.name if info else row.commune_code,
        address=row.address or "",
        last=last,
    )


async def last_follow_ups(
    session: AsyncSession, citizen_ids: list[uuid.UUID]
) -> dict[uuid.UUID, LastFollowUp]:
    """The newest follow-up of each of these people, with their number (one query)."""
    if not citizen_ids:
        return {}
    order = (followups.c.happened_on.desc(), followups.c.recorded_at.desc())
    ranked = (
        select(
            followups.c.citizen_id,
            followups.c.happened_on,
            followups.c.channel,
            followups.c.outcome,
            func.row_number().over(partition_by=followups.c.citizen_id, order_by=order).label("n"),
            func.count().over(partition_by=followups.c.citizen_id).label("total"),
        )
        .where(followups.c.citizen_id.in_(citizen_ids))
        .subquery()
    )
    rows = await session.execute(select(ranked).where(ranked.c.n == 1))
    return {
        r.citizen_id: LastFollowUp(r.happened_on, r.channel, r.outcome, int(r.total)) for r in rows
    }


async def _listed(
    session: AsyncSession, query: Select[Any], people: Any, year: int, *, offset: int, limit: int
) -> list[Resident]:
    order = (people.c.name_folded, people.c.birth_year, people.c.citizen_id)
    rows = (await session.execute(query.order_by(*order).offset(offset).limit(limit))).all()
    last = await last_follow_ups(session, [r.citizen_id for r in rows])
    return [resident_of(r, year, last.get(r.citizen_id)) for r in rows]


async def adults_without_account(
    *,
    session: AsyncSession,
    principal: Principal,
    area: Area,
    filters: ResidentFilter,
    page: int = 1,
) -> ResidentPage:
    """One page of the area's adults without an account, by name (the people shown are
    audited as a list read)."""
    year = clock.today().year
    query, people = _without_account(area, filters, year)
    await for_reports(session)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = await _listed(
        session, query, people, year, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    await audit.record_many(
        session,
        actor=principal,
        action="enrollment.campaign.listed",
        subject_type="citizen",
        citizen_ids=[i.citizen_id for i in items],
        data={
            "area": area.query or "all",
            **filters.as_query(),
            "page": page,
            "results": len(items),
        },
    )
    return ResidentPage(items, total, page, pages)


# ---------------------------------------------------------------- CSV export


def _cell(value: str) -> str:
    """A text cell Excel will not run as a formula (a leading = + - @ is quoted away)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_bytes(items: list[Resident]) -> bytes:
    """The list as CSV for Excel: UTF-8 with a byte-order mark, headings in the page's
    language, dates DD/MM/YYYY. The personal ID is written ="0…" so that Excel keeps its
    leading zero (every personal ID has one) instead of reading a number."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Personal ID"),
            gettext("Full name"),
            gettext("Date of birth"),
            gettext("Sex"),
            gettext("Age band"),
            gettext("Commune"),
            gettext("Address"),
            gettext("Last follow-up"),
            gettext("Channel"),
            gettext("Outcome"),
            gettext("Follow-ups"),
        ]
    )
    for r in items:
        last = r.last
        writer.writerow(
            [
                f'="{r.personal_id}"',
                _cell(r.full_name),
                r.birth,
                label(SEX_LABELS, r.sex),
                band_label(r.band),
                _cell(r.commune_name),
                _cell(r.address),
                last.happened_on.strftime("%d/%m/%Y") if last else "",
                label(CHANNEL_LABELS, last.channel) if last else "",
                label(OUTCOME_LABELS, last.outcome) if last else "",
                str(last.count) if last else "0",
            ]
        )
    return out.getvalue().encode("utf-8")


async def export_csv(
    *, session: AsyncSession, principal: Principal, area: Area, filters: ResidentFilter
) -> tuple[bytes, int]:
    """The whole filtered list as CSV (at most MAX_EXPORT_ROWS people; more must be narrowed
    by commune or age band) and its length. Audited: one event per person exported, all
    carrying the export's id and count."""
    year = clock.today().year
    query, people = _without_account(area, filters, year)
    await for_reports(session)
    items = await _listed(session, query, people, year, offset=0, limit=MAX_EXPORT_ROWS + 1)
    if len(items) > MAX_EXPORT_ROWS:
        raise ValidationProblem(
            N_("More than %(n)s people: narrow the list by commune or age band to export it."),
            type="export-too-large",
            n=f"{MAX_EXPORT_ROWS:,}",
        )
    await audit.record_many(
        session,
        actor=principal,
        action="enrollment.campaign.exported",
        subject_type="citizen",
        citizen_ids=[i.citizen_id for i in items],
        data={
            "export": secrets.token_hex(8),
            "count": len(items),
            "area": area.query or "all",
            **filters.as_query(),
        },
    )
    return csv_bytes(items), len(items)
