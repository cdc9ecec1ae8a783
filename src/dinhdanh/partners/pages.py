"""Administration pages of the partner registry: the list (search, filter, register), a
partner's page (details, status, clients with their credentials and usage) and its status
changes. The clients' own pages are in `client_pages`."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from dinhdanh.partners import relying_parties, service
from dinhdanh.partners.models import (
    CLIENT_AUTH_METHODS,
    GRANT_TYPES,
    PARTNER_KINDS,
    PARTNER_STATUSES,
)
from dinhdanh.partners.scopes import SCOPE_CLAIMS
from dinhdanh.partners.usage import USAGE_KINDS, usage
from dinhdanh.platform import web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.web import Session, render_form, submit

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, web.require_staff("admin")]
Reader = Annotated[Principal, web.require_staff("admin", "auditor")]
Text = Annotated[str, Form(max_length=3000)]
PAGE_SIZE: Final = 50

# Messages shown after a redirect; the query carries only the key.
DONE: Final[dict[str, str]] = {
    "registered": N_("The organisation was registered. Approve it once its checks are done."),
    "approved": N_("The partner was approved: its enabled clients work from now on."),
    "suspended": N_("The partner was suspended: its clients are refused and its tokens end."),
    "reinstated": N_("The suspension was lifted: the partner is approved again."),
    "client-created": N_("The client was created."),
    "client-updated": N_("The changes were saved."),
    "secret-rotated": N_("A new secret was made."),
    "client-disabled": N_("The client was disabled: it is refused from now on."),
    "client-enabled": N_("The client was enabled."),
}

# Names of the coded values the pages show, translated in the templates.
LABELS: Final[dict[str, Any]] = {
    "kind_names": {
        "public_service": N_("Public service"),
        "bank": N_("Bank"),
        "hospital": N_("Hospital"),
        "utility": N_("Utility (electricity, water)"),
        "document_issuer": N_("Document issuer"),
        "biller": N_("Biller"),
        "authority": N_("Competent authority"),
    },
    "status_names": {
        "pending": N_("Waiting for approval"),
        "approved": N_("Approved"),
        "suspended": N_("Suspended"),
    },
    "grant_names": {
        "authorization_code": N_("Sign-in of citizens (authorization code)"),
        "refresh_token": N_("Refresh tokens"),
        "client_credentials": N_("API calls as itself (client credentials)"),
    },
    "auth_method_names": {
        "client_secret_basic": N_("Client secret (client_secret_basic)"),
        "private_key_jwt": N_("Signed assertion with its keys (private_key_jwt)"),
    },
    "usage_names": {
        "authorize": N_("Sign-in requests"),
        "par": N_("Pushed requests"),
        "token": N_("Tokens issued"),
        "userinfo": N_("Userinfo"),
        "introspect": N_("Introspections"),
        "revoke": N_("Revocations"),
        "logout": N_("Sign-outs"),
    },
    "kinds": PARTNER_KINDS,
    "statuses": PARTNER_STATUSES,
    "grant_types": GRANT_TYPES,
    "auth_methods": CLIENT_AUTH_METHODS,
    "scope_claims": SCOPE_CLAIMS,
    "usage_kinds": USAGE_KINDS,
}


def partner_url(partner_id: object, done: str = "") -> str:
    """The partner's page (with the message of what was just done)."""
    return f"/admin/partners/{partner_id}" + (f"?done={done}" if done else "")


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


# ---------------------------------------------------------------- the list


async def _list_page(
    request: Request,
    session: Session,
    params: dict[str, str],
    *,
    form: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    number = _page_number(params.get("page", "1"))
    args = {k: (params.get(k) or "")[:100] for k in ("kind", "status", "q")}
    filters = service.PartnerFilter(args["kind"] or None, args["status"] or None, args["q"])
    result = await service.list_partners(
        session, filters=filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    more = result.offset + result.limit < result.total
    return render_form(
        request,
        "partners/list.html",
        problem,
        **LABELS,
        result=result,
        filters=args,
        page=number,
        prev_qs=urlencode({**args, "page": number - 1}) if number > 1 else None,
        next_qs=urlencode({**args, "page": number + 1}) if more else None,
        form=form or {"kind": "public_service"},
    )


@router.get("/admin/partners")
async def partners_page(request: Request, session: Session, principal: Reader) -> Response:
    """Partners by name: search, filter by kind and status; administrators register here."""
    return await _list_page(request, session, dict(request.query_params))


@router.post("/admin/partners")
async def register_partner(
    request: Request,
    session: Session,
    principal: Admin,
    name: Text = "",
    kind: Text = "",
    registration_code: Text = "",
    contact_email: Text = "",
    website: Text = "",
) -> Response:
    """Register an organisation (pending approval)."""
    data = service.NewPartner(name, kind, registration_code, contact_email, website)
    return await submit(
        service.register_partner(session, actor=principal, data=data),
        then=lambda partner: partner_url(partner.id, "registered"),
        failed=lambda problem: _list_page(request, session, {}, form=vars(data), problem=problem),
    )


# ---------------------------------------------------------------- a partner


async def partner_page(
    request: Request,
    session: Session,
    partner_id: str,
    *,
    done: str = "",
    reason: str = "",
    problem: Problem | None = None,
) -> Response:
    """Render a partner's page (with a failed status change's problem at its form)."""
    partner = await service.get_partner(session, partner_id)
    clients = await relying_parties.list_clients(session, partner.id)
    kv = request.app.state.kv
    return render_form(
        request,
        "partners/partner.html",
        problem,
        **LABELS,
        partner=partner,
        clients=[(c, relying_parties.kids_of(c), await usage(kv, c.client_id)) for c in clients],
        reason=reason,
        flash=DONE.get(done),
    )


@router.get("/admin/partners/{partner_id}")
async def partner_detail(
    request: Request, session: Session, principal: Reader, partner_id: str, done: str = ""
) -> Response:
    """A partner: details, status, and its clients with credentials and 30 days' usage."""
    return await partner_page(request, session, partner_id, done=done)


@router.post("/admin/partners/{partner_id}/approve")
async def approve_partner(
    request: Request, session: Session, principal: Admin, partner_id: str
) -> Response:
    """Approve a pending partner."""
    return await submit(
        service.approve_partner(session, actor=principal, partner_id=partner_id),
        then=lambda p: partner_url(p.id, "approved"),
        failed=lambda problem: partner_page(request, session, partner_id, problem=problem),
    )


@router.post("/admin/partners/{partner_id}/suspend")
async def suspend_partner(
    request: Request, session: Session, principal: Admin, partner_id: str, reason: Text = ""
) -> Response:
    """Suspend an approved partner, with a written reason."""
    return await submit(
        service.suspend_partner(session, actor=principal, partner_id=partner_id, reason=reason),
        then=lambda p: partner_url(p.id, "suspended"),
        failed=lambda problem: partner_page(
            request, session, partner_id, reason=reason, problem=problem
        ),
    )


@router.post("/admin/partners/{partner_id}/reinstate")
async def reinstate_partner(
    request: Request, session: Session, principal: Admin, partner_id: str, reason: Text = ""
) -> Response:
    """Lift a suspension."""
    return await submit(
        service.reinstate_partner(session, actor=principal, partner_id=partner_id, reason=reason),
        then=lambda p: partner_url(p.id, "reinstated"),
        failed=lambda problem: partner_page(
            request, session, partner_id, reason=reason, problem=problem
        ),
    )
