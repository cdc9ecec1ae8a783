"""The officer's upgrade of a level-1 account to level 2 (`/officer/accounts/{id}/upgrade`),
linked from the account's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dinhdanh.accounts import officer
from dinhdanh.accounts.web import Tools
from dinhdanh.enrollment.upgrade import upgrade_to_level2
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render_form, require_staff

router = APIRouter(prefix="/officer/accounts", include_in_schema=False)
Officer = Annotated[Principal, require_staff("officer", "supervisor")]
TEMPLATE = "enrollment/level1/upgrade.html"


async def _page(
    request: Request,
    session: Session,
    principal: Principal,
    account_id: str,
    problem: Problem | None = None,
    *,
    done: bool = False,
) -> Response:
    account, holder = await officer.account_in_scope(
        session=session, principal=principal, account_id=account_id
    )
    return render_form(request, TEMPLATE, problem, account=account, holder=holder, done=done)


@router.get("/{account_id}/upgrade", response_class=HTMLResponse)
async def upgrade_form(
    request: Request, account_id: str, session: Session, principal: Officer, done: str = ""
) -> Response:
    """Upgrade to level 2: the holder, their card's validity, and the officer's attestation."""
    return await _page(request, session, principal, account_id[:40], done=bool(done))


@router.post("/{account_id}/upgrade")
async def upgrade(
    request: Request,
    account_id: str,
    session: Session,
    tools: Tools,
    principal: Officer,
    seen_in_person: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Raise the account to level 2 (audited; the holder's sessions end, an SMS tells them)."""
    try:
        await upgrade_to_level2(
            session=session,
            tools=tools,
            principal=principal,
            account_id=account_id[:40],
            seen_in_person=seen_in_person == "yes",
        )
    except Problem as problem:
        if problem.status == 404:
            raise
        await session.rollback()
        return await _page(request, session, principal, account_id[:40], problem)
    return RedirectResponse(f"/officer/accounts/{account_id[:40]}/upgrade?done=1", status_code=303)
