"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from dinhdanh.accounts import api as account_api
from dinhdanh.accounts import (
    api_factors,
    api_profile,
    api_security,
    device_pages,
    locks,  # noqa: F401  (subscribes to the registry's events)
    officer_api,
    officer_pages,
    profile_pages,
    recovery_pages,
    security_pages,
)
from dinhdanh.accounts import pages as account_pages
from dinhdanh.accounts import web as account_web
from dinhdanh.accounts.service import make_tools
from dinhdanh.enrollment import (
    campaign_api,
    campaign_pages,
    capture_pages,
    card_pages,
    face_queue_pages,
    level1_api,
    level1_pages,
    status_pages,
    upgrade_pages,
)
from dinhdanh.enrollment import officer_api as enrollment_api
from dinhdanh.enrollment import officer_pages as enrollment_pages
from dinhdanh.oidc import api as oidc_api
from dinhdanh.oidc import logout as oidc_logout
from dinhdanh.oidc import pages as oidc_pages
from dinhdanh.oidc import par as oidc_par
from dinhdanh.oidc import services_api, services_pages
from dinhdanh.oidc.keys import KeyRing
from dinhdanh.oidc.oauth_errors import OAuthError, oauth_error_handler
from dinhdanh.partners import api as partner_api
from dinhdanh.partners import client_pages as partner_client_pages
from dinhdanh.partners import pages as partner_pages
from dinhdanh.partners.clients import RelyingParties
from dinhdanh.platform import demo_inbox, health, web
from dinhdanh.platform.credentials import Totp
from dinhdanh.platform.db import Database, make_engine
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.jobs import run_background_jobs
from dinhdanh.platform.kv import KeyValue, make_kv
from dinhdanh.platform.logging import configure_logging, get_logger
from dinhdanh.platform.notify import make_notifier
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.platform.sessions import SessionStore
from dinhdanh.population import api as population_api
from dinhdanh.population import pages as population_pages
from dinhdanh.settings import Settings
from dinhdanh.staff import api as staff_api
from dinhdanh.staff import pages as staff_pages

log = get_logger(__name__)


async def _background_jobs(app: FastAPI) -> None:
    """The embedded default's worker: seal the audit chain and drain the outbox each second."""
    while True:
        try:
            await run_background_jobs(app.state.db, app.state.notifier)
        except Exception as exc:  # keep going; the error is logged
            log.warning("background_jobs.failed", error=type(exc).__name__)
        await asyncio.sleep(1.0)


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, kv: KeyValue | None = None
) -> FastAPI:
    """Build the service: settings, database, key-value store, routes and error handlers."""
    settings = settings or Settings()
    if settings.environment != "test":
        configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.drain_outbox_in_process and settings.environment != "test":
            task = asyncio.create_task(_background_jobs(app))
        # What the start-up made (modules, routes, tables: about 270,000 objects) lives as
        # long as the process: out of the collector's reach, a full collection takes a few
        # milliseconds instead of over a hundred (the requests' p99).
        gc.freeze()
        yield
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if owns_db:
            await app.state.db.dispose()
        if owns_kv:
            await app.state.kv.close()

    owns_db, owns_kv = db is None, kv is None
    app = FastAPI(
        title="dinhdanh",
        version="0.1.0",
        description="National electronic identification platform: registry, officer console, API.",
        lifespan=lifespan,
        dependencies=[Depends(web.verify_csrf)],
        docs_url=None,
        redoc_url=None,
    )
    state = app.state
    state.settings = settings
    state.db = db or Database(make_engine(settings.resolved_database_url))
    state.kv = kv or make_kv(settings.redis_url)
    state.cipher = settings.field_cipher()
    state.oidc_keys = KeyRing(state.db, state.cipher)
    state.relying_parties = RelyingParties(state.db)
    state.hasher = settings.password_hasher()
    state.totp = Totp(state.kv)
    state.staff_sessions = SessionStore(
        state.kv,
        ttl=settings.session_ttl_seconds,
        idle=settings.session_idle_seconds,
        namespace="staff",
    )
    state.staff_guard = settings.login_guard(state.kv, "staff")
    state.limiter = RateLimiter(settings.redis_url)
    state.notifier = make_notifier(
        settings.sms_sink, settings.email_sink, settings.data_dir / "outbox"
    )
    state.templates = web.make_templates()
    # The citizens' pages sign in at their own page; the app's API uses bearer tokens.
    state.sign_in_pages = {account_web.PAGES_PREFIX: account_web.SIGN_IN_PAGE}
    state.csrf_exempt = (
        account_web.APP_API_PREFIX,
        *oidc_api.CSRF_EXEMPT,
        *oidc_pages.CSRF_EXEMPT,
    )
    state.account_tools = make_tools(
        settings=settings,
        kv=state.kv,
        hasher=state.hasher,
        totp=state.totp,
        cipher=state.cipher,
        limiter=state.limiter,
    )

    app.add_middleware(web.PlatformMiddleware, secure_cookies=settings.secure_cookies)
    app.add_exception_handler(Problem, web.problem_handler)
    app.add_exception_handler(OAuthError, oauth_error_handler)
    app.add_exception_handler(RequestValidationError, web.validation_handler)
    app.add_exception_handler(StarletteHTTPException, web.http_handler)
    app.add_exception_handler(IntegrityError, web.integrity_handler)
    app.add_exception_handler(Exception, web.unhandled_handler)

    # The OpenID back-channel first (its token endpoint is the busiest route of all,
    # matched in order), then the citizens' routes: they make most of the other requests.
    app.include_router(oidc_api.router)
    app.include_router(health.router)
    app.include_router(oidc_pages.router)
    app.include_router(oidc_par.router)
    app.include_router(oidc_logout.router)
    app.include_router(services_pages.router)
    app.include_router(services_api.router)
    app.include_router(account_pages.router)
    app.include_router(status_pages.pages)
    app.include_router(status_pages.api)
    app.include_router(account_api.router)
    app.include_router(api_security.router)
    app.include_router(api_profile.router)
    app.include_router(api_factors.router)
    app.include_router(security_pages.router)
    app.include_router(device_pages.router)
    app.include_router(profile_pages.router)
    app.include_router(recovery_pages.router)
    app.include_router(level1_pages.router)
    app.include_router(level1_pages.guardian_router)
    app.include_router(level1_api.router)
    if settings.demo:
        app.include_router(demo_inbox.router)
    app.include_router(staff_pages.router)
    app.include_router(staff_api.router)
    app.include_router(population_pages.router)
    app.include_router(population_api.router)
    app.include_router(officer_pages.router)
    app.include_router(officer_api.router)
    app.include_router(upgrade_pages.router)
    app.include_router(face_queue_pages.router)
    app.include_router(enrollment_pages.router)
    app.include_router(capture_pages.router)
    app.include_router(card_pages.router)
    app.include_router(enrollment_api.router)
    app.include_router(campaign_pages.router)
    app.include_router(campaign_api.router)
    app.include_router(partner_pages.router)
    app.include_router(partner_client_pages.router)
    app.include_router(partner_api.router)
    app.mount("/static", StaticFiles(packages=[("dinhdanh", "static")]), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    return app
