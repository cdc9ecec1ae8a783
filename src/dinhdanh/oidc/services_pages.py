"""The citizen's connected services page: each service they consented to, what it may
receive, when it last did, and withdrawing the consent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.accounts.own_account import Own
from dinhdanh.oidc import consents
from dinhdanh.platform.web import render

router = APIRouter(prefix="/me", tags=["citizen pages"], include_in_schema=False)


@router.get("/services")
async def services(request: Request, own: Own, done: str = "") -> Response:
    """The services connected to the account, newest consent first."""
    assert own.principal.citizen_id is not None
    found = await consents.connected_services(
        session=own.session, citizen_id=own.principal.citizen_id
    )
    return render(request, "oidc/services.html", services=found, done=done[:20])


@router.post("/services/{client_id}/revoke")
async def revoke(own: Own, client_id: str) -> Response:
    """Withdraw the consent: the service's tokens end and it must ask again."""
    await own.call(consents.revoke, await own.account(), client_id=client_id)
    return RedirectResponse("/me/services?done=revoked", status_code=303)
