"""Errors: RFC 9457 problem+json with a stable `type` per error, translated titles."""

from __future__ import annotations

from typing import Any

from dinhdanh.platform.i18n import N_, gettext

PROBLEM_BASE = "https://dinhdanh.example/problems/"


class Problem(Exception):
    """An error a caller can act on; rendered as problem+json or an inline page message."""

    status = 400
    type = "bad-request"
    title = N_("The request could not be processed.")

    def __init__(
        self,
        detail: str | None = None,
        *,
        type: str | None = None,
        status: int | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        if type:
            self.type = type
        if status:
            self.status = status
        if title:
            self.title = title
        self.detail_msgid = detail
        self.params = params
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(detail or self.title)

    @property
    def detail(self) -> str | None:
        """The detail in the current language."""
        return gettext(self.detail_msgid, **self.params) if self.detail_msgid else None

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """The problem+json body."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type,
            "title": gettext(self.title),
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [_translate_error(e) for e in self.errors]
        return body


def _translate_error(error: dict[str, Any]) -> dict[str, Any]:
    msgid = error["message"]
    out = {k: v for k, v in error.items() if k != "params"}
    out["message"] = gettext(msgid, **error.get("params", {}))
    return out


class ValidationProblem(Problem):
    """Input that breaks a rule; `errors` names each field."""

    status = 422
    type = "validation-error"
    title = N_("The data is not valid.")


class NotFound(Problem):
    """Nothing there, or nothing the caller may see (the two are not told apart)."""

    status = 404
    type = "not-found"
    title = N_("Not found.")


class Forbidden(Problem):
    """The caller is known but may not do this."""

    status = 403
    type = "forbidden"
    title = N_("You are not allowed to do this.")


class Unauthorized(Problem):
    """The caller must sign in."""

    status = 401
    type = "unauthorized"
    title = N_("Please sign in.")


class Conflict(Problem):
    """The change clashes with the current state."""

    status = 409
    type = "conflict"
    title = N_("The change conflicts with the current state.")


class TooManyRequests(Problem):
    """Rate limit or lockout."""

    status = 429
    type = "too-many-requests"
    title = N_("Too many attempts. Please wait and try again.")


def field_error(field: str, message: str, **params: Any) -> dict[str, Any]:
    """One entry of a ValidationProblem's `errors`."""
    return {"field": field, "message": message, "params": params}
