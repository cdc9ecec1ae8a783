"""The holder's devices and contact pages: sessions, phone and e-mail change, panic lock."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
