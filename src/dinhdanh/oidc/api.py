"""The provider's back-channel routes: discovery, JWKS, token, userinfo, revocation and
introspection. Errors here are OAuth JSON (see oauth_errors.py), not problem+json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Final, TypeVar

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from dinhdanh.oidc import (
    code_grant,
    grants,  # noqa: F401  (subscribes to the lock and suspension events)
    introspection,
    tokens,
)
from dinhdanh.oidc.client_auth import authenticate_client, issuer_of
from dinhdanh.oidc.discovery import metadata
from dinhdanh.oidc.issuance import Provider
from dinhdanh.oidc.oauth_errors import NO_STORE, OAuthError
from dinhdanh.oidc.params import bearer_token, read_form
from dinhdanh.partners import usage
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform.db import Executor
from dinhdanh.platform.web import client_ip

router = APIRouter(tags=["openid-provider"])
# Back-channel paths: clients authenticate themselves, no browser cookie is involved.
CSRF_EXEMPT: Final = (
    "/oidc/token",
    "/oidc/par",
    "/oidc/revoke",
    "/oidc/introspect",
    "/oidc/userinfo",
    "/oidc/logout",
)
_PUBLIC_CACHE: Final = {"Cache-Control": "public, max-age=300"}
# A new key signs within a minute of a rotation (keys.CACHE_SECONDS): relying parties
# that do not refetch on an unknown kid should not keep the set longer.
_JWKS_CACHE: Final = {"Cache-Control": "public, max-age=60"}
T = TypeVar("T")


def _json(body: Any, headers: dict[str, str], status: int = 200) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _provider(request: Request, *, signing_key: Any = None) -> Provider:
    state = request.app.state
    return Provider(
        issuer=issuer_of(state.settings),
        kv=state.kv,
        cipher=state.cipher,
        signing_key=signing_key,
        client_ip=client_ip(request),
    )


async def _authenticated(request: Request) -> tuple[RelyingParty, dict[str, str]]:
    """The calling client (from the process's short cache of clients) and the form."""
    state = request.app.state
    form = await read_form(request)
    client = await authenticate_client(
        request,
        state.relying_parties,
        cipher=state.cipher,
        kv=state.kv,
        settings=state.settings,
        form=form,
    )
    return client, form


async def _committing(
    unit: AbstractAsyncContextManager[Any], work: Callable[[Any], Awaitable[T]]
) -> T:
    """Run `work` in one unit of work. An OAuth error is answered after the unit commits:
    what was written before it (a spent code, a revoked family) must stay."""
    failure: OAuthError | None = None
    async with unit as executor:
        try:
            return await work(executor)
        except OAuthError as exc:
            failure = exc
    assert failure is not None
    raise failure


async def token(request: Request) -> Response:
    """The token endpoint: authorization_code (PKCE), refresh_token, client_credentials.

    A plain Starlette route (registered below), not a FastAPI one: the hot path skips
    dependency resolution (it reads its own form and needs no CSRF check); it is
    therefore described by the discovery document rather than the OpenAPI one."""
    state = request.app.state
    client, form = await _authenticated(request)
    grant_type = tokens.grant_type_of(client, form)
    if grant_type == "client_credentials":
        body = await tokens.client_credentials_grant(_provider(request), client, form)
        return _json(body, NO_STORE)
    # Loaded before any transaction opens (the first use makes the key on its own).
    provider = _provider(request, signing_key=await state.oidc_keys.signing_key())
    if grant_type == "refresh_token":
        body = await tokens.refresh_grant(state.db, provider, client, form)
    else:  # the code grant releases registry data through the ORM, in one transaction
        body = await _committing(
            state.db.unit_of_work(),
            lambda session: code_grant.redeem(session, provider, client, form),
        )
    return _json(body, NO_STORE)


# First of the router: the busiest route is matched first.
router.add_route("/oidc/token", token, methods=["POST"], include_in_schema=False)


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> Response:
    """OpenID Connect discovery: the provider's endpoints and what it supports."""
    return _json(metadata(issuer_of(request.app.state.settings)), _PUBLIC_CACHE)


@router.get("/oidc/jwks")
async def jwks(request: Request) -> Response:
    """The public keys that sign ID tokens: the current one and the retired ones still
    published."""
    return _json(await request.app.state.oidc_keys.jwks(), _JWKS_CACHE)


async def _userinfo(request: Request) -> Response:
    state = request.app.state
    access_token = bearer_token(request)
    async with state.db.unit_of_work() as session:
        client, claims = await introspection.userinfo(
            session, state.kv, state.cipher, access_token, client_ip=client_ip(request)
        )
    await usage.count(state.kv, client.client_id, "userinfo")
    return _json(claims, NO_STORE)


@router.get("/oidc/userinfo")
async def userinfo_get(request: Request) -> Response:
    """The consented claims of the citizen the bearer access token was issued for."""
    return await _userinfo(request)


@router.post("/oidc/userinfo")
async def userinfo_post(request: Request) -> Response:
    """The consented claims of the citizen the bearer access token was issued for."""
    return await _userinfo(request)


@router.post("/oidc/revoke")
async def revoke(request: Request) -> Response:
    """RFC 7009: revoke one of the calling client's tokens (a refresh token ends its
    family). Always 200 for a token it cannot revoke."""
    state = request.app.state

    client, form = await _authenticated(request)

    async def work(executor: Executor) -> None:
        await introspection.revoke(executor, state.kv, client, form, client_ip=client_ip(request))
        await usage.count(state.kv, client.client_id, "revoke")

    await _committing(state.db.connection(), work)
    return Response(status_code=200, headers=NO_STORE)


@router.post("/oidc/introspect")
async def introspect(request: Request) -> Response:
    """RFC 7662: whether one of the calling client's tokens is active, and what it stands
    for; another client's token is inactive."""
    state = request.app.state
    issuer = issuer_of(state.settings)
    client, form = await _authenticated(request)

    async def work(executor: Any) -> dict[str, Any]:
        body = await introspection.introspect(
            executor, state.kv, state.cipher, client, form, issuer=issuer
        )
        await usage.count(state.kv, client.client_id, "introspect")
        return body

    return _json(await _committing(state.db.unit_of_work(), work), NO_STORE)
