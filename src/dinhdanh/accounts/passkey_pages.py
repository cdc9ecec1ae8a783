"""The JSON endpoints `static/passkeys.js` calls: register a passkey on the security page,
and sign in with one on the sign-in page (alone) or the second step (as the factor).
Included in `security_pages.router` (prefix /me)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import factors, passkey_registration, passkeys
from dinhdanh.accounts.own_account import Own
from dinhdanh.accounts.signin import LOCKED
from dinhdanh.accounts.web import (
    CITIZEN_COOKIE,
    Tools,
    attempt_of,
    clear_citizen_cookie,
    set_citizen_cookie,
)
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import gettext
from dinhdanh.platform.web import Session, problem_json, safe_next

router = APIRouter(include_in_schema=False)
PAGE = "/me/security"


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


async def _json_answer(request: Request, work: Awaitable[dict[str, Any]]) -> Response:
    """The answer of `work` as JSON, or its problem as problem+json."""
    try:
        return JSONResponse(await work)
    except Problem as problem:
        return problem_json(request, problem)


@router.post("/passkeys/register/options")
async def register_options(own: Own, body: PasswordBody) -> Response:
    """WebAuthn creation options for a new passkey, after the password (`options`), and
    the message to show if the browser makes none (`failed`)."""
    account = await own.account()

    async def work() -> dict[str, Any]:
        options = await passkey_registration.registration_options(
            session=own.session,
            tools=own.tools,
            account=account,
            password=body.password,
            session_id=own.principal.session_id,
        )
        failed = gettext("No passkey was made. Try again, or use another device.")
        return {"options": options, "failed": failed}

    return await _json_answer(own.request, work())


@router.post("/passkeys/register")
async def register(own: Own, body: RegisterBody) -> Response:
    """Store the new passkey; answers where the page goes next."""
    account = await own.account()

    async def work() -> dict[str, Any]:
        _, codes = await own.call(
            passkey_registration.add_passkey, account, credential=body.credential, name=body.name
        )
        await factors.keep_to_show(own.tools, own.principal.session_id, codes)
        return {"next": f"{PAGE}?done=passkey_added#passkeys"}

    return await _json_answer(own.request, work())


@router.post("/login/passkey/options")
async def sign_in_options(
    request: Request, session: Session, tools: Tools, body: SignInOptionsBody
) -> Response:
    """WebAuthn request options (`options`): any passkey of this site, or the pending
    sign-in's; and the message to show if the browser gives none (`failed`)."""

    async def work() -> dict[str, Any]:
        options = await passkeys.sign_in_options(
            session,
            tools=tools,
            mode=body.mode,
            sid=request.state.cookies.get(CITIZEN_COOKIE),
            attempt=attempt_of(request),
        )
        failed = gettext("The passkey was not used. Try again, or sign in another way.")
        return {"options": options, "failed": failed}

    return await _json_answer(request, work())


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
        response = problem_json(request, outcome.problem)
        if outcome.restart:
            clear_citizen_cookie(response)
        return response
    target = "/me/unlock" if outcome.stage == LOCKED else safe_next(body.next) or "/me"
    response = JSONResponse({"next": target})
    set_citizen_cookie(request, response, outcome.session.id)
    return response
