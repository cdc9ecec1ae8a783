"""The officer's face-check queue (`/officer/face-checks`): the level-1 registrations of
the unit's residents waiting for a face comparison, each shown with the selfie beside the
card photo, decided match or no match with a reason."""

from __future__ import annotations

import base64
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from dinhdanh.enrollment import face_queue
from dinhdanh.enrollment.level1_web import Tools
from dinhdanh.enrollment.web import Officer
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render, render_form, submit

router = APIRouter(prefix="/officer/face-checks", include_in_schema=False)
TEMPLATES: Final = "enrollment/level1/"
STATUSES: Final = ("pending", "match", "no_match")


def data_url(image: bytes | None, media_type: str | None) -> str | None:
    """An image inlined in the page (the CSP allows data: images): one audited read shows
    both photos, and nothing is cached under a URL."""
    if image is None or media_type is None:
        return None
    return f"data:{media_type};base64,{base64.b64encode(image).decode()}"


@router.get("", response_class=HTMLResponse)
async def queue(
    request: Request, session: Session, principal: Officer, status: str = "pending"
) -> Response:
    """The checks of your unit's residents: pending (oldest due first) or decided."""
    status = status if status in STATUSES else "pending"
    items = await face_queue.list_checks(session=session, principal=principal, status=status)
    return render(
        request,
        TEMPLATES + "queue.html",
        items=items,
        tab=status,
        done=request.query_params.get("done", ""),
    )


async def _check_page(
    request: Request,
    session: Session,
    tools: Tools,
    principal: Principal,
    check_id: str,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    view = await face_queue.view_check(
        session=session, cipher=tools.cipher, principal=principal, check_id=check_id
    )
    return render_form(
        request,
        TEMPLATES + "face_check.html",
        problem,
        view=view,
        selfie=data_url(view.selfie, view.selfie_type),
        reference=data_url(view.reference, view.reference_type),
        values=values or {},
    )


@router.get("/{check_id}", response_class=HTMLResponse)
async def check_page(
    request: Request, check_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """One check: the person, the selfie beside the card photo, and the decision."""
    return await _check_page(request, session, tools, principal, check_id[:40])


@router.post("/{check_id}/decide")
async def decide(
    request: Request,
    check_id: str,
    session: Session,
    tools: Tools,
    principal: Officer,
    verdict: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Match: the level-1 account is created and the person told by SMS. No match: the
    person is told to come to the office."""

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        values = {"verdict": verdict, "reason": reason}
        return await _check_page(request, session, tools, principal, check_id[:40], problem, values)

    return await submit(
        face_queue.decide(
            session=session,
            tools=tools,
            principal=principal,
            check_id=check_id[:40],
            verdict=verdict,
            reason=reason,
        ),
        then=lambda _: f"/officer/face-checks?done={verdict}",
        failed=failed,
    )
