"""The holder's security page (/me/security): password, passcode, second factors, passkeys,
recovery codes; and the JSON endpoints its script and the sign-in pages call for passkeys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from dinhdanh.accounts import (
    factors,
    passkey_pages,
    passkey_registration,
    passkeys,
    passwords,
    recovery_codes,
    service,
)
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.own_account import Own, OwnAccount
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import render_form, submit

router = APIRouter(prefix="/me", tags=["citizen security"], include_in_schema=False)
PAGE = "/me/security"
Password = Annotated[str, Form(max_length=1000)]
Switch = Annotated[str, Form(max_length=1)]


async def _page(
    own: OwnAccount, *, problem: Problem | None = None, failed: str = "", done: str = ""
) -> Response:
    account = await own.account()
    session, tools = own.session, own.tools
    keys = await passkeys.list_passkeys(session, account)
    return render_form(
        own.request,
        "accounts/security.html",
        problem,
        account=account,
        phone=service.mask_phone(account.phone),
        passkeys=keys,
        enrolment=await factors.pending_totp(tools=tools, account=account),
        has_factor=bool(account.totp_secret_enc or account.sms_otp or keys),
        codes_left=await recovery_codes.codes_left(session, account),
        new_codes=[] if problem else await factors.take_to_show(tools, own.principal.session_id),
        failed=failed,
        done=done,
    )


async def _change(
    own: OwnAccount,
    *,
    form: str,
    done: str,
    work: Callable[[Account], Awaitable[list[str] | None]],
) -> Response:
    """Run one change of the security page: back to the page with a notice (and the new
    recovery codes, shown once), or the page again with the problem at the form."""
    account = await own.account()

    async def change_and_keep_codes() -> None:
        codes = await work(account)
        await factors.keep_to_show(own.tools, own.principal.session_id, codes or [])

    async def failed(problem: Problem) -> Response:
        return await _page(own, problem=problem, failed=form)

    return await submit(
        change_and_keep_codes(), then=lambda _: f"{PAGE}?done={done}#{form}", failed=failed
    )


async def _apply(
    own: OwnAccount, call: Callable[..., Awaitable[Any]], *, form: str, done: str, **values: Any
) -> Response:
    """`_change` with one account service called as the holder; a list it answers is the
    new recovery codes."""

    async def work(account: Account) -> list[str] | None:
        answer = await own.call(call, account, **values)
        return answer if isinstance(answer, list) else None

    return await _change(own, form=form, done=done, work=work)


@router.get("/security")
async def security(own: Own, done: str = "") -> Response:
    """Password, passcode, second factors, passkeys and recovery codes."""
    return await _page(own, done=done[:40])


@router.post("/security/password")
async def change_password(
    own: Own, current_password: Password = "", password: Password = "", password2: Password = ""
) -> Response:
    """Change the password; every other session ends."""

    async def work(account: Account) -> None:
        await own.call(
            passwords.change_password,
            account,
            current=current_password,
            new=password,
            again=password2,
        )

    return await _change(own, form="password", done="password", work=work)


@router.post("/security/passcode")
async def change_passcode(
    own: Own, password: Password = "", passcode: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    """Set a new 6-digit passcode for the app, confirmed with the password."""
    return await _apply(
        own,
        passwords.change_passcode,
        form="passcode",
        done="passcode",
        password=password,
        passcode=passcode,
    )


@router.post("/security/totp/start")
async def start_totp(own: Own) -> Response:
    """Start setting up an authenticator app: the page shows its QR code."""

    async def work(account: Account) -> None:
        await factors.start_totp(tools=own.tools, account=account)

    return await _change(own, form="totp", done="", work=work)


@router.post("/security/totp/cancel")
async def cancel_totp(own: Own) -> Response:
    """Give up a started set-up."""

    async def work(account: Account) -> None:
        await factors.cancel_totp(tools=own.tools, account=account)

    return await _change(own, form="totp", done="", work=work)


@router.post("/security/totp/confirm")
async def confirm_totp(
    own: Own, code: Annotated[str, Form(max_length=20)] = "", password: Password = ""
) -> Response:
    """Turn the authenticator app on with a code from it and the password."""
    return await _apply(
        own, factors.confirm_totp, form="totp", done="totp_enabled", code=code, password=password
    )


@router.post("/security/totp/remove")
async def remove_totp(own: Own, password: Password = "") -> Response:
    """Turn the authenticator app off, confirmed with the password."""
    return await _apply(
        own, factors.remove_totp, form="totp", done="totp_removed", password=password
    )


@router.post("/security/sms")
async def set_sms(own: Own, enabled: Switch = "", password: Password = "") -> Response:
    """Turn sign-in codes by SMS on or off, confirmed with the password."""
    on = enabled == "1"
    done = "sms_on" if on else "sms_off"
    return await _apply(
        own, factors.set_sms_otp, form="sms", done=done, enabled=on, password=password
    )


@router.post("/security/recovery-codes")
async def new_recovery_codes(own: Own, password: Password = "") -> Response:
    """Make ten new recovery codes (shown once); the old ones stop working."""
    return await _apply(
        own, factors.generate_recovery_codes, form="recovery", done="codes", password=password
    )


@router.post("/security/passkey-sign-in")
async def set_passkey_sign_in(own: Own, allowed: Switch = "", password: Password = "") -> Response:
    """Allow or refuse signing in with a passkey alone."""
    on = allowed == "1"
    done = "alone_on" if on else "alone_off"
    return await _apply(
        own, factors.set_passkey_sign_in, form="passkeys", done=done, allowed=on, password=password
    )


@router.post("/passkeys/{passkey_id}/delete")
async def delete_passkey(own: Own, passkey_id: str, password: Password = "") -> Response:
    """Remove a passkey, confirmed with the password."""
    return await _apply(
        own,
        passkey_registration.remove_passkey,
        form="passkeys",
        done="passkey_removed",
        passkey_id=passkey_id,
        password=password,
    )


# The JSON endpoints passkeys.js calls (/me/passkeys/register..., /me/login/passkey...).
router.include_router(passkey_pages.router)
