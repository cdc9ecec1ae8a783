"""The ASGI app: the procedure's pages, and signing in with dinhdanh (`tamtru.auth`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tamtru import auth, form, i18n, places, prefill
from tamtru.problems import PROBLEMS
from tamtru.settings import Settings
from tamtru.store import Store
from tamtru.web import (
    SecurityHeaders,
    csrf_ok,
    current_signin,
    problem_page,
    render,
    today,
)
from tamtru.web import now as now_of

_SAFE_NEXT = re.compile(r"/(?!/)[\w/\-]*")
_REFERENCE = re.compile(r"TT-\d{8}-[A-Z2-9]{6}")


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def home(request: Request) -> Response:
    """The procedure: what it is for, and sign in (or go on to the form)."""
    signin = await current_signin(request)
    submissions = []
    if signin is not None:
        store: Store = request.app.state.store
        submissions = await run_in_threadpool(store.submissions_of, signin.subject)
    context = {"signed_out": await auth.signed_out(request), "submissions": submissions}
    return render(request, "home.html", context, signin=signin)


def _form_context(
    values: dict[str, str], errors: dict[str, str], mode: str, filled: prefill.Prefill
) -> dict[str, object]:
    shown = filled.fields if mode == "self" else filled.fields & {"phone", "email"}
    return {
        "values": values,
        "errors": errors,
        "mode": mode,
        "shown": shown,
        "locked": {n for n in shown if filled.locked(n)},
        "declarant": {k: filled.values.get(k, "") for k in ("full_name", "personal_id")},
        "temporary_residence": filled.temporary_residence,
        "field_labels": form.FIELD_LABELS,
        "provinces": list(places.provinces().items()),
        "communes": [(c.code, c.name) for c in places.communes_of(values.get("province", ""))],
    }


async def show_form(request: Request) -> Response:
    """The declaration, filled from the sign-in."""
    signin = await current_signin(request)
    if signin is None:
        return RedirectResponse("/", status_code=303)
    mode = "other" if request.query_params.get("for") == "other" else "self"
    filled = prefill.from_claims(signin.claims)
    values = form.initial_values(filled, mode, today(request))
    return render(request, "form.html", _form_context(values, {}, mode, filled), signin=signin)


async def submit_form(request: Request) -> Response:
    """Check the declaration; file it, or show it again with what to correct."""
    signin = await current_signin(request)
    if signin is None:
        return RedirectResponse("/", status_code=303)
    if not await csrf_ok(request):
        return problem_page(request, PROBLEMS["form_expired"], signin)
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    filled = prefill.from_claims(signin.claims)
    checked = form.validate(posted, prefill=filled, today=today(request))
    if checked.declaration is None:
        context = _form_context(checked.values, checked.errors, checked.values["mode"], filled)
        return render(request, "form.html", context, signin=signin, status_code=422)
    store: Store = request.app.state.store
    filed = await run_in_threadpool(
        store.file,
        subject=signin.subject,
        data=checked.declaration.record(),
        now=now_of(request),
    )
    request.session["just_filed"] = filed.reference
    return RedirectResponse(f"/receipt/{filed.reference}", status_code=303)


async def receipt(request: Request) -> Response:
    """The receipt of a filed declaration (its declarant only)."""
    signin = await current_signin(request)
    if signin is None:
        return RedirectResponse("/", status_code=303)
    reference = request.path_params["reference"]
    store: Store = request.app.state.store
    found = None
    if _REFERENCE.fullmatch(reference):
        found = await run_in_threadpool(store.submission, reference)
    if found is None or found.subject != signin.subject:
        return problem_page(request, PROBLEMS["not_found"], signin)
    just_filed = request.session.pop("just_filed", None) == reference
    context = {"submission": found, "just_filed": just_filed, "prefilled": found.data["prefilled"]}
    return render(request, "receipt.html", context, signin=signin)


async def communes(request: Request) -> Response:
    """The communes of a province, for the form's commune list."""
    code = request.path_params["province"]
    return JSONResponse([{"code": c.code, "name": c.name} for c in places.communes_of(code)])


async def set_language(request: Request) -> Response:
    """Switch the pages' language, back to the page it was asked from."""
    lang = request.path_params["lang"]
    if lang in i18n.LANGS:
        request.session["lang"] = lang
    target = request.query_params.get("next", "/")
    return RedirectResponse(target if _SAFE_NEXT.fullmatch(target) else "/", status_code=303)


async def healthz(request: Request) -> Response:
    """Liveness."""
    return PlainTextResponse("ok")


def create_app(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = _utcnow,
) -> Starlette:
    """The service: `transport` and `clock` replace the network and the time in tests."""
    settings = settings or Settings.from_env()
    middleware = [
        Middleware(SecurityHeaders, provider_origin=settings.issuer_origin),
        Middleware(
            SessionMiddleware,
            secret_key=settings.resolved_session_secret(),
            session_cookie="tamtru_session",
            max_age=None,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]
    routes = [
        Route("/", home),
        Route("/form", show_form, methods=["GET"]),
        Route("/form", submit_form, methods=["POST"]),
        Route("/receipt/{reference}", receipt),
        Route("/places/{province}", communes),
        Route("/lang/{lang}", set_language),
        Route("/auth/login", auth.login),
        Route("/auth/callback", auth.callback),
        Route("/auth/logout", auth.logout, methods=["POST"]),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.settings = settings
    app.state.store = Store(settings.data_dir / "tamtru.db")
    app.state.provider = auth.provider_client(settings, transport)
    app.state.clock = clock
    return app
