"""The app's JSON API: the holder's registry data, error reports and activity log."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import activity, profile, service
from dinhdanh.accounts.api import IdempotencyKey
from dinhdanh.accounts.web import CurrentCitizen, Tools
from dinhdanh.platform import idempotency
from dinhdanh.platform.web import Session

router = APIRouter(prefix="/api/app/v1", tags=["app: my data"])


class ReportIn(BaseModel):
    """An error in the registry data: which field, and what is wrong."""

    field: str = Field(max_length=32)
    message: str = Field(max_length=2000)


@router.get("/profile", response_model=profile.Profile)
async def my_profile(session: Session, principal: CurrentCitizen) -> profile.Profile:
    """The registry data (read-only), the account's level, status, locks and reports."""
    return await profile.own_profile(session=session, principal=principal)


@router.post("/profile/reports", status_code=201)
async def report_error(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: ReportIn,
    key: IdempotencyKey = None,
) -> Response:
    """Report an error: a correction request goes to the commune police's queue."""
    account = await service.get_account(session, principal.id or "")

    async def report() -> tuple[int, object]:
        filed = await profile.report_error(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            field=body.field,
            message=body.message,
        )
        info = profile.RequestInfo(
            id=filed.id,
            field=filed.field,
            field_label=profile.field_label(filed.field),
            message=filed.message,
            status=filed.status,
            created_at=filed.created_at,
            handled_at=filed.handled_at,
            answer=filed.answer,
        )
        return 201, jsonable_encoder(dataclasses.asdict(info))

    return await idempotency.once(request, session, owner=str(account.id), operation=report)


@router.get("/activity", response_model=activity.ActivityPage)
async def my_activity(
    session: Session,
    principal: CurrentCitizen,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> activity.ActivityPage:
    """Every sign-in, change, lock and access to the holder's data, newest first."""
    account = await service.get_account(session, principal.id or "")
    return await activity.activity(session=session, account=account, page=page)
