"""The token endpoint's grants: authorization code (see code_grant.py), refresh token and
client credentials.

Refresh and client credentials are the hot paths (benchmarked against panva's
oidc-provider, bench/oidc.py): the client comes from the process's short cache
(`partners.clients.RelyingParties`), client credentials touch no database, a refresh is
one statement outside a transaction on PostgreSQL (see refresh.py), the signing key comes
from the process cache, and the key-value store's writes (the access token, the usage
count) go in one round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from dinhdanh.oidc import access_tokens, refresh
from dinhdanh.oidc.claims import claims_of
from dinhdanh.oidc.issuance import CitizenGrant, Provider, issue_citizen_tokens, store_access_token
from dinhdanh.oidc.oauth_errors import (
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from dinhdanh.oidc.params import parse_scope, scope_text
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform.db import Database

GRANT_TYPES: Final = ("authorization_code", "refresh_token", "client_credentials")


def grant_type_of(client: RelyingParty, form: Mapping[str, str]) -> str:
    """The grant asked for, one the provider offers and the client is registered for."""
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("grant_type is required")
    if grant_type not in GRANT_TYPES:
        raise UnsupportedGrantType(f"grant_type must be one of {', '.join(GRANT_TYPES)}")
    if grant_type not in client.grant_types:
        raise UnauthorizedClient(f"the client is not registered for {grant_type}")
    return grant_type


def narrowed(
    scopes: tuple[str, ...], claims: tuple[str, ...], asked: list[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The scopes asked at a refresh, within those granted, and the claims left once the
    dropped scopes' claims are taken out (RFC 6749 §6: never wider)."""
    if asked is None:
        return scopes, claims
    if not set(asked) <= set(scopes):
        raise InvalidScope("a refresh may narrow the granted scope, never widen it")
    kept = tuple(s for s in scopes if s in asked)
    dropped = set(claims_of(s for s in scopes if s not in asked)) - {"sub"}
    return kept, tuple(c for c in claims if c not in dropped)


async def refresh_grant(
    db: Database, provider: Provider, client: RelyingParty, form: Mapping[str, str]
) -> dict[str, Any]:
    """Rotate a refresh token: a new one of the same family and a new access token (and
    ID token, without released claims: those came once, at the sign-in).

    The rotation commits before the answer is made; if the answer then fails (a scope
    wider than the grant, the key-value store down), the rotation is undone so that the
    client may present its token again."""
    token = form.get("refresh_token")
    if not token:
        raise InvalidRequest("refresh_token is required")
    asked = parse_scope(form.get("scope"))
    rotation = await refresh.rotate(db, provider.kv, token=token, client=client)
    spent = rotation.grant
    try:
        scopes, claims = narrowed(spent.scopes, spent.claims, asked)
        grant = CitizenGrant(
            family_id=spent.family_id,
            citizen_id=spent.citizen_id,
            scopes=scopes,
            claims=claims,
            level=spent.level,
            amr=spent.amr,
            auth_time=spent.auth_time,
            sid=spent.sid,
        )
        return await issue_citizen_tokens(provider, client, grant, refresh_token=rotation.token)
    except Exception:
        await refresh.undo(db, rotation)
        raise


async def client_credentials_grant(
    provider: Provider, client: RelyingParty, form: Mapping[str, str]
) -> dict[str, Any]:
    """An access token for the client itself (no citizen): the scopes asked, within those
    registered (all of them when none is asked)."""
    asked = parse_scope(form.get("scope"))
    if asked is not None and not set(asked) <= set(client.scopes):
        raise InvalidScope("scope not registered for this client")
    scopes = tuple(asked if asked is not None else client.scopes)
    token, grant = access_tokens.new_access_token(client, citizen_id=None, scopes=scopes)
    await store_access_token(provider, client, token, grant)
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": grant.exp - grant.iat,
    }
    if scopes:
        body["scope"] = scope_text(scopes)
    return body
