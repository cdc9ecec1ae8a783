"""The officer's account pages: look-up in the unit, lock and unlock with a legal reason, new initial password, end sessions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
