"""Administration pages of a partner's clients: create one, its page (settings,
credentials, usage), change it, rotate its secret, disable and enable it.

A secret is shown once: the change that makes it holds it (sealed) in the key-value store
under the administrator's session for a few minutes, and the next page takes it out."""

from __future__ import annotations

from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from dinhdanh.partners import relying_parties, service
from dinhdanh.partners.client_rules import ClientSettings
from dinhdanh.partners.clients import secret_digest
from dinhdanh.partners.models import PartnerClient
from dinhdanh.partners.pages import DONE, LABELS
from dinhdanh.partners.relying_parties import IssuedClient
from dinhdanh.partners.usage import usage
from dinhdanh.platform import web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import constant_time_equals
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render_form, submit

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, web.require_staff("admin")]
Reader = Annotated[Principal, web.require_staff("admin", "auditor")]
DAY: Final = 24 * 3600
_SHOW_CONTEXT: Final = "partners.secret-to-show"
_SHOW_SECONDS: Final = 300
_LISTS: Final = ("scopes", "required_claims", "grant_types")
_TEXTS: Final = {  # field → longest accepted text (the service says what is wrong inside)
    "name": 300,
    "purpose": 3000,
    "redirect_uris": 6000,
    "post_logout_redirect_uris": 6000,
    "level": 4,
    "auth_method": 40,
    "jwks": 60_000,
    "access_token_seconds": 10,
    "id_token_seconds": 10,
    "refresh_token_days": 10,
}


def client_url(client: PartnerClient, done: str = "") -> str:
    """The client's page (with the message of what was just done)."""
    url = f"/admin/partners/{client.partner_id}/clients/{client.client_id}"
    return url + (f"?done={done}" if done else "")


# ---------------------------------------------------------------- the form


def form_values(form: FormData) -> dict[str, Any]:
    """The submitted form as the page shows it again: texts cut to size, ticked boxes."""
    values: dict[str, Any] = {k: str(form.get(k) or "")[:n] for k, n in _TEXTS.items()}
    for name in _LISTS:
        values[name] = [str(v)[:60] for v in form.getlist(name)][:40]
    return values


def values_of(client: PartnerClient) -> dict[str, Any]:
    """A client's settings as the edit form shows them."""
    return {
        "name": client.name,
        "purpose": client.purpose,
        "redirect_uris": "\n".join(client.redirect_uris),
        "post_logout_redirect_uris": "\n".join(client.post_logout_redirect_uris),
        "scopes": list(client.scopes),
        "required_claims": list(client.required_claims),
        "grant_types": list(client.grant_types),
        "level": str(client.level),
        "auth_method": client.auth_method,
        "jwks": web_json(client.jwks),
        "access_token_seconds": str(client.access_token_seconds),
        "id_token_seconds": str(client.id_token_seconds),
        "refresh_token_days": str(client.refresh_token_seconds // DAY),
    }


def web_json(value: Any) -> str:
    """A JSON value indented for a text area ('' for none)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() if value else ""


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def settings_from(values: dict[str, Any]) -> ClientSettings:
    """The settings a submitted form asks for (keys pasted only with private_key_jwt)."""
    days = _number(values["refresh_token_days"])
    keys = values["auth_method"] == "private_key_jwt"
    return ClientSettings(
        name=values["name"],
        purpose=values["purpose"],
        redirect_uris=values["redirect_uris"].split(),
        post_logout_redirect_uris=values["post_logout_redirect_uris"].split(),
        scopes=values["scopes"],
        required_claims=values["required_claims"],
        grant_types=values["grant_types"],
        level=_number(values["level"]),
        auth_method=values["auth_method"],
        jwks=values["jwks"] if keys else None,
        access_token_seconds=_number(values["access_token_seconds"]),
        id_token_seconds=_number(values["id_token_seconds"]),
        refresh_token_seconds=days * DAY if days is not None else None,
    )


NEW_CLIENT: Final[dict[str, Any]] = {
    **{k: "" for k in _TEXTS},
    "scopes": ["openid"],
    "required_claims": [],
    "grant_types": ["authorization_code", "refresh_token"],
    "level": "2",
    "auth_method": "client_secret_basic",
    "access_token_seconds": "600",
    "id_token_seconds": "600",
    "refresh_token_days": "30",
}


# ---------------------------------------------------------------- the secret, shown once


def _show_key(principal: Principal, client_id: str) -> str:
    return f"partners:show:{principal.session_id}:{client_id}"


async def _keep_secret(request: Request, principal: Principal, issued: IssuedClient) -> None:
    if issued.secret and principal.session_id:
        sealed = request.app.state.cipher.encrypt(issued.secret, context=_SHOW_CONTEXT)
        key = _show_key(principal, issued.client.client_id)
        await request.app.state.kv.set(key, sealed.encode(), ttl=_SHOW_SECONDS)


async def _take_secret(request: Request, principal: Principal, client: PartnerClient) -> str | None:
    """The secret held for this page, once; only if it is still the client's secret (a
    change that rolled back leaves nothing to show)."""
    if not principal.session_id:
        return None
    key = _show_key(principal, client.client_id)
    sealed = await request.app.state.kv.get(key)
    if sealed is None:
        return None
    await request.app.state.kv.delete(key)
    cipher = request.app.state.cipher
    secret = str(cipher.decrypt(sealed.decode(), context=_SHOW_CONTEXT))
    current = client.secret_digest or ""
    return secret if constant_time_equals(secret_digest(cipher, secret), current) else None


# ---------------------------------------------------------------- pages


async def _new_page(
    request: Request,
    session: Session,
    partner_id: str,
    *,
    values: dict[str, Any],
    problem: Problem | None = None,
) -> Response:
    partner = await service.get_partner(session, partner_id)
    return render_form(
        request, "partners/client_new.html", problem, **LABELS, partner=partner, form=values
    )


@router.get("/admin/partners/{partner_id}/clients/new")
async def new_client_page(
    request: Request, session: Session, principal: Admin, partner_id: str
) -> Response:
    """The form to give the partner a client."""
    return await _new_page(request, session, partner_id, values=NEW_CLIENT)


@router.post("/admin/partners/{partner_id}/clients")
async def create_client(
    request: Request, session: Session, principal: Admin, partner_id: str
) -> Response:
    """Create the client; its page then shows the secret once."""
    values = form_values(await request.form())

    async def create() -> IssuedClient:
        issued = await relying_parties.create_client(
            session,
            actor=principal,
            cipher=request.app.state.cipher,
            partner_id=partner_id,
            settings=settings_from(values),
        )
        await _keep_secret(request, principal, issued)
        return issued

    return await submit(
        create(),
        then=lambda issued: client_url(issued.client, "client-created"),
        failed=lambda problem: _new_page(
            request, session, partner_id, values=values, problem=problem
        ),
    )


async def _client_page(
    request: Request,
    session: Session,
    principal: Principal,
    partner_id: str,
    client_id: str,
    *,
    done: str = "",
    values: dict[str, Any] | None = None,
    problem: Problem | None = None,
) -> Response:
    client = await relying_parties.get_client(session, partner_id, client_id)
    partner = await service.get_partner(session, client.partner_id)
    page = render_form(
        request,
        "partners/client.html",
        problem,
        **LABELS,
        partner=partner,
        client=client,
        kids=relying_parties.kids_of(client),
        usage=await usage(request.app.state.kv, client.client_id),
        secret=await _take_secret(request, principal, client) if not problem else None,
        form=values or values_of(client),
        flash=DONE.get(done),
    )
    # It may show a new secret once: never from a cache.
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/admin/partners/{partner_id}/clients/{client_id}")
async def client_page(
    request: Request,
    session: Session,
    principal: Reader,
    partner_id: str,
    client_id: str,
    done: str = "",
) -> Response:
    """A client: its credentials (a new secret shown once), settings and usage."""
    return await _client_page(request, session, principal, partner_id, client_id, done=done)


@router.post("/admin/partners/{partner_id}/clients/{client_id}")
async def update_client(
    request: Request, session: Session, principal: Admin, partner_id: str, client_id: str
) -> Response:
    """Save the client's settings."""
    values = form_values(await request.form())

    async def update() -> IssuedClient:
        issued = await relying_parties.update_client(
            session,
            actor=principal,
            cipher=request.app.state.cipher,
            partner_id=partner_id,
            client_id=client_id,
            settings=settings_from(values),
        )
        await _keep_secret(request, principal, issued)
        return issued

    return await submit(
        update(),
        then=lambda issued: client_url(issued.client, "client-updated"),
        failed=lambda problem: _client_page(
            request, session, principal, partner_id, client_id, values=values, problem=problem
        ),
    )


@router.post("/admin/partners/{partner_id}/clients/{client_id}/rotate-secret")
async def rotate_secret(
    request: Request, session: Session, principal: Admin, partner_id: str, client_id: str
) -> Response:
    """A new secret (shown once on the next page); the previous one works a while longer."""

    async def rotate() -> IssuedClient:
        issued = await relying_parties.rotate_secret(
            session,
            actor=principal,
            cipher=request.app.state.cipher,
            partner_id=partner_id,
            client_id=client_id,
            grace=relying_parties.grace_period(request.app.state.settings),
        )
        await _keep_secret(request, principal, issued)
        return issued

    return await submit(
        rotate(),
        then=lambda issued: client_url(issued.client, "secret-rotated"),
        failed=lambda problem: _client_page(
            request, session, principal, partner_id, client_id, problem=problem
        ),
    )


async def _set_active(
    request: Request,
    session: Session,
    principal: Principal,
    partner_id: str,
    client_id: str,
    active: bool,
) -> Response:
    return await submit(
        relying_parties.set_client_active(
            session, actor=principal, partner_id=partner_id, client_id=client_id, active=active
        ),
        then=lambda client: client_url(client, "client-enabled" if active else "client-disabled"),
        failed=lambda problem: _client_page(
            request, session, principal, partner_id, client_id, problem=problem
        ),
    )


@router.post("/admin/partners/{partner_id}/clients/{client_id}/disable")
async def disable_client(
    request: Request, session: Session, principal: Admin, partner_id: str, client_id: str
) -> Response:
    """Disable the client."""
    return await _set_active(request, session, principal, partner_id, client_id, False)


@router.post("/admin/partners/{partner_id}/clients/{client_id}/enable")
async def enable_client(
    request: Request, session: Session, principal: Admin, partner_id: str, client_id: str
) -> Response:
    """Enable the client again."""
    return await _set_active(request, session, principal, partner_id, client_id, True)
