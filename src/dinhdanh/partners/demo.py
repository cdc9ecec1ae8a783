"""Demo partners (demo mode only, refused in production): the demo public service
(temporary residence registration, `src/tamtru/` on port 8100) and a biller calling the
API as itself. Their secrets are public: that is the point of a demo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.partners import relying_parties, service
from dinhdanh.partners.client_rules import ClientSettings
from dinhdanh.partners.models import Partner, PartnerClient
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher

TAMTRU_CLIENT_ID: Final = "tamtru-demo"
TAMTRU_SECRET: Final = "tamtru-demo-secret"  # noqa: S105  (demo mode only)
TAMTRU_REDIRECT_URI: Final = "http://127.0.0.1:8100/auth/callback"
TAMTRU_LOGOUT_URI: Final = "http://127.0.0.1:8100/"
EVN_CLIENT_ID: Final = "evn-demo"
EVN_SECRET: Final = "evn-demo-secret"  # noqa: S105  (demo mode only)


@dataclass(frozen=True)
class DemoPartner:
    """One demo partner and its client, as the CLI prints them."""

    partner: service.NewPartner
    client_id: str
    secret: str
    settings: ClientSettings

    @property
    def redirect_uri(self) -> str:
        """The client's first redirect URI, or '' for an API client."""
        return self.settings.redirect_uris[0] if self.settings.redirect_uris else ""


DEMO_PARTNERS: Final = (
    DemoPartner(
        partner=service.NewPartner(
            name="Cổng Dịch vụ công (demo)",
            kind="public_service",
            registration_code="DEMO-DVC",
            contact_email="dichvucong@demo.dinhdanh.example",
            website="http://127.0.0.1:8100/",
        ),
        client_id=TAMTRU_CLIENT_ID,
        secret=TAMTRU_SECRET,
        settings=ClientSettings(
            name="Đăng ký tạm trú (demo)",
            purpose=(
                "Điền sẵn tờ khai đăng ký tạm trú (mẫu CT01) từ tài khoản định danh điện tử "
                "của người khai."
            ),
            redirect_uris=[TAMTRU_REDIRECT_URI],
            post_logout_redirect_uris=[TAMTRU_LOGOUT_URI],
            scopes=["openid", "profile", "address", "phone", "email", "identity", "residence"],
            required_claims=[
                "name",
                "birthdate",
                "dinhdanh_personal_id",
                "dinhdanh_permanent_residence",
            ],
            grant_types=["authorization_code", "refresh_token"],
            level=2,
            auth_method="client_secret_basic",
        ),
    ),
    DemoPartner(
        partner=service.NewPartner(
            name="Điện lực EVN (demo)",
            kind="biller",
            registration_code="DEMO-EVN",
            contact_email="thanhtoan@demo.dinhdanh.example",
        ),
        client_id=EVN_CLIENT_ID,
        secret=EVN_SECRET,
        settings=ClientSettings(
            name="Tra cứu và thanh toán tiền điện (demo)",
            purpose="Tra cứu hoá đơn tiền điện và xác nhận thanh toán qua API.",
            grant_types=["client_credentials"],
            level=2,
            auth_method="client_secret_basic",
            refresh_token_seconds=0,
        ),
    ),
)


async def ensure_demo_partners(session: AsyncSession, *, cipher: FieldCipher) -> list[DemoPartner]:
    """On an empty partner table, register and approve the demo partners with their
    clients; return the demo partners whose client exists (for the CLI to print)."""
    actor = Principal.system("demo")
    if not await session.scalar(select(func.count()).select_from(Partner)):
        for demo in DEMO_PARTNERS:
            partner = await service.register_partner(session, actor=actor, data=demo.partner)
            await service.approve_partner(session, actor=actor, partner_id=partner.id)
            await relying_parties.create_client(
                session,
                actor=actor,
                cipher=cipher,
                partner_id=partner.id,
                settings=demo.settings,
                client_id=demo.client_id,
                secret=demo.secret,
            )
    present = set(
        await session.scalars(
            select(PartnerClient.client_id).where(
                PartnerClient.client_id.in_([d.client_id for d in DEMO_PARTNERS])
            )
        )
    )
    return [d for d in DEMO_PARTNERS if d.client_id in present]
