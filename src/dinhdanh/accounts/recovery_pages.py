"""Forgotten password: personal ID, a code to the registered phone and a second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.accounts import recovery
from dinhdanh.accounts.recovery import ResetState
from dinhdanh.accounts.web import Tools
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, client_ip, render_form, set_session_cookie

router = APIRouter(prefix="/me/forgot", tags=["citizen pages"], include_in_schema=False)
RESET_COOKIE = "dd_reset"


def _page(
    request: Request, step: str, problem: Problem | None = None, **context: object
) -> Response:
    return render_form(request, "accounts/forgot.html", problem, step=step, **context)


async def _state(request: Request, tools: Tools) -> ResetState | None:
    return await recovery.load(tools, request.state.cookies.get(RESET_COOKIE))


def _again(request: Request, problem: Problem) -> Response:
    response = _page(request, "start", problem)
    response.delete_cookie(RESET_COOKIE, path="/me/forgot")
    return response


@router.get("")
async def forgot(request: Request, tools: Tools) -> Response:
    """The reset where it stands, or its first step (the personal ID)."""
    state = await _state(request, tools)
    return _page(request, state.step if state else "start")


@router.post("")
async def start(
    request: Request,
    session: Session,
    tools: Tools,
    personal_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Send a code to the registered phone (the answer is the same for an unknown ID)."""
    state = await recovery.start(
        session, tools=tools, personal_id=personal_id, ip=client_ip(request)
    )
    response = RedirectResponse("/me/forgot", status_code=303)
    set_session_cookie(
        request,
        response,
        RESET_COOKIE,
        state.token,
        path="/me/forgot",
        max_age=recovery.RESET_SECONDS,
    )
    return response


@router.post("/code")
async def code(
    request: Request,
    session: Session,
    tools: Tools,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Check the SMS code."""
    state = await _state(request, tools)
    if state is None:
        return _again(request, recovery.expired())
    try:
        await recovery.check_code(
            session, tools=tools, state=state, code=code, ip=client_ip(request)
        )
    except Problem as problem:
        return _page(request, state.step, problem)
    return RedirectResponse("/me/forgot", status_code=303)


@router.post("/factor")
async def factor(
    request: Request,
    session: Session,
    tools: Tools,
    method: Annotated[str, Form(max_length=16)] = "totp",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check the second factor (authenticator app or recovery code)."""
    state = await _state(request, tools)
    if state is None:
        return _again(request, recovery.expired())
    try:
        await recovery.check_factor(
            session, tools=tools, state=state, method=method, value=code, ip=client_ip(request)
        )
    except Problem as problem:
        return _page(request, state.step, problem)
    return RedirectResponse("/me/forgot", status_code=303)


@router.post("/password")
async def password(
    request: Request,
    session: Session,
    tools: Tools,
    password: Annotated[str, Form(max_length=1000)] = "",
    password2: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set the new password; then sign in with it."""
    state = await _state(request, tools)
    if state is None:
        return _again(request, recovery.expired())
    try:
        await recovery.set_password(
            session,
            tools=tools,
            state=state,
            password=password,
            again=password2,
            ip=client_ip(request),
        )
    except Problem as problem:
        return _page(request, state.step, problem)
    response = _page(request, "done")
    response.delete_cookie(RESET_COOKIE, path="/me/forgot")
    return response
