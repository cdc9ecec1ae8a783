"""The holder's devices and contact pages: sessions, phone and e-mail change, panic lock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.accounts import contact, locks, service
from dinhdanh.accounts.devices import end_device, end_other_devices, list_devices
from dinhdanh.accounts.web import CurrentCitizen, Tools, clear_citizen_cookie
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render, render_form

router = APIRouter(prefix="/me", tags=["citizen pages"], include_in_schema=False)


async def _devices_page(
    request: Request, session: Session, tools: Tools, principal: Principal, done: str = ""
) -> Response:
    devices = await list_devices(tools, principal.id or "", current_sid=principal.session_id)
    return render(request, "accounts/devices.html", devices=devices, done=done)


@router.get("/devices")
async def devices(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, done: str = ""
) -> Response:
    """Where the account is signed in: device, channel, place, last seen."""
    return await _devices_page(request, session, tools, principal, done)


@router.post("/devices/{handle}/end")
async def end_one(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, handle: str
) -> Response:
    """Sign out one device (this one too, if chosen)."""
    account = await service.get_account(session, principal.id or "")
    ended = await end_device(
        session=session, tools=tools, actor=principal, account=account, handle=handle[:40]
    )
    if ended is not None:
        if ended.id == principal.session_id:
            response = RedirectResponse("/me/login", status_code=303)
            clear_citizen_cookie(response)
            return response
    return RedirectResponse("/me/devices?done=ended", status_code=303)


@router.post("/devices/end-others")
async def end_others(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen
) -> Response:
    """Sign out every other device; this one stays."""
    account = await service.get_account(session, principal.id or "")
    await end_other_devices(session=session, tools=tools, actor=principal, account=account)
    return RedirectResponse("/me/devices?done=ended", status_code=303)


# ---------------------------------------------------------------- phone and e-mail


async def _contact_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    problem: Problem | None = None,
    waiting: str = "",
    sent_to: str = "",
    done: str = "",
) -> Response:
    account = await service.get_account(session, principal.id or "")
    return render_form(
        request,
        "accounts/contact.html",
        problem,
        account=account,
        waiting=waiting,
        sent_to=sent_to,
        done=done,
    )


@router.get("/contact")
async def contact_page(
    request: Request, session: Session, principal: CurrentCitizen, done: str = ""
) -> Response:
    """The registered phone and e-mail, and the forms to change them."""
    return await _contact_page(request, session, principal, done=done)


@router.post("/contact/{kind}")
async def request_change(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    kind: str,
    value: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Send a code to the new phone or address (the password first)."""
    if kind not in ("phone", "email"):
        return RedirectResponse("/me/contact", status_code=303)
    account = await service.get_account(session, principal.id or "")
    try:
        sent_to = await contact.request_change(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            kind=kind,  # type: ignore[arg-type]
            value=value,
            password=password,
        )
    except Problem as problem:
        return await _contact_page(request, session, principal, problem=problem)
    return await _contact_page(request, session, principal, waiting=kind, sent_to=sent_to)


@router.post("/contact/{kind}/confirm")
async def confirm_change(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    kind: str,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Check the code and switch to the new phone or address."""
    if kind not in ("phone", "email"):
        return RedirectResponse("/me/contact", status_code=303)
    account = await service.get_account(session, principal.id or "")
    try:
        await contact.confirm_change(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            kind=kind,  # type: ignore[arg-type]
            code=code,
        )
    except Problem as problem:
        return await _contact_page(request, session, principal, problem=problem, waiting=kind)
    return RedirectResponse(f"/me/contact?done={kind}", status_code=303)


# ---------------------------------------------------------------- panic lock


@router.post("/lock")
async def panic_lock(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen
) -> Response:
    """Lock the account at once: every session, on every device, ends."""
    account = await service.get_account(session, principal.id or "")
    await locks.panic_lock(session=session, tools=tools, actor=principal, account=account)
    response = render(request, "accounts/locked_now.html")
    clear_citizen_cookie(response)
    return response
