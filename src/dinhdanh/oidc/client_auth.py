"""Client authentication at the back-channel endpoints (token, PAR, revocation,
introspection): each client by the one method it registered.

- `client_secret_basic` (RFC 6749 §2.3.1): HTTP Basic with the form-encoded client id
  and secret; the secret is checked by HMAC (see `partners.clients.secret_matches`).
- `private_key_jwt` (OIDC Core §9, RFC 7523 §3): `client_assertion` signed (ES256 or
  RS256) by a key of the client's registered JWK Set, `iss` = `sub` = the client id,
  `aud` the issuer or the endpoint's URL, `exp` in the future, and a `jti` used once
  (remembered in the key-value store until the assertion expires).

`client_secret_post` and unauthenticated (public) clients are not offered. A client of a
suspended or pending partner, or a disabled client, fails like a wrong secret:
`invalid_client`.

The token, revocation and introspection endpoints look the client up in the process's
short cache (`partners.clients.RelyingParties`: at most 5 s old, dropped at once by a
change made in the same process); PAR reads it on its own connection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote_plus

import orjson
from fastapi import Request
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from dinhdanh.oidc.oauth_errors import InvalidClient, InvalidRequest
from dinhdanh.oidc.params import read_form
from dinhdanh.partners.clients import (
    RelyingParties,
    RelyingParty,
    load_client,
    secret_matches,
)
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.db import Executor
from dinhdanh.platform.kv import KeyValue
from dinhdanh.settings import Settings

ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGS: Final = ("ES256", "RS256")
AUTH_METHODS: Final = ("client_secret_basic", "private_key_jwt")
JTI_PREFIX: Final = "oidc:jti:"
# Clock skew tolerated on an assertion's exp/nbf/iat; and its longest accepted life (its
# jti is remembered that long).
LEEWAY_SECONDS: Final = 30
MAX_ASSERTION_SECONDS: Final = 24 * 3600
_BASIC_CHALLENGE: Final = {"WWW-Authenticate": 'Basic realm="dinhdanh"'}


def issuer_of(settings: Settings) -> str:
    """The provider's issuer identifier: the public URL without a trailing slash."""
    return settings.public_url.rstrip("/")


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient("malformed Basic credentials", headers=_BASIC_CHALLENGE) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("malformed Basic credentials", headers=_BASIC_CHALLENGE)
    return unquote_plus(client_id), unquote_plus(secret)


# Where a client is looked up: the process cache, or a read on the caller's connection.
Clients = RelyingParties | Executor


async def _usable(clients: Clients, client_id: str, method: str, **fail: Any) -> RelyingParty:
    if isinstance(clients, RelyingParties):
        client = await clients.get(client_id)
    else:
        client = await load_client(clients, client_id)
    if client is None or client.auth_method != method or not client.usable:
        raise InvalidClient("client authentication failed", **fail)
    return client


async def _by_secret(
    clients: Clients, cipher: FieldCipher, client_id: str, secret: str, form_id: str | None
) -> RelyingParty:
    if form_id is not None and form_id != client_id:
        raise InvalidRequest("client_id differs from the authenticated client")
    client = await _usable(clients, client_id, "client_secret_basic", headers=_BASIC_CHALLENGE)
    if not secret_matches(cipher, client, secret):
        raise InvalidClient("client authentication failed", headers=_BASIC_CHALLENGE)
    return client


def _audiences(claims: Mapping[str, Any]) -> list[Any]:
    aud = claims.get("aud")
    return aud if isinstance(aud, list) else [aud]


def _check_assertion_claims(claims: Mapping[str, Any], client_id: str, accepted: set[str]) -> int:
    """The assertion's remaining life in seconds, once its claims are right."""
    now = clock.now().timestamp()
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidClient("assertion iss and sub must be the client_id")
    if not accepted.intersection(a for a in _audiences(claims) if isinstance(a, str)):
        raise InvalidClient("assertion audience is not this provider")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now - LEEWAY_SECONDS:
        raise InvalidClient("assertion expired or without exp")
    if exp > now + MAX_ASSERTION_SECONDS:
        raise InvalidClient("assertion lives too long")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now + LEEWAY_SECONDS:
        raise InvalidClient("assertion not yet valid")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 256:
        raise InvalidClient("assertion without jti")
    return max(1, int(exp - now) + LEEWAY_SECONDS)


def _unverified_issuer(assertion: str) -> str:
    """The `iss` of an assertion, read before its signature can be checked (it names the
    client whose keys check it)."""
    try:
        claims = orjson.loads(jws.extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, orjson.JSONDecodeError):
        raise InvalidClient("malformed client_assertion") from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise InvalidClient("client_assertion without iss")
    return issuer


async def _by_assertion(
    request: Request,
    clients: Clients,
    kv: KeyValue,
    settings: Settings,
    form: Mapping[str, str],
) -> RelyingParty:
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise InvalidClient("unsupported client_assertion_type")
    assertion = form.get("client_assertion", "")
    if len(assertion) > 8192:
        raise InvalidClient("client_assertion too large")
    client_id = _unverified_issuer(assertion)
    if "client_id" in form and form["client_id"] != client_id:
        raise InvalidClient("client_id differs from the assertion")
    client = await _usable(clients, client_id, "private_key_jwt")
    try:
        keys = KeySet.import_key_set(client.jwks or {"keys": []})
        claims = jwt.decode(assertion, keys, algorithms=ASSERTION_ALGS).claims
    except (JoseError, ValueError, TypeError, KeyError):
        raise InvalidClient("client_assertion signature invalid") from None
    issuer = issuer_of(settings)
    accepted = {issuer, issuer + "/oidc/token", issuer + request.url.path}
    ttl = _check_assertion_claims(claims, client_id, accepted)
    jti_key = JTI_PREFIX + hashlib.sha256(f"{client_id}\0{claims['jti']}".encode()).hexdigest()
    if not await kv.set_if_absent(jti_key, b"1", ttl):
        raise InvalidClient("client_assertion already used")
    return client


async def authenticate_client(
    request: Request,
    clients: Clients,
    *,
    cipher: FieldCipher,
    kv: KeyValue,
    settings: Settings,
    form: Mapping[str, str] | None = None,
) -> RelyingParty:
    """The client calling a back-channel endpoint, authenticated by its registered method
    and usable (partner approved, client enabled); else the OAuth `invalid_client` error.
    `clients`: the app's RelyingParties (cached) or an open connection to read from.
    `form` is the request's parsed form (read here when not given)."""
    if form is None:
        form = await read_form(request)
    header = request.headers.get("authorization")
    basic = _basic_credentials(header) if header else None
    if basic is not None:
        if "client_assertion" in form:
            raise InvalidRequest("use one client authentication method")
        return await _by_secret(clients, cipher, *basic, form.get("client_id"))
    if "client_assertion" in form or "client_assertion_type" in form:
        return await _by_assertion(request, clients, kv, settings, form)
    raise InvalidClient("client authentication required", headers=_BASIC_CHALLENGE)
