"""What every page needs: the language, the signed-in citizen, the CSRF token, rendering,
and the security headers."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tamtru import form, i18n
from tamtru.problems import Problem
from tamtru.store import SignIn

VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")
STATUSES: Final = {"received": "Received"}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def lang_of(request: Request) -> str:
    """The page language: the visitor's choice, else Vietnamese."""
    lang = request.session.get("lang")
    return lang if lang in i18n.LANGS else "vi"


def now(request: Request) -> datetime:
    """The current time from the app's clock (injectable for tests)."""
    return request.app.state.clock()


def today(request: Request) -> date:
    """Today's date in Vietnam."""
    return now(request).astimezone(VIETNAM).date()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


async def csrf_ok(request: Request) -> bool:
    """Whether a posted form carries the session's CSRF token."""
    expected = request.session.get("csrf")
    sent = (await request.form()).get("csrf_token")
    return bool(expected) and isinstance(sent, str) and secrets.compare_digest(sent, expected)


async def current_signin(request: Request) -> SignIn | None:
    """The signed-in citizen, if the session names a sign-in that has not expired."""
    signin_id = request.session.get("signin")
    if not isinstance(signin_id, str):
        return None
    store = request.app.state.store
    found = await run_in_threadpool(store.signin, signin_id, now=now(request))
    if found is None:
        request.session.pop("signin", None)
    return found


def _local_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _local_date(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    signin: SignIn | None = None,
    status_code: int = 200,
) -> Response:
    """A page in the visitor's language."""
    lang = lang_of(request)
    ctx = {
        "lang": lang,
        "_": i18n.translator(lang),
        "signin": signin,
        "csrf_token": csrf_token(request),
        "choices": form.CHOICES,
        "status_label": lambda s: STATUSES.get(s, s),
        "local_time": _local_time,
        "local_date": _local_date,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def problem_page(request: Request, problem: Problem, signin: SignIn | None = None) -> Response:
    """The friendly page for a problem."""
    return render(
        request, "problem.html", {"problem": problem}, signin=signin, status_code=problem.status
    )


class SecurityHeaders:
    """A strict Content Security Policy (forms may post only here and to the provider,
    since signing out redirects there) and the usual hardening headers."""

    def __init__(self, app: ASGIApp, *, provider_origin: str) -> None:
        self.app = app
        self.headers = [
            (
                b"content-security-policy",
                (
                    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                    f"base-uri 'none'; frame-ancestors 'none'; form-action 'self' "
                    f"{provider_origin}"
                ).encode(),
            ),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extra = list(self.headers)
        if not scope["path"].startswith("/static/"):
            # Pages show personal data: never kept in a shared cache or the history cache.
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
