"""The holder's security page (/me/security): password, passcode, second factors, passkeys,
recovery codes; and the JSON endpoints its script and the sign-in pages call for passkeys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

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
from dinhdanh.accounts.web import (
    CurrentCitizen,
    Tools,
)
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render_form

router = APIRouter(prefix="/me", tags=["citizen security"], include_in_schema=False)
PAGE = "/me/security"
Password = Annotated[str, Form(max_length=1000)]


async def _page(
    request: Request,
    session: Session,
    tools: Tools,
    principal: Principal,
    *,
    problem: Problem | None = None,
    failed: str = "",
    done: str = "",
) -> Response:
    account = await service.get_account(session, principal.id or "")
    return render_form(
        request,
        "accounts/security.html",
        problem,
        account=account,
        phone=service.mask_phone(account.phone),
        passkeys=await passkeys.list_passkeys(session, account),
        enrolment=await factors.pending_totp(tools=tools, account=account),
        has_factor=await factors.has_factor(session, account),
        codes_left=await recovery_codes.codes_left(session, account),
        new_codes=[] if problem else await factors.take_to_show(tools, principal.session_id),
        failed=failed,
        done=done,
    )


async def _change(
    request: Request,
    session: Session,
    tools: Tools,
    principal: Principal,
    *,
    form: str,
    done: str,
    work: Callable[[Account], Awaitable[list[str] | None]],
) -> Response:
    """Run one change of the security page: back to the page with a notice (and the new
    recovery codes, shown once), or the page again with the problem at the form."""
    account = await service.get_account(session, principal.id or "")
    try:
        codes = await work(account)
    except Problem as problem:
        if problem.status == 404:
            raise
        return await _page(request, session, tools, principal, problem=problem, failed=form)
    await factors.keep_to_show(tools, principal.session_id, codes or [])
    return RedirectResponse(f"{PAGE}?done={done}#{form}", status_code=303)


@router.get("/security")
async def security(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, done: str = ""
) -> Response:
    """Password, passcode, second factors, passkeys and recovery codes."""
    return await _page(request, session, tools, principal, done=done[:40])


@router.post("/security/password")
async def change_password(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    current_password: Password = "",
    password: Password = "",
    password2: Password = "",
) -> Response:
    """Change the password; every other session ends."""

    async def work(account: Account) -> None:
        passwords.check_passwords_match(password, password2)
        await passwords.change_password(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            current=current_password,
            new=password,
        )

    return await _change(
        request, session, tools, principal, form="password", done="password", work=work
    )


@router.post("/security/passcode")
async def change_passcode(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    password: Password = "",
    passcode: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Set a new 6-digit passcode for the app, confirmed with the password."""

    async def work(account: Account) -> None:
        await passwords.change_passcode(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            password=password,
            passcode=passcode,
        )

    return await _change(
        request, session, tools, principal, form="passcode", done="passcode", work=work
    )


@router.post("/security/totp/start")
async def start_totp(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen
) -> Response:
    """Start setting up an authenticator app: the page shows its QR code."""

    async def work(account: Account) -> None:
        await factors.start_totp(tools=tools, account=account)

    return await _change(request, session, tools, principal, form="totp", done="", work=work)


@router.post("/security/totp/cancel")
async def cancel_totp(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen
) -> Response:
    """Give up a started set-up."""

    async def work(account: Account) -> None:
        await factors.cancel_totp(tools=tools, account=account)

    return await _change(request, session, tools, principal, form="totp", done="", work=work)


@router.post("/security/totp/confirm")
async def confirm_totp(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    code: Annotated[str, Form(max_length=20)] = "",
    password: Password = "",
) -> Response:
    """Turn the authenticator app on with a code from it and the password."""

    async def work(account: Account) -> list[str]:
        return await factors.confirm_totp(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            code=code,
            password=password,
        )

    return await _change(
        request, session, tools, principal, form="totp", done="totp_enabled", work=work
    )


@router.post("/security/totp/remove")
async def remove_totp(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    password: Password = "",
) -> Response:
    """Turn the authenticator app off, confirmed with the password."""

    async def work(account: Account) -> None:
        await factors.remove_totp(
            session=session, tools=tools, actor=principal, account=account, password=password
        )

    return await _change(
        request, session, tools, principal, form="totp", done="totp_removed", work=work
    )


@router.post("/security/sms")
async def set_sms(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    enabled: Annotated[str, Form(max_length=1)] = "",
    password: Password = "",
) -> Response:
    """Turn sign-in codes by SMS on or off, confirmed with the password."""
    on = enabled == "1"

    async def work(account: Account) -> list[str]:
        return await factors.set_sms_otp(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            enabled=on,
            password=password,
        )

    done = "sms_on" if on else "sms_off"
    return await _change(request, session, tools, principal, form="sms", done=done, work=work)


@router.post("/security/recovery-codes")
async def new_recovery_codes(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    password: Password = "",
) -> Response:
    """Make ten new recovery codes (shown once); the old ones stop working."""

    async def work(account: Account) -> list[str]:
        return await factors.generate_recovery_codes(
            session=session, tools=tools, actor=principal, account=account, password=password
        )

    return await _change(
        request, session, tools, principal, form="recovery", done="codes", work=work
    )


@router.post("/security/passkey-sign-in")
async def set_passkey_sign_in(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    allowed: Annotated[str, Form(max_length=1)] = "",
    password: Password = "",
) -> Response:
    """Allow or refuse signing in with a passkey alone."""
    on = allowed == "1"

    async def work(account: Account) -> None:
        await factors.set_passkey_sign_in(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            allowed=on,
            password=password,
        )

    done = "alone_on" if on else "alone_off"
    return await _change(request, session, tools, principal, form="passkeys", done=done, work=work)


@router.post("/passkeys/{passkey_id}/delete")
async def delete_passkey(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    passkey_id: str,
    password: Password = "",
) -> Response:
    """Remove a passkey, confirmed with the password."""

    async def work(account: Account) -> None:
        await passkey_registration.remove_passkey(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            passkey_id=passkey_id,
            password=password,
        )

    return await _change(
        request, session, tools, principal, form="passkeys", done="passkey_removed", work=work
    )


# The JSON endpoints passkeys.js calls (/me/passkeys/register..., /me/login/passkey...).
router.include_router(passkey_pages.router)
