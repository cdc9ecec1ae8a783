"""Pushed authorization requests (RFC 9126): the client sends the request's parameters
over the back channel, authenticated, and gets a `request_uri` to send the browser with.

The pushed request is validated like any authorization request, kept 90 seconds, used
once, and only by the client that pushed it.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from dinhdanh.oidc import authorize
from dinhdanh.oidc.authorize import PageError, Params, RedirectError
from dinhdanh.oidc.client_auth import authenticate_client
from dinhdanh.oidc.oauth_errors import NO_STORE, OAuthError
from dinhdanh.oidc.params import read_form
from dinhdanh.partners import usage
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.kv import KeyValue
from dinhdanh.platform.web import Connection, client_ip

router = APIRouter(prefix="/oidc", tags=["OpenID provider"])

PAR_SECONDS: Final = 90
URN: Final = "urn:ietf:params:oauth:request_uri:"
_KEY: Final = "oidc:par:"
_USED: Final = "oidc:par-used:"
_REFERENCE: Final = re.compile(r"[A-Za-z0-9_-]{32,64}")


class PushedRequestError(OAuthError):
    """A pushed request that does not validate: 400 with the OAuth error code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error


async def push(kv: KeyValue, client_id: str, params: dict[str, str]) -> str:
    """Keep a validated request's parameters for its client; the `request_uri`."""
    reference = secrets.token_urlsafe(32)
    payload = orjson.dumps({"client_id": client_id, "params": params})
    await kv.set(_KEY + reference, payload, ttl=PAR_SECONDS)
    return URN + reference


def _unusable() -> PageError:
    return PageError(
        "invalid_request_uri",
        N_(
            "This sign-in request has expired or was already used. Go back to the service "
            "and start again."
        ),
        "request_uri unknown, expired, used, or pushed by another client",
    )


async def take(kv: KeyValue, request_uri: str, client_id: str | None) -> Params:
    """The parameters pushed under `request_uri`, for this client only, once."""
    reference = request_uri.removeprefix(URN) if request_uri.startswith(URN) else ""
    if not _REFERENCE.fullmatch(reference) or not client_id:
        raise _unusable()
    raw = await kv.get(_KEY + reference)
    if raw is None:
        raise _unusable()
    stored = orjson.loads(raw)
    # Another client presenting it learns nothing and does not use it up.
    if stored["client_id"] != client_id:
        raise _unusable()
    if not await kv.set_if_absent(_USED + reference, b"1", ttl=PAR_SECONDS):
        raise _unusable()
    await kv.delete(_KEY + reference)
    return {name: [value] for name, value in stored["params"].items()}


@router.post("/par", status_code=201)
async def pushed_authorization_request(request: Request, conn: Connection) -> Response:
    """Pushed authorization request (RFC 9126): the client authenticates as at the token
    endpoint and sends the authorization request's parameters; the answer is the
    `request_uri` to send the browser to the authorization endpoint with, for 90 s."""
    state = request.app.state
    await state.limiter.hit(
        state.settings.oidc_authorize_rate_limit, "oidc-par", client_ip(request) or "-"
    )
    form = await read_form(request)
    client = await authenticate_client(
        request, conn, cipher=state.cipher, kv=state.kv, settings=state.settings, form=form
    )
    if "request_uri" in form:
        raise PushedRequestError("invalid_request", "request_uri cannot be pushed")
    if form.get("client_id", client.client_id) != client.client_id:
        raise PushedRequestError("invalid_request", "client_id is not the authenticated client")
    params = {name: [value] for name, value in form.items()}
    try:
        redirect_uri = authorize.check_client(client, params)
        authorize.validate(client, redirect_uri, params)
    except PageError as error:
        raise PushedRequestError("invalid_request", error.description) from None
    except RedirectError as error:
        raise PushedRequestError(error.error, error.description) from None
    request_uri = await push(state.kv, client.client_id, {**form, "client_id": client.client_id})
    await usage.count(state.kv, client.client_id, "par")
    return Response(
        orjson.dumps({"request_uri": request_uri, "expires_in": PAR_SECONDS}),
        status_code=201,
        media_type="application/json",
        headers=NO_STORE,
    )
