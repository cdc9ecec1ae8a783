"""Web plumbing: the request middleware (language, CSRF cookie, headers, metrics),
templates, CSRF checks, principal resolution and page/JSON error rendering."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import orjson
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dinhdanh.platform import clock, i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    Unauthorized,
    ValidationProblem,
    field_error,
)
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.logging import get_logger
from dinhdanh.platform.sessions import staff_principal

log = get_logger(__name__)
access = get_logger("dinhdanh.access")
T = TypeVar("T")

CSRF_COOKIE = "dd_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STAFF_COOKIE = "dd_staff"
LANG_COOKIE = "dd_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

# The largest form body read to find its CSRF field: one biometric image and its fields
# (enrollment uploads one image of at most 5 MiB per request); larger ones are refused by
# their Content-Length before a byte of them is read.
MAX_FORM_BYTES = 6 * 1024 * 1024

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")
REQUESTS = Counter("dinhdanh_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("dinhdanh_http_request_seconds", "HTTP request latency", ["route"])


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is ignored, not fatal
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return None


def csrf_exempt(state: Any, path: str) -> bool:
    """True on a path the app factory lists in `app.state.csrf_exempt`: an entry ending in
    "/" exempts everything under it (an API prefix), any other entry that path alone (so a
    page beside an exempt endpoint, such as a confirmation form, keeps its check)."""
    for entry in getattr(state, "csrf_exempt", ()):
        if path == entry or (entry.endswith("/") and path.startswith(entry)):
            return True
    return False


def _exempt(scope: Scope) -> bool:
    """True on a CSRF-exempt path: an API client's call, whose answers need no CSRF cookie
    unless they are a page (a page's forms post back with it)."""
    return csrf_exempt(getattr(scope.get("app"), "state", None), scope["path"])


class PlatformMiddleware:
    """Pure ASGI middleware: language, CSRF cookie, security headers and request metrics."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure = "; Secure" if secure_cookies else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        lang = i18n.negotiate(cookies.get(LANG_COOKIE), _header(scope, b"accept-language"))
        token = i18n.set_language(lang)
        csrf = cookies.get(CSRF_COOKIE)
        new_csrf = None
        if not csrf or len(csrf) > 64 or not _TOKEN_CHARS.fullmatch(csrf):
            csrf = new_csrf = secrets.token_urlsafe(32)
        state = scope.setdefault("state", {})
        state["csrf_token"] = csrf
        state["cookies"] = cookies
        state["lang"] = lang
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CSP.encode()))
                if new_csrf and (content_type.startswith(b"text/html") or not _exempt(scope)):
                    cookie = (
                        f"{CSRF_COOKIE}={new_csrf}; Path=/; HttpOnly; SameSite=Lax{self.secure}"
                    )
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            # The access log: the path without its query string (searches carry names and
            # dates of birth there); the logger masks IDs and tokens in what is left.
            access.info(
                "http.request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round(elapsed * 1000, 1),
            )
            i18n._current.reset(token)


# ---------------------------------------------------------------- templates


def make_templates() -> Environment:
    """The Jinja2 environment with autoescape and the i18n extension."""
    env = Environment(
        loader=PackageLoader("dinhdanh", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
        # Templates ship with the package and change only with a new release (a restart):
        # no stat() of each template file at every render.
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["local_time"] = clock.local_time
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the request, principal, CSRF field and language in context."""
    env: Environment = request.app.state.templates
    csrf = request.state.csrf_token
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.setdefault("principal", getattr(request.state, "principal", None))
    html = env.get_template(template).render(
        request=request,
        lang=i18n.current_language(),
        csrf_token=csrf,
        csrf_field=Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf),
        path_qs=quote(here),
        demo=request.app.state.settings.demo,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def render_form(
    request: Request, template: str, problem: Problem | None = None, **context: Any
) -> HTMLResponse:
    """Render a form page; with a Problem, at its status and showing its message and errors."""
    return render(
        request,
        template,
        status=problem.status if problem else 200,
        problem=problem.to_dict() if problem else None,
        **context,
    )


async def submit(
    operation: Awaitable[T],
    *,
    then: Callable[[T], str],
    failed: Callable[[Problem], Awaitable[Response]],
) -> Response:
    """Run a form's operation and redirect (303) to `then(result)`; on a Problem other than
    NotFound answer `failed(problem)`, the form shown again with it."""
    try:
        result = await operation
    except Problem as problem:
        if problem.status == 404:
            raise
        return await failed(problem)
    return RedirectResponse(then(result), status_code=303)


# ---------------------------------------------------------------- dependencies


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the route returns, rolled back on error."""
    async with request.app.state.db.unit_of_work() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """The hot paths' unit of work: one Core connection in one transaction, no ORM."""
    async with request.app.state.db.connection() as conn:
        yield conn


Connection = Annotated[AsyncConnection, Depends(get_connection, scope="function")]


async def verify_csrf(request: Request) -> None:
    """Every unsafe request carries the CSRF token (form field or X-CSRF-Token header).

    Exempt are the paths the app factory lists in `app.state.csrf_exempt` (see
    `csrf_exempt`): APIs that authenticate by a token or credentials the client sends
    itself, never by a cookie a browser would attach to a forged request."""
    if request.method not in UNSAFE:
        return
    if csrf_exempt(request.app.state, request.url.path):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            refuse_large_body(request, MAX_FORM_BYTES)
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    cookie = request.state.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not secrets.compare_digest(sent, cookie):
        raise Forbidden(
            "The form has expired or was not sent from this site. Reload the page and try again.",
            type="csrf-failed",
        )


def body_too_large(limit: int) -> Problem:
    """The 413 problem of a body or file over `limit` bytes."""
    return Problem(
        N_("The upload is too large: at most %(mb)s MB."),
        status=413,
        type="too-large",
        title=N_("The upload is too large."),
        mb=max(1, limit // (1024 * 1024)),
    )


def refuse_large_body(request: Request, limit: int) -> None:
    """413 when the request announces a body over `limit` bytes: refused before reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)


def safe_next(value: str | None) -> str | None:
    """Keep a `next` target only when it is a local path: not another site (`//`), no
    backslash (browsers read it as `/`), nothing unprintable, at most 500 characters."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or not value.isprintable() or len(value) > 500:
        return None
    return value


def client_ip(request: Request) -> str | None:
    """The caller's address (the proxy in front sets X-Forwarded-For when configured)."""
    return request.client.host if request.client else None


async def current_principal(request: Request) -> Principal:
    """The principal of the staff session cookie, or anonymous."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return principal
    sid = request.state.cookies.get(STAFF_COOKIE)
    data = await request.app.state.staff_sessions.get(sid) if sid else None
    ip = client_ip(request)
    staff = staff_principal(data, client_ip=ip) if data else None
    principal = staff or Principal.anonymous(ip)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_staff(*roles: str) -> Any:
    """A dependency: a signed-in staff member holding one of `roles` (any role if none),
    within the per-member rate limit (a stolen session cannot scrape the registry)."""

    async def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.kind != "staff":
            raise Unauthorized()
        if roles and not principal.has_role(*roles):
            raise Forbidden()
        limit = request.app.state.settings.api_rate_limit
        await request.app.state.limiter.hit(limit, "staff", principal.id or "-")
        return principal

    return Depends(dependency)


# ---------------------------------------------------------------- errors


def wants_json(request: Request) -> bool:
    """API paths and JSON clients get problem+json; browsers get a page."""
    path = request.url.path
    if path.startswith(("/api/", "/openapi", "/healthz", "/readyz")):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and "application/json" in accept


def sign_in_page(request: Request) -> str:
    """The sign-in page for this path: the app factory maps path prefixes to sign-in pages
    in `app.state.sign_in_pages` (citizens' pages have their own); else the console's."""
    path = request.url.path
    for prefix, page in getattr(request.app.state, "sign_in_pages", {}).items():
        if path == prefix or path.startswith(prefix + "/"):
            return str(page)
    return "/login"


def set_session_cookie(
    request: Request, response: Response, name: str, value: str, **options: Any
) -> None:
    """A session cookie: HttpOnly, SameSite=Lax, Secure outside local development."""
    options.setdefault("path", "/")
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        **options,
    )


def problem_json(request: Request, problem: Problem) -> Response:
    """A Problem as an application/problem+json response."""
    return Response(
        orjson.dumps(problem.to_dict(instance=request.url.path)),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=problem.headers,
    )


def problem_response(request: Request, problem: Problem) -> Response:
    """Render a Problem for the caller: problem+json, a redirect to sign-in, or an error page."""
    if wants_json(request):
        return problem_json(request, problem)
    if isinstance(problem, Unauthorized):
        path = request.url.path
        return RedirectResponse(f"{sign_in_page(request)}?next={quote(path)}", status_code=303)
    return render(request, "base/error.html", status=problem.status, problem=problem.to_dict())


async def problem_handler(request: Request, exc: Exception) -> Response:
    """Exception handler for Problem."""
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


async def validation_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation errors as a 422 problem naming each field."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        errors.append(field_error(loc or "request", "%(reason)s", reason=err.get("msg", "")))
    return problem_response(request, ValidationProblem(errors=errors))


async def http_handler(request: Request, exc: Exception) -> Response:
    """Starlette HTTP errors (404 for unknown paths, 405, ...) as problems."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return problem_response(request, NotFound())
    return problem_response(
        request, Problem(status=exc.status_code, type=f"http-{exc.status_code}", title=N_("Error."))
    )


async def integrity_handler(request: Request, exc: Exception) -> Response:
    """A constraint the database enforced (two requests racing for one head, one ID): 409."""
    log.warning("integrity_conflict", path=request.url.path, error=type(exc).__name__)
    return problem_response(
        request,
        Conflict("Someone else changed this record at the same moment. Reload and try again."),
    )


async def unhandled_handler(request: Request, exc: Exception) -> Response:
    """Anything unexpected: logged (masked) and answered as a generic 500 problem."""
    log.error("unhandled_error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
    return problem_response(
        request,
        Problem(status=500, type="internal-error", title=N_("Something went wrong on our side.")),
    )
