"""The holder's data pages: the registry record with 'report an error', and the activity log;
the commune police's queue of error reports."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from dinhdanh.accounts import activity, profile, service
from dinhdanh.accounts.web import CurrentCitizen
from dinhdanh.platform import i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.web import Session, render, render_form, require_staff, submit
from dinhdanh.population.pages import LABELS as REGISTRY_LABELS

router = APIRouter(include_in_schema=False)
Officer = Annotated[Principal, require_staff("officer", "supervisor", "admin")]
PageNumber = Annotated[int, Query(ge=1, le=activity.MAX_PAGE)]

# Names of coded values: the registry pages' (same messages), and the error reports'.
LABELS: Final[dict[str, dict[str, str]]] = {
    **REGISTRY_LABELS,
    "request_status": {"open": N_("Waiting for an answer"), "closed": N_("Answered")},
    "by": {"holder": N_("You"), "officer": N_("The police"), "system": N_("The registry")},
}
DONE: Final[dict[str, str]] = {
    "reported": N_(
        "Your report was sent to the commune police. You will get an SMS when they answer."
    ),
    "closed": N_("The report is closed and the citizen was told by SMS."),
}


def label(kind: str, value: str | None) -> str:
    """The translated name of a coded value (the value itself when unknown)."""
    return i18n.label(LABELS[kind], value)


def _done(request: Request) -> str | None:
    msgid = DONE.get(request.query_params.get("done", ""))
    return gettext(msgid) if msgid else None


async def _profile_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    data = await profile.own_profile(session=session, principal=principal)
    return render_form(
        request,
        "accounts/profile.html",
        problem,
        profile=data,
        record=data.record,
        label=label,
        local_time=activity.local_time,
        fields=[(k, gettext(v)) for k, v in profile.FIELD_LABELS.items()],
        values=values or {},
        done=_done(request),
        max_open=profile.MAX_OPEN_REQUESTS,
    )


@router.get("/me/profile")
async def profile_page(request: Request, session: Session, principal: CurrentCitizen) -> Response:
    """Your registry data, read-only, with a form to report an error."""
    return await _profile_page(request, session, principal)


@router.post("/me/profile/report")
async def report(
    request: Request,
    session: Session,
    principal: CurrentCitizen,
    field: Annotated[str, Form(max_length=32)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Report an error in your data to the commune police of your permanent residence."""
    account = await service.get_account(session, principal.id or "")

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        values = {"field": field, "message": message}
        return await _profile_page(request, session, principal, problem=problem, values=values)

    return await submit(
        profile.report_error(
            session=session, actor=principal, account=account, field=field, message=message
        ),
        then=lambda _: "/me/profile?done=reported#reports",
        failed=failed,
    )


@router.get("/me/activity")
async def activity_page(
    request: Request, session: Session, principal: CurrentCitizen, page: PageNumber = 1
) -> Response:
    """Every sign-in, change, lock and access to your data, newest first."""
    account = await service.get_account(session, principal.id or "")
    log = await activity.activity(session=session, account=account, page=page)
    return render(request, "accounts/activity.html", log=log)


# ---------------------------------------------------------------- the officer's queue


async def _queue_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    status: str,
    page: int,
    problem: Problem | None = None,
    failed_id: str | None = None,
    answer: str = "",
) -> Response:
    queue = await profile.officer_queue(
        session=session, principal=principal, status=status, page=page
    )
    return render_form(
        request,
        "accounts/officer_corrections.html",
        problem,
        queue=queue,
        label=label,
        local_time=activity.local_time,
        done=_done(request),
        failed_id=failed_id,
        answer=answer,
    )


@router.get("/officer/corrections")
async def corrections(
    request: Request,
    session: Session,
    principal: Officer,
    status: Annotated[str, Query(max_length=10)] = "open",
    page: PageNumber = 1,
) -> Response:
    """The queue of error reports citizens of the unit's communes filed."""
    return await _queue_page(request, session, principal, status=status, page=page)


@router.post("/officer/corrections/{request_id}/close")
async def close(
    request: Request,
    request_id: str,
    session: Session,
    principal: Officer,
    answer: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Answer an error report and close it; the citizen gets an SMS."""

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        return await _queue_page(
            request,
            session,
            principal,
            status="open",
            page=1,
            problem=problem,
            failed_id=request_id,
            answer=answer,
        )

    return await submit(
        profile.close_request(
            session=session, principal=principal, request_id=request_id, answer=answer
        ),
        then=lambda _: "/officer/corrections?done=closed",
        failed=failed,
    )
