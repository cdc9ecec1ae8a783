"""The app's JSON API: the holder's registry data, error reports and activity log."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import activity, profile, service
from dinhdanh.accounts.own_account import Own
from dinhdanh.accounts.web import CurrentCitizen
from dinhdanh.platform.idempotency import IdempotencyKey
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
async def report_error(own: Own, body: ReportIn, key: IdempotencyKey = None) -> Response:
    """Report an error: a correction request goes to the commune police's queue."""
    return await own.once(
        profile.report_error,
        lambda filed: (201, jsonable_encoder(dataclasses.asdict(profile.request_info(filed)))),
        field=body.field,
        message=body.message,
    )


@router.get("/activity", response_model=activity.ActivityPage)
async def my_activity(
    session: Session,
    principal: CurrentCitizen,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> activity.ActivityPage:
    """Every sign-in, change, lock and access to the holder's data, newest first."""
    account = await service.get_account(session, principal.id or "")
    return await activity.activity(session=session, account=account, page=page)
