"""Signing in and out with dinhdanh, as any OpenID Connect relying party would: Authlib's
Starlette client, the provider's discovery document, the authorization-code flow with PKCE
(S256), state and nonce, `client_secret_basic` at the token endpoint, the ID token checked
against the published JWKS, and RP-initiated logout."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tamtru.problems import PROBLEMS, from_provider
from tamtru.settings import Settings
from tamtru.web import csrf_ok, current_signin, lang_of, now, problem_page

_ACR = re.compile(r"urn:dinhdanh:loa:(\d+)")
# ID-token claims that describe the token, not the citizen: not kept with the sign-in.
_TOKEN_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "nbf", "nonce", "at_hash", "azp", "jti"})


def provider_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> StarletteOAuth2App:
    """The OAuth client for the provider (`transport` lets tests answer in-process)."""
    client_kwargs: dict[str, Any] = {
        "scope": settings.scopes,
        "code_challenge_method": "S256",
        "token_endpoint_auth_method": "client_secret_basic",
        "timeout": 10,
    }
    if transport is not None:
        client_kwargs["transport"] = transport
    oauth = OAuth()
    return oauth.register(
        "dinhdanh",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs=client_kwargs,
    )


def level_of(acr: object) -> int:
    """The account level an `acr` value names (0 for an unknown value)."""
    m = _ACR.fullmatch(acr) if isinstance(acr, str) else None
    return int(m.group(1)) if m else 0


async def login(request: Request) -> Response:
    """Send the citizen to dinhdanh to sign in and consent."""
    settings: Settings = request.app.state.settings
    provider: StarletteOAuth2App = request.app.state.provider
    extra = {"ui_locales": lang_of(request)}
    if settings.acr:
        extra["acr_values"] = settings.acr
    try:
        return await provider.authorize_redirect(request, settings.redirect_uri, **extra)
    except httpx.HTTPError:
        return problem_page(request, PROBLEMS["unreachable"])


async def callback(request: Request) -> Response:
    """Where dinhdanh sends the citizen back: redeem the code, check the ID token, keep the
    released claims for the form."""
    settings: Settings = request.app.state.settings
    provider: StarletteOAuth2App = request.app.state.provider
    issuer = settings.issuer.rstrip("/")
    # RFC 9207: the provider says (in its discovery document) that it always names itself;
    # an answer without `iss`, or from another issuer, is not its answer.
    if request.query_params.get("iss") != issuer:
        return problem_page(request, PROBLEMS["unverified"])
    # Authlib checks the signature, nonce, expiry and at_hash; the issuer and the audience
    # only when told (OIDC Core §3.1.3.7, steps 2 and 3).
    expected = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": settings.client_id},
    }
    try:
        token = await provider.authorize_access_token(request, claims_options=expected)
    except OAuthError as e:
        return problem_page(request, from_provider(e.error or "", e.description))
    except httpx.HTTPError:
        return problem_page(request, PROBLEMS["unreachable"])
    except (JoseError, ValueError):
        return problem_page(request, PROBLEMS["unverified"])
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub") or "id_token" not in token:
        return problem_page(request, PROBLEMS["unverified"])
    if settings.level and level_of(claims.get("acr")) < settings.level:
        return problem_page(request, PROBLEMS["level"])
    if "name" not in claims:
        # A provider may release the claims at userinfo only (OIDC Core §5.4).
        claims.update(await _userinfo(provider, token, claims["sub"]))
    signin_id = await run_in_threadpool(
        request.app.state.store.add_signin,
        subject=claims["sub"],
        claims={k: v for k, v in claims.items() if k not in _TOKEN_CLAIMS},
        id_token=token["id_token"],
        ttl=timedelta(minutes=settings.signin_minutes),
        now=now(request),
    )
    previous = request.session.get("signin")
    if isinstance(previous, str):
        await run_in_threadpool(request.app.state.store.drop_signin, previous)
    request.session["signin"] = signin_id
    return RedirectResponse("/form", status_code=303)


async def _userinfo(provider: StarletteOAuth2App, token: dict, sub: str) -> dict[str, Any]:
    """The userinfo answer, if the provider has the endpoint and the answer is about the
    same subject (OIDC Core §5.3.2); nothing otherwise."""
    metadata = await provider.load_server_metadata()
    if not metadata.get("userinfo_endpoint"):
        return {}
    try:
        info = await provider.userinfo(token=token)
    except (httpx.HTTPError, OAuthError):
        return {}
    return dict(info) if info.get("sub") == sub else {}


async def logout(request: Request) -> Response:
    """Sign out here, then at dinhdanh (RP-initiated logout with the ID token as hint),
    which sends the citizen back to the home page."""
    if not await csrf_ok(request):
        return problem_page(request, PROBLEMS["form_expired"])
    settings: Settings = request.app.state.settings
    provider: StarletteOAuth2App = request.app.state.provider
    signin = await current_signin(request)
    lang = lang_of(request)
    request.session.clear()
    request.session["lang"] = lang
    if signin is None:
        return RedirectResponse("/", status_code=303)
    await run_in_threadpool(request.app.state.store.drop_signin, signin.id)
    try:
        return await provider.logout_redirect(
            request,
            post_logout_redirect_uri=settings.post_logout_redirect_uri,
            id_token_hint=signin.id_token,
            client_id=settings.client_id,
            ui_locales=lang,
        )
    except (httpx.HTTPError, RuntimeError):  # unreachable, or no end_session_endpoint
        return RedirectResponse("/?signed_out=1", status_code=303)


async def signed_out(request: Request) -> bool:
    """Whether this visit is the return from dinhdanh's logout (its `state` checked)."""
    if request.query_params.get("signed_out") == "1":
        return True
    if "state" not in request.query_params:
        return False
    provider: StarletteOAuth2App = request.app.state.provider
    try:
        await provider.validate_logout_response(request)
    except OAuthError:
        return False
    return True
