"""The rules a partner client's settings must follow before it is saved: exact redirect
URIs, known scopes and claims, consistent grant types, bounded token lifetimes, and for
`private_key_jwt` a set of public signing keys."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

import orjson
from joserfc.jwk import JWKRegistry

from dinhdanh.partners.models import CLIENT_AUTH_METHODS, GRANT_TYPES
from dinhdanh.partners.scopes import SCOPE_CLAIMS, claims_of
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line, clean_text

LOOPBACK_HOSTS: Final = ("localhost", "127.0.0.1")
MAX_URIS: Final = 10
MAX_URI_LENGTH: Final = 500
MAX_KEYS: Final = 10
MAX_JWKS_CHARS: Final = 50_000
TOKEN_SECONDS: Final = (60, 3600)
REFRESH_SECONDS: Final = (0, 90 * 24 * 3600)
# Members that only a private (or symmetric) key has: a key set holding one is refused.
PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# What the provider verifies client assertions with (oidc/client_auth.py): nothing else.
SIGNING_ALGS: Final = {"EC": {"ES256"}, "RSA": {"RS256"}}
_WRONG_KIND: Final = N_(
    "Key %(kid)s: only EC P-256 and RSA keys of 2048 bits or more are accepted."
)


@dataclass
class ClientSettings:
    """Everything an administrator sets on a client (from a form or JSON), before checking.
    `jwks` is the JWK Set as an object or as pasted JSON text; a number that could not be
    read is None."""

    name: str = ""
    purpose: str = ""
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    required_claims: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=list)
    level: int | None = 2
    auth_method: str = "client_secret_basic"
    jwks: dict[str, Any] | str | None = None
    access_token_seconds: int | None = 600
    id_token_seconds: int | None = 600
    refresh_token_seconds: int | None = 30 * 24 * 3600


Errors = list[dict[str, Any]]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def redirect_uri_error(uri: str) -> str | None:
    """Why `uri` cannot be registered (a message id), or None when it can: absolute,
    https (http only on localhost / 127.0.0.1), no fragment, no wildcard, no user info."""
    if len(uri) > MAX_URI_LENGTH or not uri.isprintable() or any(ch.isspace() for ch in uri):
        return N_("%(uri)s: not a valid address.")
    if "*" in uri:
        return N_("%(uri)s: wildcards are not allowed; register each exact address.")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return N_("%(uri)s: not a valid address.")
    if "#" in uri:
        return N_("%(uri)s: an address with a fragment (#) is not allowed.")
    if not parts.scheme or not parts.hostname:
        return N_("%(uri)s: give an absolute address (https://…).")
    if parts.username is not None or parts.password is not None:
        return N_("%(uri)s: an address with a user name or password is not allowed.")
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return None
    return N_("%(uri)s: use https (http only for localhost or 127.0.0.1).")


def _check_uris(name: str, values: list[str], errors: Errors) -> list[str]:
    uris = _unique(v.strip() for v in values)
    if len(uris) > MAX_URIS:
        errors.append(field_error(name, "At most %(max)s addresses.", max=MAX_URIS))
    for uri in uris:
        problem = redirect_uri_error(uri)
        if problem:
            errors.append(field_error(name, problem, uri=uri[:120]))
    return uris


def _check_range(name: str, value: int | None, bounds: tuple[int, int], errors: Errors) -> int:
    low, high = bounds
    if value is None or not low <= value <= high:
        if name == "refresh_token_seconds":
            errors.append(field_error(name, "Between 0 and 90 days."))
        else:
            errors.append(
                field_error(name, "Between %(low)s and %(high)s seconds.", low=low, high=high)
            )
        return low
    return value


def _check_grants(settings: ClientSettings, refresh: int, errors: Errors) -> list[str]:
    grants = _unique(settings.grant_types)
    unknown = [g for g in grants if g not in GRANT_TYPES]
    for grant in unknown:
        errors.append(field_error("grant_types", "Unknown grant type: %(value)s.", value=grant))
    if not grants:
        errors.append(field_error("grant_types", "Choose at least one grant type."))
    if "client_credentials" in grants and len(grants) > 1:
        errors.append(
            field_error(
                "grant_types",
                "client_credentials stands alone: an API client has no other grant.",
            )
        )
    code = "authorization_code" in grants
    if "refresh_token" in grants and not code:
        errors.append(
            field_error("grant_types", "refresh_token needs the authorization_code grant.")
        )
    if "refresh_token" in grants and refresh == 0:
        errors.append(
            field_error(
                "refresh_token_seconds",
                "Give refresh tokens a lifetime, or drop the refresh_token grant.",
            )
        )
    if code and not settings.redirect_uris:
        errors.append(
            field_error(
                "redirect_uris", "The authorization_code grant needs at least one redirect URI."
            )
        )
    if not code:
        for name in ("redirect_uris", "post_logout_redirect_uris"):
            if getattr(settings, name):
                errors.append(
                    field_error(name, "Only a client with the authorization_code grant has these.")
                )
    return grants


def _check_scopes(settings: ClientSettings, grants: list[str], errors: Errors) -> list[str]:
    scopes = _unique(s.strip() for s in settings.scopes)
    for scope in scopes:
        if scope not in SCOPE_CLAIMS:
            errors.append(field_error("scopes", "Unknown scope: %(value)s.", value=scope[:60]))
    if "authorization_code" in grants and "openid" not in scopes:
        errors.append(
            field_error("scopes", "A client that signs citizens in needs the openid scope.")
        )
    if grants == ["client_credentials"] and scopes:
        errors.append(
            field_error("scopes", "An API client (client_credentials) gets no citizen data.")
        )
    return scopes


def _check_claims(settings: ClientSettings, scopes: list[str], errors: Errors) -> list[str]:
    claims = _unique(c.strip() for c in settings.required_claims)
    allowed = set(claims_of(scopes))
    for claim in claims:
        if claim not in allowed:
            errors.append(
                field_error(
                    "required_claims",
                    "%(value)s is not a claim of the chosen scopes.",
                    value=claim[:60],
                )
            )
    return claims


def _key_error(key: Any, kids: set[str]) -> tuple[str, str | None]:
    """(the key's kid or position, why it is refused or None)."""
    if not isinstance(key, dict):
        return "?", N_("Key %(kid)s is not a JSON object.")
    kid = key.get("kid")
    if not isinstance(kid, str) or not kid.strip() or len(kid) > 100:
        return "?", N_("Every key needs a kid (1 to 100 characters).")
    if kid in kids:
        return kid, N_("Key %(kid)s: the kid is used twice.")
    kids.add(kid)
    if PRIVATE_MEMBERS & key.keys():
        return kid, N_("Key %(kid)s holds private key material: paste only the public key.")
    kty = key.get("kty")
    if kty not in SIGNING_ALGS or (kty == "EC" and key.get("crv") != "P-256"):
        return kid, _WRONG_KIND
    if key.get("use", "sig") != "sig":
        return kid, N_("Key %(kid)s: the key must be for signatures (use: sig).")
    if "alg" in key and key["alg"] not in SIGNING_ALGS[kty]:
        return kid, N_("Key %(kid)s: the algorithm is not accepted.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imported = JWKRegistry.import_key(key)
            size = imported.raw_value.key_size
    except Exception:  # any malformed member: not a key we can use
        return kid, N_("Key %(kid)s is not a valid key.")
    if imported.is_private or (kty == "RSA" and not 2048 <= size <= 8192):
        return kid, _WRONG_KIND
    return kid, None


def check_jwks(value: dict[str, Any] | str | None, errors: Errors) -> dict[str, Any] | None:
    """A JWK Set of public signing keys (EC P-256 or RSA ≥ 2048 bits, each with a unique
    kid, no private members), from an object or pasted JSON; None (and errors) if not."""
    if isinstance(value, str):
        if len(value) > MAX_JWKS_CHARS:
            errors.append(field_error("jwks", "The key set is too long."))
            return None
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            value = None
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list):
        errors.append(field_error("jwks", 'Paste a JWK Set as JSON: {"keys": [...]}.'))
        return None
    if not 1 <= len(keys) <= MAX_KEYS:
        errors.append(field_error("jwks", "The key set holds 1 to %(max)s keys.", max=MAX_KEYS))
        return None
    kids: set[str] = set()
    found = len(errors)
    for key in keys:
        kid, problem = _key_error(key, kids)
        if problem:
            errors.append(field_error("jwks", problem, kid=kid[:100]))
    return {"keys": keys} if len(errors) == found else None


def jwks_kids(jwks: dict[str, Any] | None) -> list[str]:
    """The key ids of a stored key set."""
    return [str(k.get("kid")) for k in (jwks or {}).get("keys", []) if isinstance(k, dict)]


def _has_jwks(value: dict[str, Any] | str | None) -> bool:
    return bool(value.strip()) if isinstance(value, str) else value is not None


def clean_settings(settings: ClientSettings) -> ClientSettings:
    """The settings checked and normalised; a ValidationProblem naming every field that
    breaks a rule."""
    errors: Errors = []
    name = clean_line(settings.name)
    if not 2 <= len(name) <= 200:
        errors.append(field_error("name", "Enter the client's name (2 to 200 characters)."))
    purpose = clean_text(settings.purpose)
    if not 10 <= len(purpose) <= 2000:
        errors.append(
            field_error("purpose", "Describe the declared purpose (10 to 2,000 characters).")
        )
    redirects = _check_uris("redirect_uris", settings.redirect_uris, errors)
    logouts = _check_uris("post_logout_redirect_uris", settings.post_logout_redirect_uris, errors)
    access = _check_range(
        "access_token_seconds", settings.access_token_seconds, TOKEN_SECONDS, errors
    )
    id_token = _check_range("id_token_seconds", settings.id_token_seconds, TOKEN_SECONDS, errors)
    refresh = _check_range(
        "refresh_token_seconds", settings.refresh_token_seconds, REFRESH_SECONDS, errors
    )
    checked = replace(settings, redirect_uris=redirects, post_logout_redirect_uris=logouts)
    grants = _check_grants(checked, refresh, errors)
    scopes = _check_scopes(settings, grants, errors)
    claims = _check_claims(settings, scopes, errors)
    if settings.level not in (1, 2):
        errors.append(field_error("level", "Choose level 1 or 2."))
    jwks = None
    if settings.auth_method not in CLIENT_AUTH_METHODS:
        errors.append(field_error("auth_method", "Choose a client authentication method."))
    elif settings.auth_method == "private_key_jwt":
        jwks = check_jwks(settings.jwks, errors) if _has_jwks(settings.jwks) else None
        if not _has_jwks(settings.jwks):
            errors.append(
                field_error("jwks", "private_key_jwt needs the client's public keys (a JWK Set).")
            )
    elif _has_jwks(settings.jwks):
        errors.append(field_error("jwks", "Keys are used only with private_key_jwt."))
    if errors:
        raise ValidationProblem(errors=errors)
    return ClientSettings(
        name=name,
        purpose=purpose,
        redirect_uris=redirects,
        post_logout_redirect_uris=logouts,
        scopes=scopes,
        required_claims=claims,
        grant_types=grants,
        level=settings.level,
        auth_method=settings.auth_method,
        jwks=jwks,
        access_token_seconds=access,
        id_token_seconds=id_token,
        refresh_token_seconds=refresh,
    )
