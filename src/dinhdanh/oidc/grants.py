"""Ending what a citizen granted: token families, a citizen's grants to a client or a
session, and the reactions to a locked account and a suspended partner.

A token family is everything one authorization code yielded: its access tokens and the
chain of refresh tokens rotated from it; its id is the code's `id`. Ending a family
revokes its refresh tokens in the database and marks it in the key-value store, which
refuses its access tokens at their next use. The event handlers run inside another
context's transaction without a key-value store: they revoke the refresh tokens and void
pending codes, and the access tokens are refused at use by the checks of
`access_tokens.active` (account locked, client unusable).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.activity import explains
from dinhdanh.oidc.access_tokens import REVOKED_MARK_SECONDS, mark_family_revoked
from dinhdanh.oidc.models import AuthorizationCode, RefreshToken
from dinhdanh.partners.relying_parties import list_clients
from dinhdanh.platform import audit, clock, events, i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Executor
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.kv import KeyValue

_rts = RefreshToken.__table__
_codes = AuthorizationCode.__table__
REVOKED_ACTION: Final = "oidc.tokens_revoked"
# Why a service's tokens ended, as the citizen reads it in the activity log.
REVOCATION_REASONS: Final[dict[str, str]] = {
    "account_locked": N_("your account was locked"),
    "code_reused": N_("a sign-in code was used twice, so the access was ended for safety"),
    "refresh_token_reused": N_(
        "a renewal token was used twice, so the access was ended for safety"
    ),
    "revoked_by_client": N_("the service ended its access"),
}


async def audit_revocation(
    executor: Executor,
    *,
    actor: Principal,
    citizen_id: uuid.UUID | None,
    reason: str,
    **data: Any,
) -> None:
    """One audit event for tokens ended (the citizen sees it in their activity log);
    `data` names the service (`service`, `client_id`) when one is concerned."""
    await audit.record(
        executor,
        actor=actor,
        action=REVOKED_ACTION,
        subject_type="citizen",
        subject_id=citizen_id,
        citizen_id=citizen_id,
        data={"reason": reason, **data},
    )


async def revoke_family(*, session: Executor, kv: KeyValue, family_id: uuid.UUID) -> int:
    """End one token family: its refresh tokens revoked, its access tokens refused from
    now on. The number of refresh tokens revoked."""
    result = await session.execute(
        update(_rts)
        .where(_rts.c.family_id == family_id, _rts.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    await mark_family_revoked(kv, family_id)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _grant_filter(
    table: Any, citizen_id: uuid.UUID, client_id: str | None, sid: str | None
) -> list[ColumnElement[bool]]:
    where = [table.c.citizen_id == citizen_id]
    if client_id is not None:
        where.append(table.c.client_id == client_id)
    if sid is not None:
        where.append(table.c.sid == sid)
    return where


async def _void_pending_codes(executor: Executor, where: list[ColumnElement[bool]]) -> None:
    now = clock.now()
    await executor.execute(
        update(_codes)
        .where(*where, _codes.c.redeemed_at.is_(None), _codes.c.expires_at > now)
        .values(expires_at=now)
    )


async def revoke_grants(
    *,
    session: Executor,
    kv: KeyValue,
    citizen_id: uuid.UUID,
    client_id: str | None = None,
    sid: str | None = None,
) -> int:
    """End every token family of a citizen, narrowed to one client and/or one provider
    session (`sid`), and void their codes not yet redeemed. Used by consent revocation and
    logout. The number of families ended.

    Families are found through their refresh tokens and through the codes redeemed within
    an access token's longest life (a client without refresh tokens has only those)."""
    now = clock.now()
    rt_where = _grant_filter(_rts, citizen_id, client_id, sid)
    code_where = _grant_filter(_codes, citizen_id, client_id, sid)
    from_refresh = await session.execute(
        select(_rts.c.family_id)
        .where(*rt_where, _rts.c.revoked_at.is_(None), _rts.c.expires_at > now)
        .distinct()
    )
    since = now - dt.timedelta(seconds=REVOKED_MARK_SECONDS)
    from_codes = await session.execute(
        select(_codes.c.id).where(*code_where, _codes.c.redeemed_at > since)
    )
    families = set(from_refresh.scalars()) | set(from_codes.scalars())
    await session.execute(
        update(_rts).where(*rt_where, _rts.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    await _void_pending_codes(session, code_where)
    for family_id in sorted(families):
        await mark_family_revoked(kv, family_id)
    return len(families)


async def _end_in_database(executor: Executor, column: str, values: list[Any]) -> int:
    """Revoke the refresh tokens and void the pending codes whose `column` is one of
    `values` (no key-value store at hand). The number of refresh tokens revoked."""
    result = await executor.execute(
        update(_rts)
        .where(_rts.c[column].in_(values), _rts.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    await _void_pending_codes(executor, [_codes.c[column].in_(values)])
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@events.subscribe(events.ACCOUNT_LOCKED)
async def _on_account_locked(
    *, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID, **_: Any
) -> None:
    """A locked account's refresh tokens end; its access tokens are refused at use."""
    ended = await _end_in_database(session, "citizen_id", [citizen_id])
    if ended:
        await audit_revocation(
            session,
            actor=actor,
            citizen_id=citizen_id,
            reason="account_locked",
            refresh_tokens=ended,
        )


@events.subscribe(events.PARTNER_SUSPENDED)
async def _on_partner_suspended(
    *, session: AsyncSession, actor: Principal, partner_id: uuid.UUID, **_: Any
) -> None:
    """A suspended partner's refresh tokens end; its clients are refused everywhere."""
    client_ids = [c.client_id for c in await list_clients(session, partner_id)]
    if client_ids:
        await _end_in_database(session, "client_id", client_ids)


@events.subscribe(events.CLIENT_DISABLED)
async def _on_client_disabled(
    *, session: AsyncSession, actor: Principal, client_id: str, **_: Any
) -> None:
    """A disabled client's refresh tokens end: enabling it again revives none of them."""
    await _end_in_database(session, "client_id", [client_id])


@explains(REVOKED_ACTION)
def _revocation_details(data: dict[str, Any]) -> str:
    """The activity log's line: which service, and why its access ended."""
    service = str(data.get("service") or data.get("client_id") or "")
    reason = i18n.label(REVOCATION_REASONS, data.get("reason"), default="")
    return " · ".join(part for part in (service, reason) if part)
