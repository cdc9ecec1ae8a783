"""What both edges (pages and JSON API) do with a request: sign-in's cookie and origin,
sign-out, and the staff administration operations given the app's session store, lockout
guard and public URL."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import STAFF_COOKIE, client_ip, set_session_cookie
from dinhdanh.staff import service, signin
from dinhdanh.staff.models import Staff
from dinhdanh.staff.signin import Attempt

Action = Literal["disable", "enable", "reset", "revoke-sessions"]


# ---------------------------------------------------------------- sign-in and sign-out


def attempt_of(request: Request) -> Attempt:
    """Where the request comes from."""
    return Attempt(ip=client_ip(request), agent=request.headers.get("user-agent", ""))


def set_staff_cookie(request: Request, response: Response, sid: str) -> None:
    """The staff session cookie."""
    set_session_cookie(request, response, STAFF_COOKIE, sid)


async def sign_out(
    request: Request, session: AsyncSession, principal: Principal, response: Response
) -> Response:
    """End the caller's session on the server and clear its cookie in `response`."""
    await signin.sign_out(
        session,
        sessions=request.app.state.staff_sessions,
        sid=request.state.cookies.get(STAFF_COOKIE),
        actor=principal,
    )
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- staff administration


async def create_staff(
    request: Request, session: AsyncSession, actor: Principal, data: service.NewStaff
) -> Staff:
    """Create a staff member and e-mail the invitation."""
    public_url = request.app.state.settings.public_url
    staff, _ = await service.create_staff(session, actor=actor, data=data, public_url=public_url)
    return staff


async def update_staff(
    request: Request,
    session: AsyncSession,
    actor: Principal,
    staff_id: str,
    changes: dict[str, str],
) -> Staff:
    """Change name, e-mail, role or unit (a role or unit change ends the member's sessions)."""
    return await service.update_staff(
        session,
        actor=actor,
        staff_id=staff_id,
        changes=changes,
        sessions=request.app.state.staff_sessions,
    )


async def set_disabled(
    request: Request, session: AsyncSession, actor: Principal, staff_id: str, disabled: bool
) -> Staff:
    """Disable (ending every session) or re-enable a staff member."""
    return await service.set_disabled(
        session,
        actor=actor,
        staff_id=staff_id,
        disabled=disabled,
        sessions=request.app.state.staff_sessions,
    )


async def reset_credentials(
    request: Request, session: AsyncSession, actor: Principal, staff_id: str
) -> Staff:
    """Clear password and TOTP, end sessions, lift a lockout, send a new invitation."""
    state = request.app.state
    staff, _ = await service.reset_credentials(
        session,
        actor=actor,
        staff_id=staff_id,
        sessions=state.staff_sessions,
        guard=state.staff_guard,
        public_url=state.settings.public_url,
    )
    return staff


async def revoke_sessions(
    request: Request, session: AsyncSession, actor: Principal, staff_id: str
) -> int:
    """End every session of a staff member at once; how many ended."""
    return await service.revoke_sessions(
        session, actor=actor, staff_id=staff_id, sessions=request.app.state.staff_sessions
    )


async def act(
    request: Request, session: AsyncSession, actor: Principal, staff_id: str, action: Action
) -> None:
    """One of the actions the staff detail page offers, by its name in the URL."""
    if action in ("disable", "enable"):
        await set_disabled(request, session, actor, staff_id, action == "disable")
    elif action == "reset":
        await reset_credentials(request, session, actor, staff_id)
    else:
        await revoke_sessions(request, session, actor, staff_id)
