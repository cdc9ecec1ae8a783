"""Administration pages: units, staff, and the audit-log viewer."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.platform import web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.web import Session, render, render_form, submit
from dinhdanh.population.reference import admin_units
from dinhdanh.staff import actions, audit_log, directory, service, signin, units
from dinhdanh.staff.models import ROLES, UNIT_LEVELS, Unit

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, web.require_staff("admin")]
Reader = Annotated[Principal, web.require_staff("admin", "auditor")]
ACTIONS: Final = {
    "disable": "disabled",
    "enable": "enabled",
    "reset": "reset",
    "revoke-sessions": "revoked",
}
UNIT_PAGE: Final = 100
STAFF_PAGE: Final = 50

# Messages shown after a redirect; the query carries only the key.
DONE: Final[dict[str, str]] = {
    "created": N_("The staff member was created and an invitation e-mail was queued."),
    "updated": N_("The changes were saved."),
    "disabled": N_("The account was disabled and its sessions ended."),
    "enabled": N_("The account was enabled."),
    "reset": N_("Password and TOTP were cleared and a new invitation e-mail was queued."),
    "revoked": N_("Every session of this staff member was ended."),
    "unit-activated": N_("The unit was activated."),
    "unit-deactivated": N_("The unit was deactivated and its staff's sessions ended."),
}

# Names of the coded values the pages show, translated in the template.
LABELS: Final[dict[str, Any]] = {
    "level_names": {
        "ministry": N_("Ministry"),
        "province": N_("Provincial police"),
        "card_office": N_("Card office"),
        "commune": N_("Commune police"),
    },
    "role_names": {
        "admin": N_("Administrator"),
        "officer": N_("Officer"),
        "supervisor": N_("Supervisor"),
        "auditor": N_("Auditor"),
    },
    "status_names": {
        "active": N_("Active"),
        "disabled": N_("Disabled"),
        "invited": N_("Invited (set-up not finished)"),
    },
}


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _paging(
    number: int, args: dict[str, str], result: units.UnitPage | directory.StaffPage
) -> dict[str, Any]:
    """The page number and the query strings of the previous and next pages (None at an end)."""
    more = result.offset + result.limit < result.total
    return {
        "page": number,
        "prev_qs": urlencode({**args, "page": number - 1}) if number > 1 else None,
        "next_qs": urlencode({**args, "page": number + 1}) if more else None,
    }


# ---------------------------------------------------------------- units


@router.get("/admin/units")
async def units_page(
    request: Request,
    session: Session,
    principal: Admin,
    level: str = "",
    province: str = "",
    q: str = "",
    page: str = "1",
    done: str = "",
) -> Response:
    """List units; filter by level and province, search by name."""
    number = _page_number(page)
    filters = units.UnitFilter(
        level=level if level in UNIT_LEVELS else None, province_code=province or None, q=q[:100]
    )
    result = await units.list_units(
        session,
        filters,
        scope=principal.scope,
        offset=(number - 1) * UNIT_PAGE,
        limit=UNIT_PAGE,
    )
    return render(
        request,
        "staff/admin_units.html",
        **LABELS,
        result=result,
        level=level,
        province=province,
        q=q,
        levels=UNIT_LEVELS,
        provinces=admin_units()[0],
        **_paging(number, {"level": level, "province": province, "q": q}, result),
        flash=DONE.get(done),
        here=request.url.path + ("?" + request.url.query if request.url.query else ""),
    )


async def _toggle_unit(
    request: Request, session: Session, principal: Principal, code: str, active: bool
) -> Response:
    await units.set_unit_active(
        session,
        actor=principal,
        code=code,
        active=active,
        sessions=request.app.state.staff_sessions,
    )
    form = await request.form()
    back = str(form.get("back") or "/admin/units")
    back = back if back.startswith("/admin/units") else "/admin/units"
    joiner = "&" if "?" in back else "?"
    done = "unit-activated" if active else "unit-deactivated"
    return RedirectResponse(f"{back}{joiner}done={done}", status_code=303)


@router.post("/admin/units/{code}/activate")
async def activate_unit(
    request: Request, session: Session, principal: Admin, code: str
) -> Response:
    """Activate a unit."""
    return await _toggle_unit(request, session, principal, code, True)


@router.post("/admin/units/{code}/deactivate")
async def deactivate_unit(
    request: Request, session: Session, principal: Admin, code: str
) -> Response:
    """Deactivate a unit: its staff can no longer sign in."""
    return await _toggle_unit(request, session, principal, code, False)


# ---------------------------------------------------------------- staff


async def _staff_list_page(
    request: Request,
    session: Session,
    principal: Principal,
    params: dict[str, str],
    *,
    form: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    number = _page_number(params.get("page", "1"))
    filters = directory.StaffFilter(
        unit_code=params.get("unit") or None,
        role=params.get("role") if params.get("role") in ROLES else None,
        status=params.get("status") if params.get("status") in directory.STATUSES else None,
        q=(params.get("q") or "")[:100] or None,
    )
    result = await directory.list_staff(
        session,
        scope=principal.scope,
        filters=filters,
        offset=(number - 1) * STAFF_PAGE,
        limit=STAFF_PAGE,
    )
    args = {k: params.get(k, "") for k in ("unit", "role", "status", "q")}
    return render_form(
        request,
        "staff/admin_staff.html",
        problem,
        **LABELS,
        result=result,
        filters=args,
        roles=ROLES,
        statuses=directory.STATUSES,
        status_of=directory.staff_status,
        **_paging(number, args, result),
        form=form or {"role": "officer", "unit_code": principal.unit_code or ""},
    )


@router.get("/admin/staff")
async def staff_page(request: Request, session: Session, principal: Admin) -> Response:
    """List staff (filter by unit, role, status; search) with the form to create one."""
    return await _staff_list_page(request, session, principal, dict(request.query_params))


@router.post("/admin/staff")
async def create_staff(
    request: Request,
    session: Session,
    principal: Admin,
    username: Annotated[str, Form(max_length=200)] = "",
    full_name: Annotated[str, Form(max_length=500)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    unit_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create a staff member and e-mail the invitation."""
    data = service.NewStaff(username, full_name, email, role, unit_code)
    return await submit(
        actions.create_staff(request, session, principal, data),
        then=lambda staff: f"/admin/staff/{staff.id}?done=created",
        failed=lambda problem: _staff_list_page(
            request, session, principal, {}, form=vars(data), problem=problem
        ),
    )


async def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    staff_id: str,
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    staff = await directory.get_staff(session, staff_id, scope=principal.scope)
    unit = await session.get(Unit, staff.unit_code)
    live = await signin.live_sessions(request.app.state.staff_sessions, str(staff.id))
    return render_form(
        request,
        "staff/admin_staff_detail.html",
        problem,
        **LABELS,
        staff=staff,
        unit=unit,
        status_name=directory.staff_status(staff),
        sessions=live,
        roles=ROLES,
        is_self=service.is_self(principal, staff),
        form=form
        or {
            "full_name": staff.full_name,
            "email": staff.email,
            "role": staff.role,
            "unit_code": staff.unit_code,
        },
        flash=DONE.get(done),
    )


@router.get("/admin/staff/{staff_id}")
async def staff_detail(
    request: Request, session: Session, principal: Admin, staff_id: str, done: str = ""
) -> Response:
    """One staff member: details, role and unit, status, live sessions and actions."""
    return await _detail_page(request, session, principal, staff_id, done=done)


@router.post("/admin/staff/{staff_id}")
async def update_staff(
    request: Request,
    session: Session,
    principal: Admin,
    staff_id: str,
    full_name: Annotated[str, Form(max_length=500)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    unit_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Save name, e-mail, role and unit (a role or unit change ends the member's sessions)."""
    changes = {"full_name": full_name, "email": email, "role": role, "unit_code": unit_code}
    return await submit(
        actions.update_staff(request, session, principal, staff_id, changes),
        then=lambda _: f"/admin/staff/{staff_id}?done=updated",
        failed=lambda problem: _detail_page(
            request, session, principal, staff_id, form=changes, problem=problem
        ),
    )


@router.post("/admin/staff/{staff_id}/{action}")
async def act_on_staff(
    request: Request,
    session: Session,
    principal: Admin,
    staff_id: str,
    action: actions.Action,
) -> Response:
    """Disable or enable the account, reset password and TOTP (a new invitation goes
    out), or end every session of the member."""
    done = ACTIONS[action]
    return await submit(
        actions.act(request, session, principal, staff_id, action),
        then=lambda _: f"/admin/staff/{staff_id}?done={done}",
        failed=lambda problem: _detail_page(request, session, principal, staff_id, problem=problem),
    )


# ---------------------------------------------------------------- audit log


@router.get("/admin/audit")
async def audit_page(
    request: Request,
    session: Session,
    principal: Reader,
    action: str = "",
    actor: str = "",
    subject: str = "",
    citizen_id: str = "",
    date_from: str = "",
    date_to: str = "",
    before: str = "",
) -> Response:
    """Read and filter the audit log inside the reader's scope, newest first."""
    filters = audit_log.AuditFilter(
        action=action[:64] or None,
        actor=actor[:64] or None,
        subject=subject[:64] or None,
        citizen_id=citizen_id[:64] or None,
        date_from=date_from[:10] or None,
        date_to=date_to[:10] or None,
    )
    problem: Problem | None = None
    try:
        result = await audit_log.search_audit(
            session,
            filters,
            reader=principal,
            before=int(before) if before.isdigit() else None,
        )
    except Problem as exc:
        problem, result = exc, audit_log.AuditPage([], None)
    names = await audit_log.staff_names(
        session,
        {e.actor_id for e in result.events if e.actor_id}
        | {e.subject_id for e in result.events if e.subject_type == "staff" and e.subject_id},
        principal.scope,
    )
    next_qs: Any = None
    if result.next_before is not None:
        next_qs = urlencode({**filters.query_args(), "before": result.next_before})
    return render_form(
        request,
        "staff/admin_audit.html",
        problem,
        events=result.events,
        **LABELS,
        names=names,
        filters=filters,
        next_qs=next_qs,
        first_qs=urlencode(filters.query_args()) if before else None,
    )
