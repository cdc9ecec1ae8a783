"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

With a valid `id_token_hint` the service has shown it knows the session: the citizen's
web session here ends (when it is the hint's), the tokens issued in that session are
revoked, and the browser goes to the `post_logout_redirect_uri` registered for that
client. Without one, anybody could have sent the browser here: the citizen confirms on a
page whose form goes to the CSRF-protected `/oidc/logout/confirm`.

`/oidc/logout` itself takes cross-site form posts, so the app exempts that one path from
the CSRF check; the confirmation beside it keeps the platform's check.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.web import clear_citizen_cookie
from dinhdanh.oidc import grants
from dinhdanh.oidc.authorize import preferred_locale
from dinhdanh.oidc.browser import SignedIn, send_back, sign_out, signed_in, speak
from dinhdanh.oidc.client_auth import issuer_of
from dinhdanh.oidc.keys import InvalidIdToken, verify_id_token
from dinhdanh.oidc.models import AuthorizationCode
from dinhdanh.oidc.release import client_principal
from dinhdanh.oidc.subject import subject
from dinhdanh.partners import usage
from dinhdanh.partners.clients import RelyingParty, load_client
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import Session, render

router = APIRouter(prefix="/oidc", tags=["OpenID provider"], include_in_schema=False)

_PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


def _logout_params(items: Any) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in items:
        if name in _PARAMS and isinstance(value, str) and value and len(value) <= 16_384:
            params.setdefault(name, value)
    return params


async def _hint(
    request: Request, session: AsyncSession, params: dict[str, str]
) -> dict[str, Any] | None:
    """The claims of a valid `id_token_hint` (ours, for the client named if one is)."""
    token = params.get("id_token_hint")
    if not token:
        return None
    try:
        return await verify_id_token(
            session,
            token,
            issuer=issuer_of(request.app.state.settings),
            audience=params.get("client_id"),
        )
    except InvalidIdToken:
        return None


def _audience(claims: dict[str, Any]) -> str | None:
    aud = claims.get("aud")
    if isinstance(aud, list):
        return str(claims.get("azp") or (aud[0] if len(aud) == 1 else "")) or None
    return str(aud) if aud else None


def _target(client: RelyingParty | None, params: dict[str, str]) -> str | None:
    """Where to send the browser after: the client's registered post-logout URI, with
    `state`; None when absent or not registered (then nowhere)."""
    uri = params.get("post_logout_redirect_uri")
    if client is None or not client.usable or uri not in client.post_logout_redirect_uris:
        return None
    assert uri is not None
    state = params.get("state")
    if not state:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode({'state': state})}"


async def _citizen_of_session(session: AsyncSession, sid: str, client_id: str) -> uuid.UUID | None:
    """The citizen whose provider session `sid` this client's codes came from."""
    return await session.scalar(
        select(AuthorizationCode.citizen_id)
        .where(AuthorizationCode.sid == sid, AuthorizationCode.client_id == client_id)
        .limit(1)
    )


async def _end_session_tokens(
    request: Request, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID, sid: str
) -> None:
    """Revoke the tokens issued in the provider session `sid` (every client's)."""
    ended = await grants.revoke_grants(
        session=session, kv=request.app.state.kv, citizen_id=citizen_id, sid=sid
    )
    if ended:
        await grants.audit_revocation(
            session,
            actor=actor,
            citizen_id=citizen_id,
            reason="logout",
            families=ended,
        )


def _signed_out_page(request: Request, client: RelyingParty | None, target: str | None) -> Response:
    if target is not None and client is not None:
        return send_back(request, target, service=client.name)
    return render(request, "oidc/logged_out.html", client=client)


async def _end_hinted_session(
    request: Request,
    session: AsyncSession,
    claims: dict[str, Any],
    client: RelyingParty,
    who: SignedIn | None,
) -> bool:
    """End the session a valid hint names: this browser's when it is that session (or
    that citizen's), and the tokens issued in it. True when this browser was signed out."""
    sid = str(claims.get("sid") or "")
    # The hint names this browser's session (by `sid` when it carries one; a hint for
    # another session of the same citizen is not this one, and the citizen is asked).
    mine = who is not None and (
        sid == who.sid
        if sid
        else claims.get("sub")
        == subject(request.app.state.cipher, who.citizen_id, client.partner_id)
    )
    citizen_id = who.citizen_id if mine and who is not None else None
    if mine:
        await sign_out(request, session)
    if sid:
        citizen_id = citizen_id or await _citizen_of_session(session, sid, client.client_id)
        if citizen_id is not None:
            actor = who.principal if mine and who is not None else client_principal(client)
            await _end_session_tokens(request, session, actor, citizen_id, sid)
    await usage.count(request.app.state.kv, client.client_id, "logout")
    return mine


async def _logout(request: Request, session: AsyncSession, params: dict[str, str]) -> Response:
    speak(request, preferred_locale(params.get("ui_locales")))
    claims = await _hint(request, session, params)
    client_id = params.get("client_id") or (_audience(claims) if claims else None)
    client = await load_client(session, client_id) if client_id else None
    target = _target(client, params)
    who = await signed_in(request, session)
    if claims is not None and client is not None:
        mine = await _end_hinted_session(request, session, claims, client, who)
        if mine or who is None:
            response = _signed_out_page(request, client, target)
            if mine:
                clear_citizen_cookie(response)
            return response
    elif who is None:
        return _signed_out_page(request, client, target)
    # Someone is signed in here whom no valid hint names: they decide.
    return render(
        request,
        "oidc/logout_confirm.html",
        client=client,
        target_client=client.client_id if target and client else "",
        target_uri=params.get("post_logout_redirect_uri", "") if target else "",
        state=params.get("state", "") if target else "",
    )


@router.get("/logout")
async def logout(request: Request, session: Session) -> Response:
    """RP-initiated logout: `id_token_hint`, `client_id`, `post_logout_redirect_uri`,
    `state`."""
    return await _logout(request, session, _logout_params(request.query_params.multi_items()))


@router.post("/logout")
async def logout_form(request: Request) -> Response:
    """RP-initiated logout with the parameters form-posted: answered by a redirect to the
    GET form, because the session cookie (SameSite=Lax) does not come with another site's
    POST, and a logout that cannot see the session would only pretend to end it."""
    form = await request.form(max_fields=20)
    query = urlencode(_logout_params(form.multi_items()))
    return RedirectResponse(f"/oidc/logout?{query}", status_code=303)


@router.post("/logout/confirm")
async def logout_confirm(
    request: Request,
    session: Session,
    client_id: Annotated[str, Form(max_length=64)] = "",
    post_logout_redirect_uri: Annotated[str, Form(max_length=2000)] = "",
    state: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The citizen confirmed: sign out here, end this session's tokens, and go back to the
    service when it named a registered address."""
    client = await load_client(session, client_id) if client_id else None
    target = _target(client, {"post_logout_redirect_uri": post_logout_redirect_uri, "state": state})
    who = await signed_in(request, session)
    if who is not None:
        await sign_out(request, session)
        await _end_session_tokens(request, session, who.principal, who.citizen_id, who.sid)
    response = _signed_out_page(request, client, target)
    clear_citizen_cookie(response)
    return response
