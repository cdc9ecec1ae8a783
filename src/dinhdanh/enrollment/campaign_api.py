"""The campaign's officer API under /api/v1/campaign: the dashboard's figures, the list of
adults without an account (JSON pages and CSV), one person's follow-ups and recording a
new one. An officer sees only their unit: another area answers 404, as on the pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dinhdanh.enrollment import campaign, campaign_followups, campaign_residents
from dinhdanh.enrollment.campaign import Applications, Counts, area_for
from dinhdanh.enrollment.campaign_models import NOTE_MAX, FollowUp
from dinhdanh.enrollment.campaign_pages import csv_download
from dinhdanh.enrollment.campaign_residents import Resident
from dinhdanh.enrollment.web import Officer
from dinhdanh.platform.web import Session

router = APIRouter(prefix="/api/v1/campaign", tags=["campaign (officers)"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM, 429: PROBLEM}
Code = Annotated[str, Query(max_length=8, description="a province or commune code")]
Choice = Annotated[str, Query(max_length=16)]


class CountsOut(BaseModel):
    """Residents and their accounts."""

    residents: int
    with_account: int
    without_account: int
    level1: int
    level2: int
    adults: int
    adults_without_account: int

    @classmethod
    def of(cls, c: Counts) -> CountsOut:
        """From the service's counts."""
        return cls(
            residents=c.residents,
            with_account=c.with_account,
            without_account=c.without_account,
            level1=c.level1,
            level2=c.level2,
            adults=c.adults,
            adults_without_account=c.adults_without,
        )


class ApplicationsOut(BaseModel):
    """Card applications by state, and the overdue ones by state."""

    by_status: dict[str, int]
    overdue_by_status: dict[str, int]
    overdue: int

    @classmethod
    def of(cls, a: Applications) -> ApplicationsOut:
        """From the service's counts."""
        return cls(by_status=a.by_status, overdue_by_status=a.overdue_by_status, overdue=a.overdue)


class AreaOut(BaseModel):
    """An area: the country, a province or a commune."""

    level: str
    province_code: str | None
    commune_code: str | None
    name: str


class LineOut(BaseModel):
    """A commune of the province, or a province of the country."""

    code: str
    name: str
    counts: CountsOut
    applications: ApplicationsOut


class DashboardOut(BaseModel):
    """The dashboard's figures."""

    area: AreaOut
    year: int = Field(description="ages are counted by birth year: the age reached this year")
    bands: dict[str, CountsOut]
    totals: CountsOut
    applications: ApplicationsOut
    lines: list[LineOut]
    other_units: ApplicationsOut | None


class LastFollowUpOut(BaseModel):
    """A person's newest follow-up."""

    happened_on: dt.date
    channel: str
    outcome: str
    count: int


class ResidentOut(BaseModel):
    """An adult without an account."""

    citizen_id: uuid.UUID
    personal_id: str
    full_name: str
    birth: str
    sex: str
    age_band: str
    commune_code: str
    commune_name: str
    address: str
    last_follow_up: LastFollowUpOut | None

    @classmethod
    def of(cls, r: Resident) -> ResidentOut:
        """From the service's row."""
        last = r.last
        return cls(
            citizen_id=r.citizen_id,
            personal_id=r.personal_id,
            full_name=r.full_name,
            birth=r.birth,
            sex=r.sex,
            age_band=r.band,
            commune_code=r.commune_code,
            commune_name=r.commune_name,
            address=r.address,
            last_follow_up=LastFollowUpOut(**vars(last)) if last else None,
        )


class ResidentPageOut(BaseModel):
    """One page of the list."""

    items: list[ResidentOut]
    total: int
    page: int
    pages: int


class FollowUpIn(BaseModel):
    """A follow-up to record."""

    happened_on: str = Field(max_length=20, description="YYYY-MM-DD, today or up to a year back")
    channel: str = Field(max_length=20, description="visit, phone, loudspeaker or letter")
    outcome: str = Field(
        max_length=20,
        description="will_register, not_reached, no_smartphone, declined, moved_away or other",
    )
    note: str = Field(default="", max_length=NOTE_MAX * 4, description="at most 500 characters")


class FollowUpOut(BaseModel):
    """A recorded follow-up."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    happened_on: dt.date
    channel: str
    outcome: str
    note: str
    unit_code: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, f: FollowUp) -> FollowUpOut:
        """From the stored row."""
        return cls(
            id=f.id,
            citizen_id=f.citizen_id,
            happened_on=f.happened_on,
            channel=f.channel,
            outcome=f.outcome,
            note=f.note,
            unit_code=f.unit_code,
            recorded_at=f.recorded_at,
        )


class HistoryOut(BaseModel):
    """A person and their follow-ups, newest first."""

    person: ResidentOut
    on_list: bool
    follow_ups: list[FollowUpOut]


@router.get("/dashboard", response_model=DashboardOut, responses=ERRORS)
async def dashboard(
    session: Session, principal: Officer, province: Code = "", commune: Code = ""
) -> DashboardOut:
    """Residents by age band with and without an account, levels, applications by state
    and overdue, for your unit (or a commune or province inside it)."""
    area = area_for(principal, province=province, commune=commune)
    board = await campaign.dashboard(session=session, area=area)
    return DashboardOut(
        area=AreaOut(
            level=area.level,
            province_code=area.scope.province_code,
            commune_code=area.scope.commune_code,
            name=area.title,
        ),
        year=board.year,
        bands={k: CountsOut.of(c) for k, c in board.bands.items()},
        totals=CountsOut.of(board.totals),
        applications=ApplicationsOut.of(board.applications),
        lines=[
            LineOut(
                code=line.code,
                name=line.name,
                counts=CountsOut.of(line.counts),
                applications=ApplicationsOut.of(line.applications),
            )
            for line in board.lines
        ],
        other_units=ApplicationsOut.of(board.other_units) if board.other_units else None,
    )


@router.get("/residents", response_model=ResidentPageOut, responses=ERRORS)
async def residents(
    session: Session,
    principal: Officer,
    province: Code = "",
    commune: Code = "",
    band: Choice = "",
    sex: Choice = "",
    followed: Choice = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ResidentPageOut:
    """Adults of a commune or province of your unit without an account, 50 a page by name,
    with their last follow-up (audited as a read of each person shown)."""
    area = area_for(principal, province=province, commune=commune)
    filters = campaign_residents.check_filter(band=band, sex=sex, followed=followed)
    found = await campaign_residents.adults_without_account(
        session=session, principal=principal, area=area, filters=filters, page=page
    )
    return ResidentPageOut(
        items=[ResidentOut.of(r) for r in found.items],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.get(
    "/residents.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
async def residents_csv(
    session: Session,
    principal: Officer,
    province: Code = "",
    commune: Code = "",
    band: Choice = "",
    sex: Choice = "",
    followed: Choice = "",
) -> Response:
    """The whole list as CSV for Excel (UTF-8 with BOM; at most 50,000 people; audited)."""
    return await csv_download(session, principal, province, commune, band, sex, followed)


@router.get("/residents/{citizen_id}/follow-ups", response_model=HistoryOut, responses=ERRORS)
async def follow_ups(citizen_id: str, session: Session, principal: Officer) -> HistoryOut:
    """A resident of your unit and their follow-ups, newest first (audited)."""
    person, rows, off_list = await campaign_followups.history(
        session=session, principal=principal, area=area_for(principal), citizen_id=citizen_id
    )
    return HistoryOut(
        person=ResidentOut.of(person),
        on_list=off_list is None,
        follow_ups=[FollowUpOut.of(f) for f in rows],
    )


@router.post(
    "/residents/{citizen_id}/follow-ups",
    response_model=FollowUpOut,
    status_code=201,
    responses=ERRORS,
)
async def record_follow_up(
    citizen_id: str, body: FollowUpIn, session: Session, principal: Officer
) -> FollowUpOut:
    """Record a follow-up of an adult of your unit without an account (audited)."""
    row = await campaign_followups.record_follow_up(
        session=session,
        principal=principal,
        area=area_for(principal),
        citizen_id=citizen_id,
        data=campaign_followups.NewFollowUp(**body.model_dump()),
    )
    return FollowUpOut.of(row)
