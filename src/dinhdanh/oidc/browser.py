"""The citizen's browser as the provider sees it: their web session (who, at which level,
with which factors, since when) and how the browser is sent back to a service.

Sending back needs care: the pages' Content-Security-Policy says `form-action 'self'`,
and Chromium applies it to every redirect that follows a form submission, so a 303 from
the consent form (or from the sign-in form, through the resume URL) to a service's
redirect URI is blocked. A browser coming from one of our own pages therefore gets a
short page that moves on by the `Refresh` header and offers a link; other callers (a
service's link, a test client, a library following redirects) get a plain redirect.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import signin
from dinhdanh.accounts.web import (
    CITIZEN_COOKIE,
    attempt_of,
    current_citizen,
    tools_of,
)
from dinhdanh.platform import i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Unauthorized
from dinhdanh.platform.sessions import SessionData
from dinhdanh.platform.web import LANG_COOKIE, render

# The sign-in methods of the accounts context as authentication method references
# (RFC 8176). A passkey is checked with user verification: possession and a PIN or
# biometric on the device, two factors by itself.
AMR_OF_METHOD: Final[dict[str, tuple[str, ...]]] = {
    "password": ("pwd",),
    "initial": ("pwd",),
    "totp": ("pwd", "otp", "mfa"),
    "sms": ("pwd", "sms", "mfa"),
    "recovery": ("pwd", "otp", "mfa"),
    "passkey": ("hwk", "user", "mfa"),
}
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class SignedIn:
    """A signed-in citizen's web session."""

    principal: Principal
    data: SessionData

    @property
    def account_id(self) -> str:
        """The account's id."""
        return self.data.subject

    @property
    def citizen_id(self) -> uuid.UUID:
        """The citizen's registry id."""
        assert self.principal.citizen_id is not None
        return self.principal.citizen_id

    @property
    def level(self) -> int:
        """The account's level when the citizen signed in (a level change ends sessions)."""
        return int(self.data.extra.get("lvl", 1))

    @property
    def signed_in_at(self) -> float:
        """When the citizen signed in (epoch seconds): the session is made then."""
        return self.data.created

    @property
    def auth_time(self) -> dt.datetime:
        """The sign-in time as OIDC `auth_time`."""
        return dt.datetime.fromtimestamp(self.data.created, dt.UTC)

    @property
    def sid(self) -> str:
        """The session's public name (OIDC `sid`): never the session id itself."""
        return self.data.handle


async def signed_in(request: Request, session: AsyncSession) -> SignedIn | None:
    """The citizen signed in on this browser (account not locked), or None."""
    try:
        principal = await current_citizen(request, session)
    except Unauthorized:
        return None
    tools = tools_of(request)
    data = await tools.web_sessions.get(request.state.cookies.get(CITIZEN_COOKIE), touch=False)
    return SignedIn(principal, data) if data is not None else None


def amr_of(who: SignedIn) -> list[str]:
    """The factors the citizen signed in with (the session records its sign-in method)."""
    return list(AMR_OF_METHOD.get(str(who.data.extra.get("m")), ("pwd",)))


async def sign_out(request: Request, session: AsyncSession) -> None:
    """End the browser's web session (audited by the accounts context); the pages rendered
    after it show nobody signed in. The caller drops the cookie from its response."""
    await signin.sign_out(
        session,
        tools=tools_of(request),
        sid=request.state.cookies.get(CITIZEN_COOKIE),
        channel="web",
        ip=attempt_of(request).ip,
    )
    request.state.citizen = None
    request.state.principal = Principal.anonymous(attempt_of(request).ip)


def speak(request: Request, locale: str | None) -> bool:
    """Render this request's pages in the language a service asked for (`ui_locales`),
    unless the citizen chose one on this browser; True when it applies."""
    if not locale or LANG_COOKIE in request.state.cookies:
        return False
    i18n.set_language(locale)
    return True


def from_our_pages(request: Request) -> bool:
    """True when the browser says this navigation started on one of our own pages."""
    return request.headers.get("sec-fetch-site") == "same-origin"


def send_back(request: Request, url: str, *, service: str) -> Response:
    """Send the browser to a service's address: a redirect, or (coming from our own
    pages, where the form-action policy would block a redirect) the hand-over page."""
    if not from_our_pages(request):
        status = 303 if request.method == "POST" else 302
        return RedirectResponse(url, status_code=status, headers=NO_STORE)
    response = render(request, "oidc/handover.html", url=url, service=service)
    response.headers.update({**NO_STORE, "Refresh": f"0; url={url}"})
    return response
