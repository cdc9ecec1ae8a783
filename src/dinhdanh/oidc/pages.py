"""The authorization endpoint and the citizen's pages of a sign-in at a service: the
consent page, the "level too low" page, and the error page for a request that cannot be
answered to its client.

A request is validated once and kept under a random id; the browser comes back to
`/oidc/authorize/resume/{id}` after signing in. Every step (resume, the consent page and
its form) runs the same gate: the client still usable, the citizen signed in recently
enough for `prompt` and `max_age`, at the level required.
"""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc import authorize, codes, consents, par
from dinhdanh.oidc.authorize import AuthorizationRequest, PageError, RedirectError
from dinhdanh.oidc.browser import NO_STORE, SignedIn, amr_of, send_back, signed_in, speak
from dinhdanh.oidc.client_auth import issuer_of
from dinhdanh.oidc.consent_view import claim_rows
from dinhdanh.partners import usage
from dinhdanh.partners.clients import RelyingParty, load_client
from dinhdanh.platform import audit, clock
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.web import LANG_COOKIE, Session, client_ip, render

router = APIRouter(prefix="/oidc", tags=["OpenID provider"], include_in_schema=False)

SIGN_IN: Final = "/me/login"
# Services may form-post the authorization request from their own site (OIDC Core
# §3.1.2.1): it changes nothing a top-level GET to the same address could not.
CSRF_EXEMPT: Final = ("/oidc/authorize",)
EXPIRED = PageError(
    "invalid_request",
    N_(
        "This sign-in request has expired or was already answered. Go back to the service "
        "and start again."
    ),
    "unknown or expired authorization request",
)


def error_page(request: Request, error: PageError) -> Response:
    """A request that cannot be answered to its client: said on a page, sent nowhere."""
    return render(request, "oidc/error.html", status=400, error=error.error, message=error.message)


def _to_client(
    request: Request, pending: AuthorizationRequest, client: RelyingParty, **answer: str | None
) -> Response:
    url = authorize.answer_url(
        pending.redirect_uri, issuer_of(request.app.state.settings), state=pending.state, **answer
    )
    return send_back(request, url, service=client.name)


async def _error(
    request: Request,
    pending: AuthorizationRequest,
    client: RelyingParty,
    error: str,
    description: str,
) -> Response:
    """Answer the client with an error; the request is used up."""
    if not await authorize.finish_pending(request.app.state.kv, pending):
        return error_page(request, EXPIRED)
    return _to_client(request, pending, client, error=error, error_description=description)


async def _to_sign_in(
    request: Request, session: AsyncSession, pending: AuthorizationRequest, who: SignedIn | None
) -> Response:
    """To the citizen's sign-in page, coming back here after. A session too old for the
    request (prompt=login, max_age) asks the page for a fresh sign-in (`again`), which
    replaces the session only when it succeeds: a link cannot sign anybody out."""
    again = "&again=true" if who is not None else ""
    response = RedirectResponse(
        f"{SIGN_IN}?next={quote(authorize.resume_path(pending))}{again}", status_code=303
    )
    if speak(request, pending.ui_locale):
        # The sign-in page, not ours, reads the language from the cookie.
        response.set_cookie(LANG_COOKIE, pending.ui_locale or "", samesite="lax", httponly=True)
    return response


def _needs_sign_in(pending: AuthorizationRequest, who: SignedIn | None) -> bool:
    if who is None:
        return True
    if who.signed_in_at >= pending.created:
        return False  # signed in during this request: fresh enough for anything
    if "login" in pending.prompt:
        return True
    age = clock.now().timestamp() - who.signed_in_at
    return pending.max_age is not None and age > pending.max_age


async def _gate(
    request: Request, session: AsyncSession, pending: AuthorizationRequest
) -> Response | tuple[RelyingParty, SignedIn]:
    """The checks of every step: the client, the sign-in, the level. A response to send
    when one fails; else the client and the signed-in citizen."""
    speak(request, pending.ui_locale)
    client = await load_client(session, pending.client_id)
    try:
        # Still usable, and the redirect URI still registered.
        authorize.check_client(client, {"redirect_uri": [pending.redirect_uri]})
    except PageError as error:
        await authorize.finish_pending(request.app.state.kv, pending)
        return error_page(request, error)
    assert client is not None
    who = await signed_in(request, session)
    if _needs_sign_in(pending, who):
        if "none" in pending.prompt:
            return await _error(request, pending, client, "login_required", "sign-in required")
        return await _to_sign_in(request, session, pending, who)
    assert who is not None
    if who.level < pending.level:
        if "none" in pending.prompt:
            return await _error(
                request, pending, client, "interaction_required", f"level {pending.level} required"
            )
        back = authorize.error_url(
            pending.redirect_uri,
            issuer_of(request.app.state.settings),
            "access_denied",
            f"level {pending.level} required",
            pending.state,
        )
        return render(
            request,
            "oidc/level.html",
            status=403,
            client=client,
            required=pending.level,
            level=who.level,
            back=back,
        )
    return client, who


async def _new_code(
    request: Request,
    session: AsyncSession,
    pending: AuthorizationRequest,
    client: RelyingParty,
    who: SignedIn,
    granted: list[str],
) -> str | None:
    """A code for the granted claims (the caller has taken the request); None when the
    account or the citizen may not sign in any more."""
    try:
        code = await codes.issue(
            session=session,
            client_id=client.client_id,
            citizen_id=who.citizen_id,
            redirect_uri=pending.redirect_uri,
            scopes=pending.scopes,
            claims=consents.with_their_companions(granted),
            nonce=pending.nonce,
            code_challenge=pending.code_challenge,
            level=who.level,
            amr=amr_of(who),
            auth_time=who.auth_time,
            sid=who.sid,
        )
    except codes.NoCodeForThisCitizen:
        return None
    await audit.record(
        session,
        actor=who.principal,
        action="oidc.signed_in",
        subject_type="oidc_client",
        subject_id=client.client_id,
        citizen_id=who.citizen_id,
        data={
            "client_id": client.client_id,
            "service": client.name,
            "partner": client.partner_name,
            "level": who.level,
        },
    )
    await usage.count(request.app.state.kv, client.client_id, "authorize")
    return code


def _code_answer(
    request: Request, pending: AuthorizationRequest, client: RelyingParty, code: str | None
) -> Response:
    if code is None:
        return _to_client(
            request, pending, client, error="access_denied", error_description="account unusable"
        )
    return _to_client(request, pending, client, code=code)


async def _proceed(
    request: Request, session: AsyncSession, pending: AuthorizationRequest
) -> Response:
    """Where the request stands: sign in, a page, a remembered consent, or the answer."""
    gate = await _gate(request, session, pending)
    if isinstance(gate, Response):
        return gate
    client, who = gate
    kept = await consents.remembered(session, citizen_id=who.citizen_id, client_id=client.client_id)
    if "consent" not in pending.prompt and consents.covers(kept, pending.scopes, pending.required):
        assert kept is not None
        if not await authorize.finish_pending(request.app.state.kv, pending):
            return error_page(request, EXPIRED)
        granted = consents.remembered_grant(kept, pending.claims)
        code = await _new_code(request, session, pending, client, who, granted)
        return _code_answer(request, pending, client, code)
    if "none" in pending.prompt:
        return await _error(request, pending, client, "consent_required", "consent required")
    return RedirectResponse(f"/oidc/consent?request={pending.id}", status_code=303)


async def _start(request: Request, session: AsyncSession, params: authorize.Params) -> Response:
    """Validate a new authorization request (or a pushed one), keep it, and go on. Each
    one is kept for a while: a client address may start only so many."""
    state = request.app.state
    await state.limiter.hit(
        state.settings.oidc_authorize_rate_limit, "oidc-authorize", client_ip(request) or "-"
    )
    kv = state.kv
    try:
        client_id = authorize.client_id_of(params)
        request_uri = authorize.request_uri_of(params)
        if request_uri is not None:
            params = await par.take(kv, request_uri, client_id)
        client = await load_client(session, client_id) if client_id else None
        redirect_uri = authorize.check_client(client, params)
    except PageError as error:
        return error_page(request, error)
    assert client is not None
    try:
        pending = authorize.validate(client, redirect_uri, params)
    except RedirectError as error:
        url = authorize.error_url(
            redirect_uri,
            issuer_of(request.app.state.settings),
            error.error,
            error.description,
            authorize.state_of(params),
        )
        return send_back(request, url, service=client.name)
    return await _proceed(request, session, await authorize.store_pending(kv, pending))


@router.get("/authorize")
async def authorization(request: Request, session: Session) -> Response:
    """The authorization endpoint (OIDC Core §3.1.2): code flow with PKCE S256."""
    return await _start(request, session, authorize.params_of(request.query_params.multi_items()))


@router.post("/authorize")
async def authorization_form(request: Request, session: Session) -> Response:
    """The authorization endpoint with the parameters form-posted (OIDC Core §3.1.2.1)."""
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return await _start(request, session, authorize.params_of(items))


@router.get("/authorize/resume/{pending_id}")
async def resume(request: Request, session: Session, pending_id: str) -> Response:
    """Back from signing in: continue the request kept under this id."""
    pending = await authorize.load_pending(request.app.state.kv, pending_id)
    if pending is None:
        return error_page(request, EXPIRED)
    return await _proceed(request, session, pending)


# ---------------------------------------------------------------- consent


@router.get("/consent")
async def consent_form(request: Request, session: Session) -> Response:
    """The consent page: the service, its partner and declared purpose, and each piece of
    data it asks for with the citizen's value; the optional ones can be unticked."""
    pending = await authorize.load_pending(
        request.app.state.kv, request.query_params.get("request")
    )
    if pending is None:
        return error_page(request, EXPIRED)
    gate = await _gate(request, session, pending)
    if isinstance(gate, Response):
        return gate
    client, who = gate
    if "none" in pending.prompt:
        return await _error(request, pending, client, "consent_required", "consent required")
    rows = await claim_rows(session=session, citizen_id=who.citizen_id, request=pending)
    page = render(request, "oidc/consent.html", client=client, pending=pending, rows=rows)
    page.headers.update(NO_STORE)  # the citizen's data: no copy in any cache
    return page


@router.post("/consent")
async def consent(
    request: Request,
    session: Session,
    request_id: Annotated[str, Form(alias="request", max_length=64)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    claims: Annotated[list[str], Form(max_length=64)] = [],  # noqa: B006 (FastAPI's default)
) -> Response:
    """Allow (with the optional claims ticked) or deny; the answer goes to the service."""
    kv = request.app.state.kv
    pending = await authorize.load_pending(kv, request_id)
    if pending is None:
        return error_page(request, EXPIRED)
    gate = await _gate(request, session, pending)
    if isinstance(gate, Response):
        return gate
    client, who = gate
    if decision != "allow":
        return await _error(request, pending, client, "access_denied", "the citizen refused")
    if not await authorize.finish_pending(kv, pending):
        return error_page(request, EXPIRED)
    granted = consents.granted_claims(pending.claims, pending.required, claims)
    code = await _new_code(request, session, pending, client, who, granted)
    if code is not None:
        await consents.grant(
            session=session,
            actor=who.principal,
            client=client,
            citizen_id=who.citizen_id,
            scopes=pending.scopes,
            requested=pending.claims,
            granted=granted,
        )
    return _code_answer(request, pending, client, code)
