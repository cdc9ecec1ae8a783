"""Authorization codes: random, single use, 60 seconds; only their digest is stored.

The code's row carries everything the token endpoint needs (client, citizen, redirect
URI, PKCE challenge, granted scopes and claims, nonce, level, factors, sign-in time and
the provider session), so redeeming it reads nothing else. A locked account or a
deceased citizen never gets one.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import account_of_citizen
from dinhdanh.oidc.models import AuthorizationCode
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import token_digest
from dinhdanh.population.identity import identity

CODE_SECONDS: Final = 60


def code_digest(code: str) -> str:
    """The stored form of a code (`oidc_codes.code_digest`): its SHA-256, hex."""
    return token_digest(code)


class NoCodeForThisCitizen(Exception):
    """The account is locked or missing, or the citizen is not living."""


async def may_sign_in(session: AsyncSession, citizen_id: uuid.UUID) -> bool:
    """True when the citizen is living and their account active and not locked."""
    account = await account_of_citizen(session, citizen_id)
    if account is None or account.locked or account.status != "active":
        return False
    who = await identity(session=session, citizen_id=citizen_id)
    return who is not None and who.status == "living"


async def issue(
    *,
    session: AsyncSession,
    client_id: str,
    citizen_id: uuid.UUID,
    redirect_uri: str,
    scopes: Iterable[str],
    claims: Iterable[str],
    nonce: str | None,
    code_challenge: str,
    level: int,
    amr: Iterable[str],
    auth_time: dt.datetime,
    sid: str | None,
) -> str:
    """A new authorization code for these grants (the caller has the citizen's consent).
    Raises NoCodeForThisCitizen for a locked account or a citizen no longer living."""
    if not await may_sign_in(session, citizen_id):
        raise NoCodeForThisCitizen()
    code = secrets.token_urlsafe(32)
    session.add(
        AuthorizationCode(
            code_digest=code_digest(code),
            id=uuid.uuid4(),
            client_id=client_id,
            citizen_id=citizen_id,
            redirect_uri=redirect_uri,
            scopes=list(scopes),
            claims=list(claims),
            nonce=nonce,
            code_challenge=code_challenge,
            level=level,
            amr=list(amr),
            auth_time=auth_time,
            sid=sid,
            expires_at=clock.now() + dt.timedelta(seconds=CODE_SECONDS),
        )
    )
    await session.flush()
    return code
