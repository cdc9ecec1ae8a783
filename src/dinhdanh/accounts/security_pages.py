"""The holder's security pages: password, passcode, second factors, passkeys, recovery codes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
