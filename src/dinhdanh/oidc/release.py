"""Releasing a citizen's data to a relying party, each release written to the citizen's
activity log: which claims went to which service (names only, never the values)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc.claims import read_claims
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal


def client_principal(client: RelyingParty, client_ip: str | None = None) -> Principal:
    """The relying party as the actor of what it asked for (shown to the citizen as "a
    connected service")."""
    return Principal(
        kind="service",
        id=client.client_id,
        name=client.name,
        client_ip=client_ip,
    )


async def release(
    *,
    session: AsyncSession,
    citizen_id: uuid.UUID,
    client: RelyingParty,
    claims: Iterable[str],
    client_ip: str | None = None,
) -> dict[str, Any]:
    """The values of the granted claims (those with a value), audited as
    `oidc.claims_released`. Nothing is audited when no claim beyond `sub` was asked."""
    read = await read_claims(session=session, citizen_id=citizen_id, claims=claims)
    if not set(claims) - {"sub"}:
        return read.values
    actor = client_principal(client, client_ip)
    to_whom = {
        "client_id": client.client_id,
        "service": client.name,
        "partner": client.partner_name,
    }
    await audit.record(
        session,
        actor=actor,
        action="oidc.claims_released",
        subject_type="oidc_client",
        subject_id=client.client_id,
        citizen_id=citizen_id,
        data={**to_whom, "claims": sorted(read.values)},
    )
    await audit.record_many(
        session,
        actor=actor,
        action="oidc.household_released",
        subject_type="oidc_client",
        citizen_ids=read.household_others,
        data={**to_whom, "released_by": str(citizen_id)},
    )
    return read.values
