"""Authorization requests (OpenID Connect Core §3.1.2, RFC 6749 §4.1, RFC 7636): parse
and validate one, keep the validated request while the citizen signs in and consents,
and build the answers sent back to the client.

Validation has two stages, as RFC 6749 §4.1.2.1 asks. Until the client and its exact
redirect URI are known, an error is shown on a page and never redirected anywhere
(`PageError`); after that, errors go back to the client's redirect URI with `error`,
`state` and `iss` (`RedirectError`).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import orjson

from dinhdanh.oidc.claims import LEVEL_BY_ACR, SCOPES
from dinhdanh.oidc.consents import requested_claims, required_claims
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import clock
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.kv import KeyValue

PENDING_SECONDS: Final = 600
PROMPTS: Final = frozenset({"none", "login", "consent", "select_account"})
UI_LOCALES: Final = ("vi", "en")
MAX_STATE: Final = 1024
MAX_NONCE: Final = 255  # the column of oidc_codes
MAX_AGE_LIMIT: Final = 10 * 365 * 86400
_CHALLENGE: Final = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_PENDING_KEY: Final = "oidc:pending:"
_DONE_KEY: Final = "oidc:pending-done:"
_PENDING_ID: Final = re.compile(r"[A-Za-z0-9_-]{20,64}")


class PageError(Exception):
    """The client or its redirect URI is unknown or wrong: say so on a page, redirect
    nowhere. `message` is a msgid for the citizen, `description` English for developers
    (the pushed-request endpoint answers with it)."""

    def __init__(self, error: str, message: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.message = message
        self.description = description


class RedirectError(Exception):
    """An OAuth error sent back to the client's (validated) redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request, kept while the citizen signs in and consents."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    state: str | None = None
    nonce: str | None = None
    prompt: frozenset[str] = field(default_factory=frozenset)
    max_age: int | None = None
    level: int = 1  # the level required: max(client's, asked by acr_values or claims)
    claims: tuple[str, ...] = ()  # asked, catalogue order, no companions
    required: tuple[str, ...] = ()  # asked and not optional
    ui_locale: str | None = None
    created: float = 0.0  # epoch seconds: prompt=login and max_age need a sign-in after it
    id: str = ""  # the pending request's id once stored

    @property
    def optional(self) -> tuple[str, ...]:
        """The claims the citizen may untick."""
        must = set(self.required)
        return tuple(c for c in self.claims if c not in must)

    def to_json(self) -> bytes:
        """The stored form."""
        data = dataclasses.asdict(self)
        data["prompt"] = sorted(self.prompt)
        return orjson.dumps(data)

    @classmethod
    def from_json(cls, raw: bytes) -> AuthorizationRequest:
        """Read the stored form back."""
        data = orjson.loads(raw)
        for name in ("scopes", "claims", "required"):
            data[name] = tuple(data[name])
        data["prompt"] = frozenset(data["prompt"])
        return cls(**data)


# ---------------------------------------------------------------- parameters


Params = Mapping[str, list[str]]


def params_of(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Query or form items grouped by name (a repeated parameter is an error later)."""
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name, []).append(value)
    return grouped


def _one(params: Params, name: str, *, page: bool = False) -> str | None:
    """The parameter's single value (an empty one counts as absent); RFC 6749 §3.1:
    parameters sent more than once are refused."""
    values = params.get(name) or []
    if len(values) > 1:
        if page:
            raise PageError(
                "invalid_request",
                N_("The service sent a malformed sign-in request."),
                f"{name} repeated",
            )
        raise RedirectError("invalid_request", f"{name} repeated")
    return values[0] if values and values[0] != "" else None


def client_id_of(params: Params) -> str | None:
    """The `client_id` parameter (a page error when repeated)."""
    return _one(params, "client_id", page=True)


def request_uri_of(params: Params) -> str | None:
    """The `request_uri` of a pushed request (RFC 9126), if any."""
    return _one(params, "request_uri", page=True)


def check_client(client: RelyingParty | None, params: Params) -> str:
    """Stage one: a known, usable client with authorization-code grant and one of its
    registered redirect URIs, matched exactly. Returns the redirect URI."""
    if client is None:
        raise PageError(
            "invalid_client",
            N_("The service that sent you here is not registered with dinhdanh."),
            "unknown client_id",
        )
    if not client.usable:
        raise PageError(
            "unauthorized_client",
            N_("The service that sent you here is not connected to dinhdanh at the moment."),
            "client not usable",
        )
    redirect_uri = _one(params, "redirect_uri", page=True)
    if redirect_uri is None or redirect_uri not in client.redirect_uris:
        raise PageError(
            "invalid_request",
            N_(
                "The service sent you with a return address it has not registered. You "
                "were not sent back there, for your safety."
            ),
            "redirect_uri missing or not registered for this client",
        )
    return redirect_uri


def _scopes(client: RelyingParty, params: Params) -> tuple[str, ...]:
    raw = _one(params, "scope")
    scopes = tuple(dict.fromkeys((raw or "").split()))
    if not scopes:
        raise RedirectError("invalid_scope", "scope is required")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise RedirectError("invalid_scope", f"unknown scope: {unknown[0][:40]}")
    refused = [s for s in scopes if s not in client.scopes]
    if refused:
        raise RedirectError("invalid_scope", f"scope not allowed for this client: {refused[0]}")
    return scopes


def _pkce(params: Params) -> str:
    challenge = _one(params, "code_challenge")
    method = _one(params, "code_challenge_method")
    if challenge is None:
        raise RedirectError("invalid_request", "code_challenge is required (PKCE, S256)")
    if method != "S256":
        raise RedirectError("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(challenge):
        raise RedirectError("invalid_request", "code_challenge is malformed")
    return challenge


def _prompt(params: Params) -> frozenset[str]:
    prompt = frozenset((_one(params, "prompt") or "").split())
    if prompt - PROMPTS:
        raise RedirectError("invalid_request", "unsupported prompt value")
    if "none" in prompt and len(prompt) > 1:
        raise RedirectError("invalid_request", "prompt=none cannot be combined")
    return prompt


def _max_age(params: Params) -> int | None:
    raw = _one(params, "max_age")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > MAX_AGE_LIMIT:
        raise RedirectError("invalid_request", "max_age must be a number of seconds")
    return int(raw)


def _levels(values: Iterable[Any]) -> list[int]:
    return [LEVEL_BY_ACR[v] for v in values if isinstance(v, str) and v in LEVEL_BY_ACR]


@dataclass
class ClaimsParameter:
    """What the `claims` parameter (OIDC Core §5.5) asks: names, the essential ones, and
    the levels an `acr` member accepts."""

    names: set[str] = field(default_factory=set)
    essential: set[str] = field(default_factory=set)
    acr_levels: list[int] = field(default_factory=list)


def _claims_parameter(params: Params) -> ClaimsParameter:
    raw = _one(params, "claims")
    found = ClaimsParameter()
    if raw is None:
        return found
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RedirectError("invalid_request", "claims is not valid JSON") from None
    if not isinstance(data, dict):
        raise RedirectError("invalid_request", "claims must be a JSON object")
    for target in ("userinfo", "id_token"):
        members = data.get(target)
        if members is None:
            continue
        if not isinstance(members, dict):
            raise RedirectError("invalid_request", f"claims.{target} must be an object")
        for name, spec in members.items():
            if spec is not None and not isinstance(spec, dict):
                raise RedirectError("invalid_request", f"claims.{target}.{name[:40]} is malformed")
            spec = spec or {}
            if name == "acr":
                values = spec.get("values") or []
                if not isinstance(values, list):
                    raise RedirectError("invalid_request", "claims acr values must be a list")
                found.acr_levels += _levels([spec.get("value"), *values])
                continue
            found.names.add(name)
            if spec.get("essential") is True:
                found.essential.add(name)
    return found


def preferred_locale(ui_locales: str | None) -> str | None:
    """The first language of a `ui_locales` parameter that the pages speak."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in UI_LOCALES:
            return primary
    return None


def _limited(params: Params, name: str, limit: int) -> str | None:
    value = _one(params, name)
    if value is not None and (len(value) > limit or not value.isprintable()):
        raise RedirectError("invalid_request", f"{name} is too long or not printable")
    return value


def validate(client: RelyingParty, redirect_uri: str, params: Params) -> AuthorizationRequest:
    """Stage two, once the client and redirect URI are known: every other parameter.
    Raises RedirectError."""
    for unsupported, error in (
        ("request", "request_not_supported"),
        ("registration", "registration_not_supported"),
    ):
        if _one(params, unsupported) is not None:
            raise RedirectError(error, f"the {unsupported} parameter is not supported")
    if "authorization_code" not in client.grant_types:
        raise RedirectError("unauthorized_client", "this client may not use the code flow")
    if _one(params, "response_type") != "code":
        raise RedirectError("unsupported_response_type", "response_type must be code")
    if _one(params, "response_mode") not in (None, "query"):
        raise RedirectError("invalid_request", "only response_mode=query is supported")
    scopes = _scopes(client, params)
    challenge = _pkce(params)
    nonce = _limited(params, "nonce", MAX_NONCE)
    if "openid" in scopes and nonce is None:
        raise RedirectError("invalid_request", "nonce is required with the openid scope")
    asked = _claims_parameter(params)
    acr_levels = _levels((_one(params, "acr_values") or "").split()) + asked.acr_levels
    claims = requested_claims(client, scopes, asked.names)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=challenge,
        state=_limited(params, "state", MAX_STATE),
        nonce=nonce,
        prompt=_prompt(params),
        max_age=_max_age(params),
        # Any level the client lists will do: the lowest is asked (never below its own).
        level=max([client.level, min(acr_levels)] if acr_levels else [client.level]),
        claims=tuple(claims),
        required=tuple(required_claims(client, claims, asked.essential)),
        ui_locale=preferred_locale(_one(params, "ui_locales")),
        created=clock.now().timestamp(),
    )


def state_of(params: Params) -> str | None:
    """The `state` to send back with an early error (None when unusable)."""
    values = params.get("state") or []
    if len(values) != 1 or len(values[0]) > MAX_STATE or not values[0].isprintable():
        return None
    return values[0] or None


# ---------------------------------------------------------------- answers


def answer_url(redirect_uri: str, iss: str, **values: str | None) -> str:
    """The redirect URI with the answer's parameters (RFC 9207 `iss` included) added to
    its query."""
    query = urlencode({k: v for k, v in {**values, "iss": iss}.items() if v is not None})
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{joiner}{query}"


def error_url(
    redirect_uri: str, iss: str, error: str, description: str | None, state: str | None
) -> str:
    """An error answer for the client."""
    return answer_url(redirect_uri, iss, error=error, error_description=description, state=state)


# ---------------------------------------------------------------- pending requests


async def store_pending(kv: KeyValue, request: AuthorizationRequest) -> AuthorizationRequest:
    """Keep the validated request for ten minutes under a new random id."""
    stored = dataclasses.replace(request, id=secrets.token_urlsafe(24))
    await kv.set(_PENDING_KEY + stored.id, stored.to_json(), ttl=PENDING_SECONDS)
    return stored


async def load_pending(kv: KeyValue, pending_id: str | None) -> AuthorizationRequest | None:
    """The pending request with this id, while it lasts."""
    if not pending_id or not _PENDING_ID.fullmatch(pending_id):
        return None
    raw = await kv.get(_PENDING_KEY + pending_id)
    return AuthorizationRequest.from_json(raw) if raw else None


async def finish_pending(kv: KeyValue, request: AuthorizationRequest) -> bool:
    """Take the request for its one answer (code, error or refusal); False when another
    request has taken it first (two tabs, a double click)."""
    if not await kv.set_if_absent(_DONE_KEY + request.id, b"1", ttl=PENDING_SECONDS):
        return False
    await kv.delete(_PENDING_KEY + request.id)
    return True


def resume_path(request: AuthorizationRequest) -> str:
    """Where the browser comes back to after signing in."""
    return f"/oidc/authorize/resume/{request.id}"
