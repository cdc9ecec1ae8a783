"""The officer's account API (JSON): the same operations as the officer pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
