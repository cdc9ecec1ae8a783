"""Staff pages: the start page, sign-in (password, TOTP), sign-out, invitations and the
member's own sessions. The administration pages live in `admin_pages`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.platform import web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import (
    STAFF_COOKIE,
    CurrentPrincipal,
    Session,
    client_ip,
    render,
    render_form,
    safe_next,
    submit,
)
from dinhdanh.staff import admin_pages, invitations, signin
from dinhdanh.staff.actions import attempt_of, set_staff_cookie, sign_out
from dinhdanh.staff.models import Staff
from dinhdanh.staff.signin import SignInTools

router = APIRouter(include_in_schema=False)
router.include_router(admin_pages.router)

StaffMember = Annotated[Principal, web.require_staff()]


def home_of(roles: Iterable[str]) -> str:
    """Where a staff member lands: officers at the registry, admins at staff, auditors at
    the audit log."""
    held = set(roles)
    if held & {"officer", "supervisor"}:
        return "/registry"
    if "admin" in held:
        return "/admin/staff"
    if "auditor" in held:
        return "/admin/audit"
    return "/account/sessions"


@router.get("/")
async def start(principal: CurrentPrincipal) -> Response:
    """The start page: sign-in for visitors, the member's home otherwise."""
    if principal.kind != "staff":
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(principal.roles), status_code=303)


def _login_page(
    request: Request, *, next: str | None, username: str = "", problem: Problem | None = None
) -> Response:
    return render_form(request, "staff/login.html", problem, next=next or "", username=username)


@router.get("/login")
async def login_form(request: Request, principal: CurrentPrincipal, next: str = "") -> Response:
    """The sign-in page (username and password)."""
    if principal.kind == "staff":
        return RedirectResponse(safe_next(next) or home_of(principal.roles), status_code=303)
    return _login_page(request, next=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    session: Session,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check username and password; continue to the TOTP step."""
    tools = SignInTools.from_state(request.app.state)
    outcome = await signin.check_password(
        session,
        tools=tools,
        username=username,
        password=password,
        attempt=attempt_of(request),
        previous_sid=request.state.cookies.get(STAFF_COOKIE),
    )
    if outcome.session is None:
        return _login_page(
            request, next=safe_next(next), username=username, problem=outcome.problem
        )
    back = safe_next(next)
    target = "/login/totp" + (f"?next={quote(back)}" if back else "")
    response = RedirectResponse(target, status_code=303)
    set_staff_cookie(request, response, outcome.session.id)
    return response


async def _totp_page(
    request: Request,
    session: Session,
    *,
    next: str | None,
    staff: Staff | None = None,
    problem: Problem | None = None,
) -> Response:
    """The code form for `staff`, or for the member of the cookie's pending sign-in."""
    tools = SignInTools.from_state(request.app.state)
    if staff is None:
        sid = request.state.cookies.get(STAFF_COOKIE)
        found = await signin.pending_staff(session, tools.sessions, sid)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        staff = found[1]
    demo_code = signin.demo_code(tools, staff) if request.app.state.settings.demo else None
    return render_form(
        request,
        "staff/totp.html",
        problem,
        next=next or "",
        username=staff.username,
        demo_code=demo_code,
    )


@router.get("/login/totp")
async def totp_form(request: Request, session: Session, next: str = "") -> Response:
    """The second step: the 6-digit code from the authenticator app."""
    return await _totp_page(request, session, next=safe_next(next))


@router.post("/login/totp")
async def totp(
    request: Request,
    session: Session,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check the code; on success the session id rotates and the member is signed in."""
    tools = SignInTools.from_state(request.app.state)
    outcome = await signin.check_totp(
        session,
        tools=tools,
        pending_sid=request.state.cookies.get(STAFF_COOKIE),
        code=code,
        attempt=attempt_of(request),
    )
    if outcome.session is None:
        if outcome.restart:
            response = _login_page(request, next=safe_next(next), problem=outcome.problem)
            response.delete_cookie(STAFF_COOKIE, path="/")
            return response
        return await _totp_page(
            request, session, next=safe_next(next), staff=outcome.staff, problem=outcome.problem
        )
    home = home_of(outcome.session.extra["roles"])
    response = RedirectResponse(safe_next(next) or home, status_code=303)
    set_staff_cookie(request, response, outcome.session.id)
    return response


@router.post("/logout")
async def logout(request: Request, session: Session, principal: CurrentPrincipal) -> Response:
    """Sign out: the session ends on the server, the cookie is cleared."""
    return await sign_out(request, session, principal, RedirectResponse("/login", status_code=303))


# ---------------------------------------------------------------- invitations


async def _invite_page(
    request: Request,
    session: Session,
    token: str,
    *,
    problem: Problem | None = None,
) -> Response:
    state = request.app.state
    try:
        found = await invitations.open_invitation(session, token)
    except Problem as invalid:
        return render(request, "base/error.html", status=invalid.status, problem=invalid.to_dict())
    enrol = (
        invitations.enrolment(found, totp=state.totp, cipher=state.cipher)
        if found.step == "totp"
        else None
    )
    return render_form(
        request, "staff/invite.html", problem, staff=found.staff, step=found.step, enrol=enrol
    )


@router.get("/staff/invite/{token}")
async def invitation(request: Request, session: Session, token: str) -> Response:
    """Accept an invitation: choose a password, then enrol TOTP."""
    return await _invite_page(request, session, token)


@router.post("/staff/invite/{token}/password")
async def invitation_password(
    request: Request,
    session: Session,
    token: str,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set the password chosen from the invitation."""
    state = request.app.state
    return await submit(
        invitations.choose_password(
            session,
            token=token,
            password=password,
            confirm=confirm,
            hasher=state.hasher,
            cipher=state.cipher,
            ip=client_ip(request),
        ),
        then=lambda _: f"/staff/invite/{token}",
        failed=lambda problem: _invite_page(request, session, token, problem=problem),
    )


@router.post("/staff/invite/{token}/totp")
async def invitation_totp(
    request: Request,
    session: Session,
    token: str,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Confirm the authenticator app with its current code; set-up is complete."""
    state = request.app.state
    try:
        staff = await invitations.confirm_totp(
            session,
            token=token,
            code=code,
            totp=state.totp,
            cipher=state.cipher,
            ip=client_ip(request),
        )
    except Problem as problem:
        return await _invite_page(request, session, token, problem=problem)
    return render(request, "staff/invite_done.html", username=staff.username)


# ---------------------------------------------------------------- own sessions


@router.get("/account/sessions")
async def my_sessions(request: Request, principal: StaffMember, done: str = "") -> Response:
    """The member's own live sessions, with a button to end each."""
    sessions = await signin.live_sessions(request.app.state.staff_sessions, principal.id or "")
    return render(
        request,
        "staff/account_sessions.html",
        sessions=[(s.handle, s) for s in sessions],
        current=principal.session_id,
        done=done == "ended",
    )


@router.post("/account/sessions/{handle}/end")
async def end_my_session(
    request: Request, session: Session, principal: StaffMember, handle: str
) -> Response:
    """End one of the member's own sessions (ending the current one signs out)."""
    store = request.app.state.staff_sessions
    if await signin.end_own_session(session, sessions=store, actor=principal, handle=handle[:40]):
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(STAFF_COOKIE, path="/")
        return response
    return RedirectResponse("/account/sessions?done=ended", status_code=303)
