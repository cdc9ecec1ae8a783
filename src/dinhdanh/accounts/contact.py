"""Changing the phone number or e-mail address: a one-time code to the new address proves
it is the holder's, and a notice goes to the old one (a hijacker cannot do it silently)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.models import Account
from dinhdanh.accounts.passwords import confirm_password
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    clean_email,
    clean_phone,
    mask_phone,
)
from dinhdanh.platform import outbox
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, Unauthorized, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_, gettext

Kind = Literal["phone", "email"]


def mask_email(email: str) -> str:
    """a***@example.com."""
    name, _, domain = email.partition("@")
    return (name[:1] + "***@" + domain) if domain else "***"


def _mask(kind: Kind, value: str) -> str:
    return mask_phone(value) if kind == "phone" else mask_email(value)


def _clean(kind: Kind, value: str) -> str:
    if kind == "phone":
        phone = clean_phone(value)
        if phone is None:
            raise ValidationProblem(
                errors=[field_error("phone", N_("Enter a Vietnamese mobile number (10 digits)."))]
            )
        return phone
    email = clean_email(value)
    if not email:
        raise ValidationProblem(errors=[field_error("email", N_("Enter a valid e-mail address."))])
    return email


async def request_change(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    kind: Kind,
    value: str,
    password: str,
) -> str:
    """Check the password and send a code to the new phone or address; returns it masked."""
    new = _clean(kind, value)
    if new == (account.phone if kind == "phone" else account.email):
        raise Conflict(N_("This is already your number or address."), type="contact-unchanged")
    await confirm_password(tools, account, password)
    code = await tools.codes.issue(kind, str(account.id), bound_to=new)
    text = gettext(
        "dinhdanh: the code to confirm this %(what)s for your e-ID account is %(code)s. "
        "It expires in 5 minutes.",
        what=gettext(N_("phone number") if kind == "phone" else N_("e-mail address")),
        code=code,
    )
    if kind == "phone":
        await outbox.enqueue(session, channel="sms", recipient=new, body=text)
    else:
        subject = gettext(N_("Confirm your e-mail address"))
        await outbox.enqueue(session, channel="email", recipient=new, subject=subject, body=text)
    await audit_account(
        session, actor, f"account.{kind}_change_requested", account, {"new": _mask(kind, new)}
    )
    return _mask(kind, new)


async def confirm_change(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    kind: Kind,
    code: str,
) -> str:
    """Check the code and switch to the new phone or address; the old one is told."""
    subject = str(account.id)
    new = await tools.codes.pending(kind, subject)

    async def right_code() -> bool:
        return new is not None and await tools.codes.verify(kind, subject, code)

    if not await tools.code_guard.attempt(f"{kind}:{subject}", actor.client_ip, right_code):
        raise Unauthorized(
            N_("The code is not correct, or it expired. Ask for a new one."),
            type="invalid-code",
            status=400,
        )
    old = account.phone if kind == "phone" else account.email
    notice = gettext(
        "dinhdanh: the %(what)s of your e-ID account was changed to %(new)s. Not you? "
        "Lock your account and go to a police office.",
        what=gettext(N_("phone number") if kind == "phone" else N_("e-mail address")),
        new=_mask(kind, new),
    )
    if kind == "phone":
        account.phone = new
        await outbox.enqueue(session, channel="sms", recipient=old or new, body=notice)
    else:
        account.email = new
        if old:
            title = gettext(N_("Your e-mail address was changed"))
            await outbox.enqueue(
                session, channel="email", recipient=old, subject=title, body=notice
            )
        await outbox.enqueue(session, channel="sms", recipient=account.phone, body=notice)
    await audit_account(
        session,
        actor,
        f"account.{kind}_changed",
        account,
        {"old": _mask(kind, old) if old else None, "new": _mask(kind, new)},
    )
    return _mask(kind, new)
