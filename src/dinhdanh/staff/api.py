"""Staff JSON API: sign-in, staff administration, units and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dinhdanh.platform import web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import STAFF_COOKIE, CurrentPrincipal, Session, problem_response
from dinhdanh.staff import actions, audit_log, directory, service, signin, units
from dinhdanh.staff.actions import attempt_of, set_staff_cookie, sign_out
from dinhdanh.staff.schemas import (
    AuditList,
    LoginIn,
    LoginStep,
    SessionsEnded,
    SignedIn,
    StaffIn,
    StaffList,
    StaffOut,
    StaffPatch,
    TotpIn,
    UnitList,
    UnitOut,
)
from dinhdanh.staff.signin import SignInTools

router = APIRouter(prefix="/api/v1", tags=["staff"])

Admin = Annotated[Principal, web.require_staff("admin")]
Reader = Annotated[Principal, web.require_staff("admin", "auditor")]
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM, 429: PROBLEM}


@router.post("/auth/login", response_model=LoginStep, responses=ERRORS)
async def api_login(request: Request, session: Session, body: LoginIn) -> Response:
    """Sign-in step 1: username and password; sets the pending session cookie."""
    outcome = await signin.check_password(
        session,
        tools=SignInTools.from_state(request.app.state),
        username=body.username,
        password=body.password,
        attempt=attempt_of(request),
        previous_sid=request.state.cookies.get(STAFF_COOKIE),
    )
    if outcome.session is None:
        assert outcome.problem is not None
        return problem_response(request, outcome.problem)
    response = Response(LoginStep().model_dump_json(), media_type="application/json")
    set_staff_cookie(request, response, outcome.session.id)
    return response


@router.post("/auth/totp", response_model=SignedIn, responses=ERRORS)
async def api_totp(request: Request, session: Session, body: TotpIn) -> Response:
    """Sign-in step 2: the TOTP code; replaces the cookie with a new, signed-in session."""
    outcome = await signin.check_totp(
        session,
        tools=SignInTools.from_state(request.app.state),
        pending_sid=request.state.cookies.get(STAFF_COOKIE),
        code=body.code,
        attempt=attempt_of(request),
    )
    if outcome.session is None:
        assert outcome.problem is not None
        response = problem_response(request, outcome.problem)
        if outcome.restart:
            response.delete_cookie(STAFF_COOKIE, path="/")
        return response
    staff = outcome.staff
    assert staff is not None
    out = SignedIn(
        id=str(staff.id),
        username=staff.username,
        full_name=staff.full_name,
        role=staff.role,
        unit_code=staff.unit_code,
        scope=outcome.session.extra["scope"],
    )
    response = Response(out.model_dump_json(), media_type="application/json")
    set_staff_cookie(request, response, outcome.session.id)
    return response


@router.post("/auth/logout", status_code=204, responses=ERRORS)
async def api_logout(request: Request, session: Session, principal: CurrentPrincipal) -> Response:
    """End the caller's session."""
    return await sign_out(request, session, principal, Response(status_code=204))


@router.get("/staff", response_model=StaffList, responses=ERRORS)
async def api_list_staff(
    session: Session,
    principal: Admin,
    unit: str | None = None,
    role: str | None = None,
    status: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StaffList:
    """List staff inside the caller's scope (filter by unit, role, status; search)."""
    page = await directory.list_staff(
        session,
        scope=principal.scope,
        filters=directory.StaffFilter(unit, role, status, q),
        offset=offset,
        limit=limit,
    )
    return StaffList(
        items=[StaffOut.of(s) for s, _ in page.rows], total=page.total, offset=offset, limit=limit
    )


@router.post("/staff", response_model=StaffOut, status_code=201, responses=ERRORS)
async def api_create_staff(
    request: Request, session: Session, principal: Admin, body: StaffIn
) -> StaffOut:
    """Create a staff member; the invitation goes out by e-mail."""
    staff = await actions.create_staff(
        request, session, principal, service.NewStaff(**body.model_dump())
    )
    return StaffOut.of(staff)


@router.get("/staff/{staff_id}", response_model=StaffOut, responses=ERRORS)
async def api_get_staff(session: Session, principal: Admin, staff_id: str) -> StaffOut:
    """One staff member."""
    return StaffOut.of(await directory.get_staff(session, staff_id, scope=principal.scope))


@router.patch("/staff/{staff_id}", response_model=StaffOut, responses=ERRORS)
async def api_update_staff(
    request: Request, session: Session, principal: Admin, staff_id: str, body: StaffPatch
) -> StaffOut:
    """Change name, e-mail, role or unit (a role or unit change ends their sessions)."""
    changes = body.model_dump(exclude_none=True)
    return StaffOut.of(await actions.update_staff(request, session, principal, staff_id, changes))


@router.post("/staff/{staff_id}/disable", response_model=StaffOut, responses=ERRORS)
async def api_disable_staff(
    request: Request, session: Session, principal: Admin, staff_id: str
) -> StaffOut:
    """Disable a staff member and end their sessions."""
    return StaffOut.of(await actions.set_disabled(request, session, principal, staff_id, True))


@router.post("/staff/{staff_id}/enable", response_model=StaffOut, responses=ERRORS)
async def api_enable_staff(
    request: Request, session: Session, principal: Admin, staff_id: str
) -> StaffOut:
    """Enable a staff member again."""
    return StaffOut.of(await actions.set_disabled(request, session, principal, staff_id, False))


@router.post("/staff/{staff_id}/reset", response_model=StaffOut, responses=ERRORS)
async def api_reset_staff(
    request: Request, session: Session, principal: Admin, staff_id: str
) -> StaffOut:
    """Clear password and TOTP, end sessions and send a new invitation."""
    return StaffOut.of(await actions.reset_credentials(request, session, principal, staff_id))


@router.post("/staff/{staff_id}/revoke-sessions", response_model=SessionsEnded, responses=ERRORS)
async def api_revoke_sessions(
    request: Request, session: Session, principal: Admin, staff_id: str
) -> SessionsEnded:
    """End every session of a staff member at once."""
    ended = await actions.revoke_sessions(request, session, principal, staff_id)
    return SessionsEnded(sessions_ended=ended)


@router.get("/units", response_model=UnitList, responses=ERRORS)
async def api_list_units(
    session: Session,
    principal: Admin,
    level: str | None = None,
    province: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UnitList:
    """List police units inside the caller's scope (filter by level and province, search by
    name)."""
    page = await units.list_units(
        session,
        units.UnitFilter(level, province, q),
        scope=principal.scope,
        offset=offset,
        limit=limit,
    )
    return UnitList(
        items=[UnitOut.of(u) for u in page.units], total=page.total, offset=offset, limit=limit
    )


@router.get("/audit", response_model=AuditList, responses=ERRORS)
async def api_audit(
    session: Session,
    principal: Reader,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    citizen_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditList:
    """Read the audit log inside the caller's unit scope, newest first, filtered."""
    filters = audit_log.AuditFilter(action, actor, subject, citizen_id, date_from, date_to)
    page = await audit_log.search_audit(
        session, filters, reader=principal, before=before, limit=limit
    )
    return AuditList(
        items=page.events,
        next_before=page.next_before,
    )
