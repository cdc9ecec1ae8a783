"""Second factors the holder manages: an authenticator app (TOTP), sign-in codes by SMS and
recovery codes (passkeys live in `passkeys.py` and use the helpers here).

Every change asks for the current password, writes one audit event and, when a factor is
added or removed, sends the holder an SMS notice. Adding the first factor also makes ten
recovery codes, shown once; removing the last one drops the unused codes, which sign no
one in without a factor beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import segno
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import recovery_codes
from dinhdanh.accounts.models import TOTP_CONTEXT, Account, Passkey, RecoveryCode
from dinhdanh.accounts.passwords import confirm_password
from dinhdanh.accounts.service import AccountTools, audit_account, mask_phone, sms_to_holder
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.population import personal_id as pid_rules

# How long a started authenticator enrolment waits for its confirming code.
ENROL_SECONDS: Final = 600
_SHOW_SECONDS: Final = 300
_SHOW_CONTEXT: Final = "account.recovery-show"


# ---------------------------------------------------------------- what the account has


async def passkey_count(session: AsyncSession, account: Account) -> int:
    """How many passkeys the account has."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Passkey).where(Passkey.account_id == account.id)
        )
        or 0
    )


async def has_factor(session: AsyncSession, account: Account) -> bool:
    """True when the account has a second factor (app, SMS codes or a passkey)."""
    if account.totp_secret_enc or account.sms_otp:
        return True
    return await passkey_count(session, account) > 0


async def methods_of(
    session: AsyncSession, account: Account, *, unlocking: bool = False
) -> list[str]:
    """The second factors the account can use now: totp, passkey, sms, recovery. Unlocking
    also accepts a code to the registered phone (every account has one)."""
    # One round trip for both (this runs at every sign-in).
    has_passkey, has_recovery = (
        await session.execute(
            select(
                exists().where(Passkey.account_id == account.id),
                exists().where(
                    RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
                ),
            )
        )
    ).one()
    return methods_from(
        totp=bool(account.totp_secret_enc),
        passkey=bool(has_passkey),
        sms=account.sms_otp or unlocking,
        recovery=bool(has_recovery),
    )


def methods_from(*, totp: bool, passkey: bool, sms: bool, recovery: bool) -> list[str]:
    """The second factors on offer, in the order the pages show them; recovery codes only
    beside another factor (they stand in for one, they are not one)."""
    methods = [name for name, on in (("totp", totp), ("passkey", passkey), ("sms", sms)) if on]
    if methods and recovery:
        methods.append("recovery")
    return methods


async def generate_recovery_codes(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    password: str,
) -> list[str]:
    """Ten new recovery codes (the old ones stop working), confirmed with the password."""
    await confirm_password(tools, account, password)
    if not await has_factor(session, account):
        raise Conflict(
            N_("Add a second factor first: recovery codes stand in for it."),
            type="no-second-factor",
        )
    codes = await recovery_codes.replace_all(session, account)
    await audit_account(
        session,
        actor,
        "account.recovery_codes_generated",
        account,
        {"count": len(codes), "automatic": False},
    )
    return codes


async def keep_to_show(tools: AccountTools, session_id: str | None, codes: list[str]) -> None:
    """Hold new recovery codes for the next page of this session, which shows them once."""
    if session_id and codes:
        sealed = tools.cipher.encrypt(" ".join(codes), context=_SHOW_CONTEXT)
        await tools.kv.set(f"rc-show:{session_id}", sealed.encode(), ttl=_SHOW_SECONDS)


async def take_to_show(tools: AccountTools, session_id: str | None) -> list[str]:
    """The recovery codes held for this session, once: reading them forgets them."""
    if not session_id:
        return []
    key = f"rc-show:{session_id}"
    sealed = await tools.kv.get(key)
    if sealed is None:
        return []
    await tools.kv.delete(key)
    return tools.cipher.decrypt(sealed.decode(), context=_SHOW_CONTEXT).split()


# ---------------------------------------------------------------- adding and removing


async def factor_added(
    session: AsyncSession,
    actor: Principal,
    account: Account,
    *,
    action: str,
    data: dict[str, Any],
    first: bool,
    notice: str,
    **params: Any,
) -> list[str]:
    """Record an added factor (one audit event), tell the holder by SMS, and make the
    recovery codes when it is the first factor. Returns the new codes, if any."""
    codes = await recovery_codes.replace_all(session, account) if first else []
    if codes:
        data = {**data, "recovery_codes_generated": len(codes)}
    await audit_account(session, actor, action, account, data)
    await sms_to_holder(session, account, notice, **params)
    return codes


async def factor_removed(
    session: AsyncSession,
    actor: Principal,
    account: Account,
    *,
    action: str,
    data: dict[str, Any],
    notice: str,
    **params: Any,
) -> None:
    """Record a removed factor, drop the recovery codes when no factor is left, and tell
    the holder by SMS."""
    if not await has_factor(session, account):
        dropped = await recovery_codes.drop_unused(session, account)
        if dropped:
            data = {**data, "recovery_codes_dropped": dropped}
    await audit_account(session, actor, action, account, data)
    await sms_to_holder(session, account, notice, **params)


# ---------------------------------------------------------------- authenticator app


@dataclass
class TotpEnrolment:
    """A started authenticator enrolment: the secret, its otpauth URI and the QR code."""

    secret: str
    uri: str
    qr_data_uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, for typing it into the app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def _enrol_key(account: Account) -> str:
    return f"totp-enrol:{account.id}"


def _enrolment(tools: AccountTools, account: Account, secret: str) -> TotpEnrolment:
    uri = tools.totp.provisioning_uri(secret, pid_rules.mask(account.personal_id))
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return TotpEnrolment(secret, uri, qr)


async def start_totp(*, tools: AccountTools, account: Account) -> TotpEnrolment:
    """A new authenticator secret, waiting (10 minutes) for a code that proves the app has
    it. Nothing changes on the account until then."""
    if account.totp_secret_enc:
        raise Conflict(
            N_("An authenticator app is already set up. Remove it first to set up another."),
            type="totp-exists",
        )
    secret = tools.totp.new_secret()
    sealed = tools.cipher.encrypt(secret, context=TOTP_CONTEXT)
    await tools.kv.set(_enrol_key(account), sealed.encode(), ttl=ENROL_SECONDS)
    return _enrolment(tools, account, secret)


async def pending_totp(*, tools: AccountTools, account: Account) -> TotpEnrolment | None:
    """The started enrolment waiting for its code, if any."""
    sealed = await tools.kv.get(_enrol_key(account))
    if sealed is None or account.totp_secret_enc:
        return None
    return _enrolment(tools, account, tools.cipher.decrypt(sealed.decode(), context=TOTP_CONTEXT))


async def cancel_totp(*, tools: AccountTools, account: Account) -> None:
    """Forget a started enrolment."""
    await tools.kv.delete(_enrol_key(account))


async def confirm_totp(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    code: str,
    password: str,
) -> list[str]:
    """Turn the authenticator on with a code from it and the password. Returns the new
    recovery codes when it is the account's first factor."""
    await confirm_password(tools, account, password)
    sealed = await tools.kv.get(_enrol_key(account))
    if account.totp_secret_enc:
        raise Conflict(N_("An authenticator app is already set up."), type="totp-exists")
    if sealed is None:
        raise Conflict(
            N_("The set-up has expired. Start again to get a new QR code."),
            type="totp-enrolment-expired",
        )
    secret = tools.cipher.decrypt(sealed.decode(), context=TOTP_CONTEXT)
    # Same subject as at sign-in: the code that confirms cannot sign in a second time.
    if not await tools.totp.verify(secret, code, subject=f"citizen:{account.id}"):
        raise ValidationProblem(
            errors=[
                field_error("code", N_("The code is not correct. Check the time on your phone."))
            ]
        )
    first = not await has_factor(session, account)
    account.totp_secret_enc = sealed.decode()
    await tools.kv.delete(_enrol_key(account))
    return await factor_added(
        session,
        actor,
        account,
        action="account.totp_enabled",
        data={},
        first=first,
        notice=N_(
            "dinhdanh: an authenticator app was added to your e-ID account as a second "
            "factor. Not you? Lock your account now."
        ),
    )


async def remove_totp(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    password: str,
) -> None:
    """Turn the authenticator off, confirmed with the password."""
    await confirm_password(tools, account, password)
    if not account.totp_secret_enc:
        raise Conflict(N_("No authenticator app is set up."), type="no-totp")
    account.totp_secret_enc = None
    await factor_removed(
        session,
        actor,
        account,
        action="account.totp_removed",
        data={},
        notice=N_(
            "dinhdanh: the authenticator app was removed from your e-ID account. "
            "Not you? Lock your account now."
        ),
    )


# ---------------------------------------------------------------- codes by SMS


async def set_sms_otp(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    enabled: bool,
    password: str,
) -> list[str]:
    """Turn sign-in codes by SMS on or off, confirmed with the password. Returns the new
    recovery codes when it is the account's first factor."""
    await confirm_password(tools, account, password)
    if account.sms_otp == enabled:
        return []
    if enabled:
        first = not await has_factor(session, account)
        account.sms_otp = True
        return await factor_added(
            session,
            actor,
            account,
            action="account.sms_otp_enabled",
            data={"phone": mask_phone(account.phone)},
            first=first,
            notice=N_(
                "dinhdanh: sign-in codes by SMS to this number were turned on for your e-ID "
                "account. Not you? Lock your account now."
            ),
        )
    account.sms_otp = False
    await factor_removed(
        session,
        actor,
        account,
        action="account.sms_otp_disabled",
        data={"phone": mask_phone(account.phone)},
        notice=N_(
            "dinhdanh: sign-in codes by SMS were turned off for your e-ID account. "
            "Not you? Lock your account now."
        ),
    )
    return []


# ---------------------------------------------------------------- passkey alone


async def set_passkey_sign_in(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    allowed: bool,
    password: str,
) -> None:
    """Allow or refuse signing in with a passkey alone (without the password)."""
    await confirm_password(tools, account, password)
    if account.passkey_sign_in == allowed:
        return
    account.passkey_sign_in = allowed
    await audit_account(
        session, actor, "account.passkey_sign_in_changed", account, {"allowed": allowed}
    )
