"""The holder's security page (/me/security): password, passcode, second factors, passkeys,
recovery codes; and the JSON endpoints its script and the sign-in pages call for passkeys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import factors, passkeys, service
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.signin import LOCKED
from dinhdanh.accounts.web import (
    CITIZEN_COOKIE,
    CurrentCitizen,
    Tools,
    attempt_of,
    clear_citizen_cookie,
    set_citizen_cookie,
)
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render_form, safe_next

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
        passkeys=await passkeys.list_passkeys(session, account),
        enrolment=await factors.pending_totp(tools=tools, account=account),
        has_factor=await factors.has_factor(session, account),
        codes_left=await factors.recovery_codes_left(session, account),
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
        service.check_passwords_match(password, password2)
        await service.change_password(
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
        await service.change_passcode(
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
        await passkeys.remove_passkey(
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


# ---------------------------------------------------------------- JSON for passkeys.js


class PasswordBody(BaseModel):
    """The current password, confirming a sensitive change."""

    password: str = Field(default="", max_length=1000)


class RegisterBody(BaseModel):
    """The new credential from `navigator.credentials.create()` and its name."""

    credential: dict[str, Any]
    name: str = Field(default="", max_length=200)


class SignInOptionsBody(BaseModel):
    """`signin`: a passkey alone, from the sign-in page; `verify`: the second step."""

    mode: Literal["signin", "verify"] = "signin"


class SignInBody(SignInOptionsBody):
    """The assertion from `navigator.credentials.get()` and where to go next."""

    credential: dict[str, Any]
    next: str = Field(default="", max_length=1000)


def _json_problem(request: Request, problem: Problem) -> Response:
    return Response(
        orjson.dumps(problem.to_dict(instance=request.url.path)),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=problem.headers,
    )


@router.post("/passkeys/register/options")
async def register_options(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, body: PasswordBody
) -> Response:
    """WebAuthn creation options for a new passkey, after the password."""
    account = await service.get_account(session, principal.id or "")
    try:
        options = await passkeys.registration_options(
            session=session,
            tools=tools,
            account=account,
            password=body.password,
            session_id=principal.session_id,
        )
    except Problem as problem:
        return _json_problem(request, problem)
    return JSONResponse(options)


@router.post("/passkeys/register")
async def register(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, body: RegisterBody
) -> Response:
    """Store the new passkey; answers where the page goes next."""
    account = await service.get_account(session, principal.id or "")
    try:
        _, codes = await passkeys.add_passkey(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            credential=body.credential,
            name=body.name,
        )
    except Problem as problem:
        return _json_problem(request, problem)
    await factors.keep_to_show(tools, principal.session_id, codes)
    return JSONResponse({"next": f"{PAGE}?done=passkey_added#passkeys"})


@router.post("/login/passkey/options")
async def sign_in_options(
    request: Request, session: Session, tools: Tools, body: SignInOptionsBody
) -> Response:
    """WebAuthn request options: any passkey of this site, or the pending sign-in's."""
    try:
        options = await passkeys.sign_in_options(
            session,
            tools=tools,
            mode=body.mode,
            sid=request.state.cookies.get(CITIZEN_COOKIE),
            attempt=attempt_of(request),
        )
    except Problem as problem:
        return _json_problem(request, problem)
    return JSONResponse(options)


@router.post("/login/passkey")
async def sign_in(request: Request, session: Session, tools: Tools, body: SignInBody) -> Response:
    """Sign in with a passkey (alone or as the second factor): the session cookie is set
    and the answer says where to go."""
    outcome = await passkeys.finish_sign_in(
        session,
        tools=tools,
        credential=body.credential,
        mode=body.mode,
        sid=request.state.cookies.get(CITIZEN_COOKIE),
        attempt=attempt_of(request),
    )
    if outcome.session is None:
        assert outcome.problem is not None
        response = _json_problem(request, outcome.problem)
        if outcome.restart:
            clear_citizen_cookie(response)
        return response
    target = "/me/unlock" if outcome.stage == LOCKED else safe_next(body.next) or "/me"
    response = JSONResponse({"next": target})
    set_citizen_cookie(request, response, outcome.session.id)
    return response
