"""The officer's account pages: look-up, lock and unlock, new initial password, sessions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
