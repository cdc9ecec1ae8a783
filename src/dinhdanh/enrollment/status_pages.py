"""The applicant's side: the public status page (reference and personal ID, rate-limited,
one answer for anything that does not match) and the app's API for a signed-in citizen."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dinhdanh.accounts.web import CurrentCitizen
from dinhdanh.enrollment import tracking
from dinhdanh.enrollment.labels import label
from dinhdanh.enrollment.officer_pages import form_values
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import CurrentPrincipal, Session, client_ip, render_form

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/app/v1/applications", tags=["app: card applications"])
# Look-ups per client address: enough for an applicant's typing mistakes, too few to
# walk the space of references.
STATUS_LIMIT = "10/minute"
PROBLEM = {"content": {"application/problem+json": {}}}


@dataclasses.dataclass(frozen=True)
class ApplicationOut(tracking.ApplicationStatus):
    """An application as the applicant follows it."""

    @classmethod
    def of(cls, status: tracking.ApplicationStatus) -> ApplicationOut:
        """From the tracking view."""
        return cls(**dataclasses.asdict(status))


def _page(request: Request, **context: Any) -> Response:
    problem: Problem | None = context.pop("problem", None)
    return render_form(request, "enrollment/status.html", problem, label=label, **context)


@pages.get("/applications/status", response_class=HTMLResponse)
async def status_page(request: Request) -> Response:
    """The form: the application's reference and the applicant's personal ID."""
    return _page(request, values={}, found=None)


@pages.post("/applications/status")
async def status_form(request: Request, session: Session, principal: CurrentPrincipal) -> Response:
    """Show the application's state (rate-limited per address)."""
    values = form_values(await request.form())
    try:
        await request.app.state.limiter.hit(
            STATUS_LIMIT, "application-status", client_ip(request) or "-"
        )
        found = await tracking.public_status(
            session=session,
            principal=principal,
            reference=values.get("reference", ""),
            personal_id=values.get("personal_id", ""),
        )
    except Problem as problem:
        return _page(request, problem=problem, values=values, found=None)
    return _page(request, values=values, found=found)


@api.get("", response_model=list[ApplicationOut], responses={401: PROBLEM})
async def my_applications(session: Session, citizen: CurrentCitizen) -> list[ApplicationOut]:
    """The signed-in citizen's card applications, newest first."""
    assert citizen.citizen_id is not None
    rows = await tracking.own_applications(session=session, citizen_id=citizen.citizen_id)
    return [ApplicationOut.of(r) for r in rows]


@api.get("/{reference}", response_model=ApplicationOut, responses={401: PROBLEM, 404: PROBLEM})
async def my_application(
    reference: str, session: Session, citizen: CurrentCitizen
) -> ApplicationOut:
    """One of the citizen's applications by its reference."""
    assert citizen.citizen_id is not None
    found = await tracking.own_application(
        session=session, citizen_id=citizen.citizen_id, reference=reference
    )
    return ApplicationOut.of(found)
