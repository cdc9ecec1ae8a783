"""The citizen's edge: the session cookie (web) or bearer token (app), and the typed
dependencies routes use (`CurrentCitizen`, `AppCitizen`, `Tools`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.responses import Response

from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools
from dinhdanh.accounts.signin import Attempt, principal_of
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Unauthorized
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.web import Session, client_ip, set_session_cookie

CITIZEN_COOKIE = "dd_citizen"
# The app's JSON API: bearer tokens, no cookies (so no CSRF token either).
APP_API_PREFIX = "/api/app/"
PAGES_PREFIX = "/me"
SIGN_IN_PAGE = "/me/login"
APP_DEVICE_HEADER = "x-device-name"


def tools_of(request: Request) -> AccountTools:
    """The account tools of this app."""
    return request.app.state.account_tools  # type: ignore[no-any-return]


Tools = Annotated[AccountTools, Depends(tools_of)]


def channel_of(request: Request) -> Literal["web", "app"]:
    """The app's JSON API is the app channel; pages are the web channel."""
    return "app" if request.url.path.startswith(APP_API_PREFIX) else "web"


def bearer(request: Request) -> str | None:
    """The app's session token from `Authorization: Bearer …`."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def session_id_of(request: Request) -> str | None:
    """The session id this request carries for its channel."""
    if channel_of(request) == "app":
        return bearer(request)
    return request.state.cookies.get(CITIZEN_COOKIE)


def attempt_of(request: Request) -> Attempt:
    """Where a sign-in attempt comes from."""
    return Attempt(
        ip=client_ip(request),
        agent=request.headers.get("user-agent", "")[:500],
        channel=channel_of(request),
        app_device=request.headers.get(APP_DEVICE_HEADER, "")[:60],
    )


def set_citizen_cookie(request: Request, response: Response, sid: str) -> None:
    """The citizen's session cookie."""
    set_session_cookie(request, response, CITIZEN_COOKIE, sid)


def clear_citizen_cookie(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(CITIZEN_COOKIE, path="/")


async def current_citizen(request: Request, session: Session) -> Principal:
    """A signed-in citizen (cookie on pages, bearer token in the app) whose account is not
    locked, within the per-account rate limit; else 401 (pages redirect to sign-in).

    The lock is read from the database at each request (one primary-key read in the
    request's unit of work): a lock the registry sets, on a death for instance, ends the
    sessions at their next use without the registry knowing about sessions."""
    cached = getattr(request.state, "citizen", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    tools = tools_of(request)
    store = tools.sessions_for(channel_of(request))
    sid = session_id_of(request)
    data = await store.get(sid) if sid else None
    principal = principal_of(data, ip=client_ip(request)) if data else None
    if principal is None or data is None:
        raise Unauthorized(N_SIGN_IN, type="not-signed-in")
    # Into the unit of work's identity map: the route's own get_account costs nothing more.
    account = await session.get(Account, uuid.UUID(data.subject))
    if account is None or account.locked:
        await store.destroy(data)
        raise Unauthorized(N_SIGN_IN, type="not-signed-in")
    limit = request.app.state.settings.api_rate_limit
    await tools.limiter.hit(limit, "citizen", principal.id or "-")
    request.state.citizen = principal
    request.state.principal = principal
    return principal


N_SIGN_IN = N_("Sign in to continue.")

CurrentCitizen = Annotated[Principal, Depends(current_citizen)]
