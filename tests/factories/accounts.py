"""Citizen accounts for tests: created through the service, the initial password read back
from the outbox as the citizen would read their SMS."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from dinhdanh.accounts import passwords, service
from dinhdanh.accounts.models import Account
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.outbox import OutboxMessage
from tests.factories.population import make_card, make_citizen

PASSWORD = "Hoa-sen-no-trong-dam-7"
PASSCODE = "482915"


@dataclass
class Holder:
    """A citizen with an account, and the secrets the tests sign in with."""

    account_id: uuid.UUID
    citizen_id: uuid.UUID
    personal_id: str
    phone: str
    password: str
    passcode: str | None = None


async def last_sms(db, phone: str) -> str:
    """The newest SMS queued for a number."""
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "sms", OutboxMessage.recipient == phone)
            .order_by(OutboxMessage.created_at.desc())
        )
        return next(iter(rows)).body


def code_in(text: str) -> str:
    """The 6-digit code of a message."""
    return re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]


def initial_password_in(text: str) -> str:
    """The initial password of the account-creation SMS."""
    return re.search(r" (?:is|là) ([A-Za-z0-9]{12})\.", text).group(1)  # type: ignore[union-attr]


async def open_account(
    session, app, personal_id: str, phone: str = "0987000111", level: int = 2
) -> Account:
    """An account for a registry citizen, made through the service (its initial password
    goes out by SMS)."""
    return await service.create_account(
        session=session,
        tools=app.state.account_tools,
        actor=Principal.system("test"),
        data=service.NewAccount(personal_id=personal_id, phone=phone, level=level),
    )


async def create_holder(
    db,
    app,
    *,
    phone: str = "0912345678",
    activate: bool = True,
    level: int = 2,
    **citizen_fields: object,
) -> Holder:
    """A living citizen with a card and an account; activated (own password and passcode)
    unless `activate` is False, in which case `password` is the initial one from the SMS."""
    tools = app.state.account_tools
    async with db.unit_of_work() as session:
        citizen = await make_citizen(session, **citizen_fields)
        await make_card(session, citizen)
        account = await open_account(session, app, citizen.personal_id, phone, level)
        holder = Holder(account.id, citizen.id, citizen.personal_id, phone, "")
    holder.password = initial_password_in(await last_sms(db, phone))
    if activate:
        async with db.unit_of_work() as session:
            account = await session.get(Account, account.id)
            await passwords.activate(
                session=session,
                tools=tools,
                actor=Principal.system("test"),
                account=account,
                password=PASSWORD,
                passcode=PASSCODE,
            )
        holder.password, holder.passcode = PASSWORD, PASSCODE
    return holder


async def sign_in_web(client: httpx.AsyncClient, holder: Holder) -> httpx.Response:
    """Post the sign-in form (personal ID and password)."""
    return await client.post(
        "/me/login", data={"personal_id": holder.personal_id, "password": holder.password}
    )
