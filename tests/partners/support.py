"""Helpers of the partner tests: request bodies, key sets, and reading what was written."""

from __future__ import annotations

import itertools
from typing import Any

from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import func, select

from dinhdanh.partners.clients import RelyingParty, load_client
from dinhdanh.partners.models import Partner, PartnerClient
from dinhdanh.platform.audit import AuditEvent

API = "/api/v1/partners"
_keys = itertools.count(1)

PARTNER = {
    "name": "Cổng Dịch vụ công quốc gia",
    "kind": "public_service",
    "registration_code": "0100109106",
    "contact_email": "kythuat@dichvucong.example.vn",
    "website": "https://dichvucong.example.vn",
}
CLIENT: dict[str, Any] = {
    "name": "Đăng ký tạm trú",
    "purpose": "Điền sẵn tờ khai đăng ký tạm trú từ dữ liệu dân cư.",
    "redirect_uris": ["https://dichvucong.example.vn/callback"],
    "post_logout_redirect_uris": ["https://dichvucong.example.vn/"],
    "scopes": ["openid", "profile", "residence"],
    "required_claims": ["name", "birthdate", "dinhdanh_permanent_residence"],
    "grant_types": ["authorization_code", "refresh_token"],
    "level": 2,
}


def key() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": f"test-{next(_keys)}"}


def public_jwk(kind: str = "EC", kid: str = "k1", **extra: Any) -> dict[str, Any]:
    """A public signing key as a partner would paste it."""
    made = ECKey.generate_key("P-256") if kind == "EC" else RSAKey.generate_key(2048)
    return {**made.as_dict(private=False), "kid": kid, "use": "sig", **extra}


def private_jwk(kid: str = "k1") -> dict[str, Any]:
    """A private EC key: what an administrator must never be allowed to store."""
    return {**ECKey.generate_key("P-256").as_dict(private=True), "kid": kid}


async def register(admin, **fields: Any) -> dict[str, Any]:
    """Register a partner over the API; its JSON."""
    response = await admin.post(API, json={**PARTNER, **fields}, headers=key())
    assert response.status_code == 201, response.text
    return response.json()


async def approved_partner(admin, **fields: Any) -> dict[str, Any]:
    """A registered and approved partner."""
    partner = await register(admin, **fields)
    response = await admin.post(f"{API}/{partner['id']}/approve")
    assert response.status_code == 200, response.text
    return response.json()


async def add_client(admin, partner_id: str, **fields: Any) -> dict[str, Any]:
    """Give a partner a client over the API; its JSON (with the secret shown once)."""
    response = await admin.post(
        f"{API}/{partner_id}/clients", json={**CLIENT, **fields}, headers=key()
    )
    assert response.status_code == 201, response.text
    return response.json()


async def relying_party(db, client_id: str) -> RelyingParty:
    """The client as the OpenID provider loads it."""
    async with db.unit_of_work() as session:
        found = await load_client(session, client_id)
    assert found is not None
    return found


async def audit_actions(db, prefix: str = "partner.") -> list[str]:
    """The audit actions written so far under a prefix, oldest first."""
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def counts(db) -> tuple[int, int]:
    """(partners, clients) in the tables."""
    async with db.unit_of_work() as session:
        partners = await session.scalar(select(func.count()).select_from(Partner))
        clients = await session.scalar(select(func.count()).select_from(PartnerClient))
    return int(partners or 0), int(clients or 0)
