"""Releasing a citizen's data to a relying party, each release written to the citizen's
activity log: which claims went to which service (names only, never the values)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc.claims import claim_values, household_member_ids
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
    values = await claim_values(session=session, citizen_id=citizen_id, claims=claims)
    wanted = sorted(set(claims) - {"sub"})
    if wanted:
        await audit.record(
            session,
            actor=client_principal(client, client_ip),
            action="oidc.claims_released",
            subject_type="oidc_client",
            subject_id=client.client_id,
            citizen_id=citizen_id,
            data={
                "client_id": client.client_id,
                "service": client.name,
                "partner": client.partner_name,
                "claims": sorted(values),
            },
        )
        if "dinhdanh_household" in values:
            await audit.record_many(
                session,
                actor=client_principal(client, client_ip),
                action="oidc.household_released",
                subject_type="oidc_client",
                citizen_ids=await household_member_ids(session=session, citizen_id=citizen_id),
                data={
                    "client_id": client.client_id,
                    "service": client.name,
                    "partner": client.partner_name,
                    "released_by": str(citizen_id),
                },
            )
    return values
