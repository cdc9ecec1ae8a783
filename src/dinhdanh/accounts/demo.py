"""Demo citizen accounts (demo mode only): one active account with a known password and
passcode, and one waiting for activation whose initial password is in the demo inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import passwords, service
from dinhdanh.accounts.models import Account
from dinhdanh.platform.auth import Principal
from dinhdanh.population.identity import adults_with_valid_card, full_name_of

DEMO_COMMUNE: Final = "00004"  # Phường Ba Đình, the demo officer's commune
DEMO_PASSWORD: Final = "Sen-Ho-Tay-2025"  # noqa: S105  (demo mode only; refused in production)
DEMO_PASSCODE: Final = "246813"
DEMO_PHONES: Final = ("0912000001", "0912000002")


@dataclass(frozen=True)
class DemoHolder:
    """A demo citizen account the CLI prints at start."""

    personal_id: str
    full_name: str
    phone: str
    password: str
    passcode: str
    state: str  # active | pending


async def ensure_demo_accounts(
    session: AsyncSession, *, tools: service.AccountTools
) -> list[DemoHolder]:
    """Create the demo accounts when absent; return them for the CLI to print."""
    actor = Principal.system("demo")
    existing = list(await session.scalars(select(Account).where(Account.created_by == "demo")))
    if not existing:
        people = await adults_with_valid_card(session=session, commune_code=DEMO_COMMUNE, limit=2)
        for who, phone in zip(people, DEMO_PHONES, strict=False):
            account = await service.create_account(
                session=session,
                tools=tools,
                actor=actor,
                data=service.NewAccount(personal_id=who.personal_id, phone=phone),
            )
            existing.append(account)
        if existing:
            await passwords.activate(
                session=session,
                tools=tools,
                actor=actor,
                account=existing[0],
                password=DEMO_PASSWORD,
                passcode=DEMO_PASSCODE,
            )
    holders = []
    for account in existing:
        active = account.status == "active"
        holders.append(
            DemoHolder(
                personal_id=account.personal_id,
                full_name=await full_name_of(session=session, citizen_id=account.citizen_id),
                phone=account.phone,
                password=DEMO_PASSWORD if active else "(initial password: see /demo/inbox)",
                passcode=DEMO_PASSCODE if active else "",
                state=account.status,
            )
        )
    return holders
