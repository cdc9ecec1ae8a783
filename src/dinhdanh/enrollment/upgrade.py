"""The office's upgrade of a level-1 account to level 2 (Decree 69 Art. 10): an officer of
the unit where the holder lives, having seen the person with their card, raises the level.

The officer attests it (recorded in an audit event of its own), the registry must show a
valid card, and `accounts.service.set_level` does the change (its own audit event, every
session ended so that the next sign-in carries level 2); the holder is told by SMS.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import officer
from dinhdanh.accounts import service as accounts
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_


async def upgrade_to_level2(
    *,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: str,
    seen_in_person: bool,
) -> Account:
    """Raise a level-1 account of the unit to level 2 after the officer saw the person and
    their valid card; Conflict when it is level 2 already or the registry has no valid card."""
    account, holder = await officer.account_in_scope(
        session=session, principal=principal, account_id=account_id
    )
    if account.level >= 2:
        raise Conflict(N_("This account is already at level 2."), type="already-level-2")
    if holder.status != "living":
        raise Conflict(N_("The registry records this person as deceased."), type="citizen-deceased")
    if not holder.has_valid_card:
        raise Conflict(
            N_(
                "The registry shows no valid card for this person: a card application is "
                "needed first."
            ),
            type="no-valid-card",
        )
    if not seen_in_person:
        raise ValidationProblem(
            errors=[
                field_error(
                    "seen_in_person",
                    N_(
                        "Confirm that you saw the person with their card, and that they match "
                        "its photo."
                    ),
                )
            ]
        )
    await accounts.audit_account(
        session, principal, "account.identity_checked_at_office", account, {"card": "valid"}
    )
    await accounts.set_level(
        session=session, tools=tools, actor=principal, account=account, level=2
    )
    await accounts.sms_to_holder(
        session,
        account,
        N_(
            "dinhdanh: your e-ID account is now at level 2. Sign in again on your devices to "
            "use every feature."
        ),
    )
    return account
