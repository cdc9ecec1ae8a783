"""The partner registry's JSON API for administrators (auditors read): organisations,
their status, their clients and credentials. Creations and secret rotations take an
Idempotency-Key: a retry gets the first answer (and the same secret) again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dinhdanh.partners import relying_parties, service
from dinhdanh.partners.relying_parties import IssuedClient
from dinhdanh.partners.schemas import (
    ClientIn,
    ClientOut,
    ClientPatch,
    ClientWithSecret,
    PartnerDetail,
    PartnerIn,
    PartnerList,
    PartnerOut,
    ReasonIn,
    SecretOut,
)
from dinhdanh.partners.usage import usage
from dinhdanh.platform import idempotency, web
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.idempotency import IdempotencyKey
from dinhdanh.platform.web import Session

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])

Admin = Annotated[Principal, web.require_staff("admin")]
Reader = Annotated[Principal, web.require_staff("admin", "auditor")]
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    422: PROBLEM,
    428: PROBLEM,
}


async def _once(
    request: Request,
    session: Session,
    principal: Principal,
    operation: Callable[[], Awaitable[tuple[int, Any]]],
) -> Response:
    """Run an administrator's creation once per Idempotency-Key."""
    owner = f"staff:{principal.id}"
    return await idempotency.once(request, session, owner=owner, operation=operation)


def _with_secret(issued: IssuedClient) -> dict[str, Any]:
    out = ClientWithSecret(**ClientOut.of(issued.client).model_dump(), client_secret=issued.secret)
    return out.model_dump(mode="json")


# ---------------------------------------------------------------- organisations


@router.get("", response_model=PartnerList, responses=ERRORS)
async def api_list_partners(
    session: Session,
    principal: Reader,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PartnerList:
    """List partners by name (filter by kind and status; search name, code, e-mail)."""
    page = await service.list_partners(
        session, filters=service.PartnerFilter(kind, status, q), offset=offset, limit=limit
    )
    items = [PartnerOut.of(p) for p in page.partners]
    return PartnerList(items=items, total=page.total, offset=offset, limit=limit)


@router.post("", status_code=201, responses={201: {"model": PartnerOut}, **ERRORS})
async def api_register_partner(
    request: Request,
    session: Session,
    principal: Admin,
    body: PartnerIn,
    key: IdempotencyKey = None,
) -> Response:
    """Register an organisation, pending approval."""

    async def register() -> tuple[int, Any]:
        data = service.NewPartner(**{**body.model_dump(), "website": body.website or ""})
        partner = await service.register_partner(session, actor=principal, data=data)
        return 201, PartnerOut.of(partner).model_dump(mode="json")

    return await _once(request, session, principal, register)


@router.get("/{partner_id}", response_model=PartnerDetail, responses=ERRORS)
async def api_get_partner(session: Session, principal: Reader, partner_id: str) -> PartnerDetail:
    """One partner with its clients."""
    partner = await service.get_partner(session, partner_id)
    clients = await relying_parties.list_clients(session, partner.id)
    return PartnerDetail(
        **PartnerOut.of(partner).model_dump(), clients=[ClientOut.of(c) for c in clients]
    )


@router.post("/{partner_id}/approve", response_model=PartnerOut, responses=ERRORS)
async def api_approve_partner(session: Session, principal: Admin, partner_id: str) -> PartnerOut:
    """Approve a pending partner: its enabled clients start working."""
    return PartnerOut.of(
        await service.approve_partner(session, actor=principal, partner_id=partner_id)
    )


@router.post("/{partner_id}/suspend", response_model=PartnerOut, responses=ERRORS)
async def api_suspend_partner(
    session: Session, principal: Admin, partner_id: str, body: ReasonIn
) -> PartnerOut:
    """Suspend an approved partner (a written reason): its clients are refused and the
    tokens it holds end."""
    partner = await service.suspend_partner(
        session, actor=principal, partner_id=partner_id, reason=body.reason
    )
    return PartnerOut.of(partner)


@router.post("/{partner_id}/reinstate", response_model=PartnerOut, responses=ERRORS)
async def api_reinstate_partner(
    session: Session, principal: Admin, partner_id: str, body: ReasonIn | None = None
) -> PartnerOut:
    """Lift a suspension."""
    reason = body.reason if body else ""
    partner = await service.reinstate_partner(
        session, actor=principal, partner_id=partner_id, reason=reason
    )
    return PartnerOut.of(partner)


# ---------------------------------------------------------------- clients


@router.post(
    "/{partner_id}/clients", status_code=201, responses={201: {"model": ClientWithSecret}, **ERRORS}
)
async def api_create_client(
    request: Request,
    session: Session,
    principal: Admin,
    partner_id: str,
    body: ClientIn,
    key: IdempotencyKey = None,
) -> Response:
    """Give the partner a client; the answer holds its secret (client_secret_basic), shown
    this once."""

    async def create() -> tuple[int, Any]:
        issued = await relying_parties.create_client(
            session,
            actor=principal,
            cipher=request.app.state.cipher,
            partner_id=partner_id,
            settings=body.settings(),
        )
        return 201, _with_secret(issued)

    return await _once(request, session, principal, create)


@router.get("/{partner_id}/clients/{client_id}", response_model=ClientOut, responses=ERRORS)
async def api_get_client(
    request: Request, session: Session, principal: Reader, partner_id: str, client_id: str
) -> ClientOut:
    """One client, with its usage over the last 30 days."""
    client = await relying_parties.get_client(session, partner_id, client_id)
    return ClientOut.of(client, await usage(request.app.state.kv, client.client_id))


@router.patch(
    "/{partner_id}/clients/{client_id}", response_model=ClientWithSecret, responses=ERRORS
)
async def api_update_client(
    request: Request,
    session: Session,
    principal: Admin,
    partner_id: str,
    client_id: str,
    body: ClientPatch,
) -> dict[str, Any]:
    """Change a client's settings (every rule checked again)."""
    current = await relying_parties.get_client(session, partner_id, client_id, for_update=True)
    issued = await relying_parties.update_client(
        session,
        actor=principal,
        cipher=request.app.state.cipher,
        partner_id=partner_id,
        client_id=client_id,
        settings=body.over(relying_parties.settings_of(current)),
    )
    return _with_secret(issued)


@router.post(
    "/{partner_id}/clients/{client_id}/rotate-secret",
    responses={200: {"model": SecretOut}, **ERRORS},
)
async def api_rotate_secret(
    request: Request,
    session: Session,
    principal: Admin,
    partner_id: str,
    client_id: str,
    key: IdempotencyKey = None,
) -> Response:
    """A new secret, shown this once; the previous one keeps working for the grace period."""

    async def rotate() -> tuple[int, Any]:
        issued = await relying_parties.rotate_secret(
            session,
            actor=principal,
            cipher=request.app.state.cipher,
            partner_id=partner_id,
            client_id=client_id,
            grace=relying_parties.grace_period(request.app.state.settings),
        )
        client = issued.client
        assert issued.secret is not None and client.secret_rotated_at is not None
        out = SecretOut(
            client_id=client.client_id,
            client_secret=issued.secret,
            secret_rotated_at=client.secret_rotated_at,
            previous_secret_expires_at=client.previous_secret_expires_at,
        )
        return 200, out.model_dump(mode="json")

    return await _once(request, session, principal, rotate)


async def _set_active(
    session: Session, principal: Principal, partner_id: str, client_id: str, active: bool
) -> ClientOut:
    client = await relying_parties.set_client_active(
        session, actor=principal, partner_id=partner_id, client_id=client_id, active=active
    )
    return ClientOut.of(client)


@router.post(
    "/{partner_id}/clients/{client_id}/disable", response_model=ClientOut, responses=ERRORS
)
async def api_disable_client(
    session: Session, principal: Admin, partner_id: str, client_id: str
) -> ClientOut:
    """Disable a client: refused at once, its tokens stop working at their next use."""
    return await _set_active(session, principal, partner_id, client_id, False)


@router.post("/{partner_id}/clients/{client_id}/enable", response_model=ClientOut, responses=ERRORS)
async def api_enable_client(
    session: Session, principal: Admin, partner_id: str, client_id: str
) -> ClientOut:
    """Enable a client again."""
    return await _set_active(session, principal, partner_id, client_id, True)
