"""OAuth 2.0 error responses of the back-channel endpoints (RFC 6749 §5.2, RFC 6750 §3).

These endpoints answer software, not people: `{"error": ..., "error_description": ...}`
rather than problem+json, and the description is plain ASCII English, as RFC 6749 §5.2
restricts its characters (it is never translated).
"""

from __future__ import annotations

from typing import Final

import orjson
from fastapi import Request
from fastapi.responses import Response

# Token responses and their errors are never cached (RFC 6749 §5.1).
NO_STORE: Final[dict[str, str]] = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error: its code, a description for the developer, status and headers."""

    error = "invalid_request"
    status = 400

    def __init__(
        self,
        description: str = "",
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description or self.error)
        self.description = description
        if status is not None:
            self.status = status
        self.headers = {**NO_STORE, **(headers or {})}

    def body(self) -> dict[str, str]:
        """The JSON body."""
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


class InvalidRequest(OAuthError):
    """A parameter is missing, repeated or malformed."""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """The client could not be authenticated, or may not be used (suspended, disabled)."""

    error = "invalid_client"
    status = 401


class InvalidGrant(OAuthError):
    """The code or refresh token is invalid, expired, used, or not this client's."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """The client is not registered for this grant."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """A grant type the provider does not offer."""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """A scope the client may not ask for, or wider than the grant."""

    error = "invalid_scope"


class InvalidToken(OAuthError):
    """A bearer token that is missing, unknown, expired or revoked (RFC 6750 §3.1)."""

    error = "invalid_token"
    status = 401

    def __init__(self, description: str = "") -> None:
        super().__init__(description, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class MissingToken(OAuthError):
    """No bearer token at all: a bare challenge without an error code (RFC 6750 §3)."""

    error = "invalid_request"
    status = 401

    def __init__(self) -> None:
        super().__init__("bearer token required", headers={"WWW-Authenticate": "Bearer"})


class InsufficientScope(OAuthError):
    """The token is valid but was not granted the scope this endpoint needs."""

    error = "insufficient_scope"
    status = 403

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"the {scope} scope is required",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )


def oauth_response(error: OAuthError) -> Response:
    """The error as an OAuth JSON response."""
    return Response(
        orjson.dumps(error.body()),
        status_code=error.status,
        media_type="application/json",
        headers=error.headers,
    )


async def oauth_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler for OAuthError (installed by the app factory)."""
    assert isinstance(exc, OAuthError)
    return oauth_response(exc)
