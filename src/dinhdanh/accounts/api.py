"""The app's JSON API (the app channel): sign-in, account, security, devices, lock, activity."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
