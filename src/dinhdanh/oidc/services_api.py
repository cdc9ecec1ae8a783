"""The app's JSON API: the services connected to the account, and withdrawing one."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from dinhdanh.accounts.own_account import Own, no_content
from dinhdanh.oidc import consents
from dinhdanh.platform.idempotency import IdempotencyKey

router = APIRouter(prefix="/api/app/v1", tags=["app: connected services"])


class ServiceOut(BaseModel):
    """A service the holder consented to share data with."""

    client_id: str
    service: str
    partner: str
    purpose: str
    scopes: list[str]
    claims: list[str]
    scope_labels: list[str]
    claim_labels: list[str]
    granted_at: dt.datetime
    last_release: dt.datetime | None
    active: bool


@router.get("/services", response_model=list[ServiceOut])
async def my_services(own: Own) -> list[ServiceOut]:
    """The connected services, newest consent first, with what each may receive (claim
    names, and labels in the request's language) and when it last received data."""
    assert own.principal.citizen_id is not None
    found = await consents.connected_services(
        session=own.session, citizen_id=own.principal.citizen_id
    )
    return [ServiceOut.model_validate(s, from_attributes=True) for s in found]


@router.delete("/services/{client_id}", status_code=204)
async def revoke_service(own: Own, client_id: str, key: IdempotencyKey = None) -> Response:
    """Withdraw the consent to a service: its tokens end at once and its next sign-in
    asks again. 404 when there is no consent to withdraw."""
    return await own.once(consents.revoke, no_content, client_id=client_id)
