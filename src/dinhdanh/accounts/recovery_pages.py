"""Forgotten password: personal ID, a code to the registered phone and a second factor."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
