"""The holder's data pages: the registry record with 'report an error', and the activity log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
