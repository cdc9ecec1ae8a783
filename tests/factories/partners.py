"""Partners and their OpenID Connect clients for tests, written straight to the tables
(the partners service has its own tests)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from dinhdanh.partners.clients import secret_digest
from dinhdanh.partners.models import Partner, PartnerClient

REDIRECT_URI = "https://dvc.example.vn/callback"
LOGOUT_URI = "https://dvc.example.vn/"


@dataclass
class TestClient:
    """A registered client and the secret it authenticates with."""

    client_id: str
    secret: str
    partner_id: uuid.UUID
    redirect_uri: str = REDIRECT_URI
    scopes: list[str] = field(default_factory=list)


async def create_relying_party(
    db,
    app,
    *,
    status: str = "approved",
    kind: str = "public_service",
    partner_name: str = "Cổng Dịch vụ công thử nghiệm",
    **client_fields: Any,
) -> TestClient:
    """An approved partner with one authorization-code client (override any column)."""
    secret = secrets.token_urlsafe(32)
    client_id = client_fields.pop("client_id", f"rp-{secrets.token_hex(6)}")
    values: dict[str, Any] = {
        "name": "Đăng ký tạm trú",
        "purpose": "Điền sẵn tờ khai đăng ký tạm trú",
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": [LOGOUT_URI],
        "scopes": ["openid", "profile", "address", "phone", "identity", "residence"],
        "required_claims": ["name", "birthdate", "dinhdanh_personal_id"],
        "grant_types": ["authorization_code", "refresh_token"],
        "level": 2,
        "auth_method": "client_secret_basic",
        "secret_digest": secret_digest(app.state.cipher, secret),
    }
    values.update(client_fields)
    async with db.unit_of_work() as session:
        partner = Partner(
            name=partner_name,
            kind=kind,
            registration_code=secrets.token_hex(6),
            contact_email="lienhe@example.vn",
            status=status,
        )
        session.add(partner)
        await session.flush()
        session.add(PartnerClient(client_id=client_id, partner_id=partner.id, **values))
    return TestClient(
        client_id=client_id,
        secret=secret,
        partner_id=partner.id,
        redirect_uri=values["redirect_uris"][0] if values["redirect_uris"] else "",
        scopes=list(values["scopes"]),
    )
