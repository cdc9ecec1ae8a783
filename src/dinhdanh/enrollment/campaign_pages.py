"""The campaign's pages: the unit's dashboard, the list of adults without an account (with
its CSV export) and one person's follow-ups with the form recording a new one."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import campaign, campaign_followups, campaign_residents
from dinhdanh.enrollment.campaign import ADULT_BANDS, Area, area_for, band_label
from dinhdanh.enrollment.campaign_charts import charts, number, percent
from dinhdanh.enrollment.campaign_models import CHANNELS, NOTE_MAX, OUTCOMES
from dinhdanh.enrollment.campaign_residents import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    SEX_LABELS,
    ResidentFilter,
)
from dinhdanh.enrollment.labels import label
from dinhdanh.enrollment.web import Officer
from dinhdanh.platform import clock, i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.web import Session, render, render_form, safe_next, submit
from dinhdanh.population.reference import admin_units

router = APIRouter(prefix="/officer/campaign", include_in_schema=False)
Code = Annotated[str, Query(max_length=8)]
Choice = Annotated[str, Query(max_length=16)]
SORTS: Final = ("code", "coverage")
DONE: Final = {"recorded": N_("The follow-up is recorded.")}


def coded(table: dict[str, str]) -> object:
    """A template helper: the label of a coded value from one of the campaign's tables."""
    return lambda value: i18n.label(table, value)


HELPERS: Final = {
    "number": number,
    "percent": percent,
    "band_label": band_label,
    "channel_label": coded(CHANNEL_LABELS),
    "outcome_label": coded(OUTCOME_LABELS),
    "sex_label": coded(SEX_LABELS),
    "status_label": lambda value: label("status", value),
}


def _provinces(principal: Principal) -> list[tuple[str, str]]:
    """The provinces a caller may choose from (the Ministry: all of them)."""
    scope = principal.scope
    return [
        (p["code"], p["name"])
        for p in admin_units()[0]
        if scope.level == "all" or p["code"] == scope.province_code
    ]


@router.get("", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    session: Session,
    principal: Officer,
    province: Code = "",
    commune: Code = "",
    sort: Choice = "code",
) -> Response:
    """The dashboard of the unit, or of a commune or province inside it."""
    area = area_for(principal, province=province, commune=commune)
    board = await campaign.dashboard(session=session, area=area)
    lines = board.lines
    if sort == "coverage":
        lines = sorted(lines, key=lambda line: (line.counts.coverage, line.code))
    return render(
        request,
        "enrollment/campaign/dashboard.html",
        board=board,
        area=area,
        lines=lines,
        sort=sort if sort in SORTS else "code",
        charts=charts(board),
        **HELPERS,
    )


async def _list_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    area: Area,
    filters: ResidentFilter,
    page: int,
) -> Response:
    found = None
    if area.level != "all":
        found = await campaign_residents.adults_without_account(
            session=session, principal=principal, area=area, filters=filters, page=page
        )
    communes = []
    if principal.scope.level in ("all", "province") and area.level != "all":
        communes = sorted(
            (c.code, c.name)
            for c in admin_units()[1].values()
            if c.province_code == area.scope.province_code
        )
    query = {"province": area.scope.province_code, "commune": area.scope.commune_code}
    query = {k: v for k, v in ({**query, **filters.as_query()}).items() if v}
    if area.level == "commune":
        query.pop("province", None)
    return render(
        request,
        "enrollment/campaign/residents.html",
        area=area,
        filters=filters,
        found=found,
        query=query,
        bands=ADULT_BANDS,
        provinces=_provinces(principal),
        communes=communes,
        **HELPERS,
    )


@router.get("/residents", response_class=HTMLResponse)
async def residents_page(
    request: Request,
    session: Session,
    principal: Officer,
    province: Code = "",
    commune: Code = "",
    band: Choice = "",
    sex: Choice = "",
    followed: Choice = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Adults of the area without an account, by name, with their last follow-up."""
    area = area_for(principal, province=province, commune=commune)
    filters = campaign_residents.check_filter(band=band, sex=sex, followed=followed)
    return await _list_page(request, session, principal, area, filters, page)


@router.get("/residents.csv")
async def residents_csv(
    session: Session,
    principal: Officer,
    province: Code = "",
    commune: Code = "",
    band: Choice = "",
    sex: Choice = "",
    followed: Choice = "",
) -> Response:
    """The same list as a CSV file for Excel (the export is audited)."""
    return await csv_download(session, principal, province, commune, band, sex, followed)


async def csv_download(
    session: AsyncSession,
    principal: Principal,
    province: str,
    commune: str,
    band: str,
    sex: str,
    followed: str,
) -> Response:
    """The filtered list of an area as a CSV download named after its area and day (the
    export is audited); the page's and the API's download alike."""
    area = area_for(principal, province=province, commune=commune)
    filters = campaign_residents.check_filter(band=band, sex=sex, followed=followed)
    data, _ = await campaign_residents.export_csv(
        session=session, principal=principal, area=area, filters=filters
    )
    place = area.scope.commune_code or area.scope.province_code or "all"
    name = f"no-account-{place}-{clock.today().isoformat()}.csv"
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _person_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    citizen_id: str,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    area = area_for(principal)
    person, history, off_list = await campaign_followups.history(
        session=session, principal=principal, area=area, citizen_id=citizen_id
    )
    done = DONE.get(request.query_params.get("done", ""))
    back = safe_next(request.query_params.get("next") or (values or {}).get("next"))
    return render_form(
        request,
        "enrollment/campaign/person.html",
        problem,
        person=person,
        history=history,
        off_list=gettext(off_list) if off_list else None,
        values=values or {"happened_on": clock.today().isoformat()},
        channels=CHANNELS,
        outcomes=OUTCOMES,
        note_max=NOTE_MAX,
        done=gettext(done) if done else None,
        back=back or "/officer/campaign/residents",
        **HELPERS,
    )


@router.get("/residents/{citizen_id}", response_class=HTMLResponse)
async def person_page(
    request: Request, citizen_id: str, session: Session, principal: Officer
) -> Response:
    """A resident of the unit without an account: their follow-ups and the form."""
    return await _person_page(request, session, principal, citizen_id)


@router.post("/residents/{citizen_id}/follow-ups")
async def follow_up_form(
    request: Request, citizen_id: str, session: Session, principal: Officer
) -> Response:
    """Record a follow-up; then back to the person's page."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    data = campaign_followups.NewFollowUp(
        happened_on=values.get("happened_on", ""),
        channel=values.get("channel", ""),
        outcome=values.get("outcome", ""),
        note=values.get("note", ""),
    )
    back = safe_next(values.get("next"))

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        return await _person_page(request, session, principal, citizen_id, problem, values)

    def then(_: object) -> str:
        target = f"/officer/campaign/residents/{citizen_id}?done=recorded"
        return target + (f"&next={quote(back)}" if back else "")

    return await submit(
        campaign_followups.record_follow_up(
            session=session,
            principal=principal,
            area=area_for(principal),
            citizen_id=citizen_id,
            data=data,
        ),
        then=then,
        failed=failed,
    )
