"""dinhdanh's side of bench/oidc.py, written through dinhdanh's own code: the bench partner
and its two clients (partners service), and pre-minted refresh tokens (the OpenID token
service), each the first of a family of its own."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import delete, select, text

from dinhdanh.oidc import refresh
from dinhdanh.oidc.models import RefreshToken
from dinhdanh.partners import relying_parties, service
from dinhdanh.partners.client_rules import ClientSettings
from dinhdanh.partners.models import PartnerClient
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Database, make_engine
from dinhdanh.settings import Settings

REGISTRATION_CODE = "BENCH-OIDC"
REDIRECT_URI = "http://127.0.0.1:8100/auth/callback"
SCOPES = ["openid", "profile"]


def settings_of(env: dict[str, str]) -> Settings:
    """The server's settings, from the server's environment."""
    values = {k[9:].lower(): v for k, v in env.items() if k.startswith("DINHDANH_")}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The bench database for the length of the block."""
    db = Database(make_engine(settings.resolved_database_url))
    try:
        yield db
    finally:
        await db.dispose()


async def ensure_clients(env: dict[str, str], clients: dict[str, str], secret: str) -> None:
    """An approved bench partner with an API client (client_credentials) and a relying
    party (authorization_code + refresh_token, scopes openid profile), both with
    client_secret_basic and `secret`; made once and kept."""
    settings = settings_of(env)
    actor = Principal.system("bench")
    wanted = {
        clients["client_credentials"]: ClientSettings(
            name="Bench API client",
            purpose="Benchmark of the token endpoint (client_credentials).",
            grant_types=["client_credentials"],
            refresh_token_seconds=0,
        ),
        clients["refresh_token"]: ClientSettings(
            name="Bench relying party",
            purpose="Benchmark of the token endpoint (refresh_token).",
            redirect_uris=[REDIRECT_URI],
            scopes=SCOPES,
            grant_types=["authorization_code", "refresh_token"],
        ),
    }
    async with database(settings) as db, db.unit_of_work() as session:
        have = set(
            await session.scalars(
                select(PartnerClient.client_id).where(PartnerClient.client_id.in_(wanted))
            )
        )
        if have == set(wanted):
            return
        partner_id = await session.scalar(
            text("SELECT id FROM partners WHERE registration_code = :code"),
            {"code": REGISTRATION_CODE},
        )
        if partner_id is None:
            partner = await service.register_partner(
                session,
                actor=actor,
                data=service.NewPartner(
                    name="Bench partner",
                    kind="public_service",
                    registration_code=REGISTRATION_CODE,
                    contact_email="bench@example.vn",
                ),
            )
            await service.approve_partner(session, actor=actor, partner_id=partner.id)
            partner_id = partner.id
        for client_id, client_settings in wanted.items():
            if client_id not in have:
                await relying_parties.create_client(
                    session,
                    actor=actor,
                    cipher=settings.field_cipher(),
                    partner_id=partner_id,
                    settings=client_settings,
                    client_id=client_id,
                    secret=secret,
                )


async def mint_refresh_tokens(env: dict[str, str], client_id: str, count: int) -> list[str]:
    """`count` refresh tokens of the client (`refresh.issue`, as a code redemption issues
    them), each the first of a family of its own, for the demo citizens in turn; the
    client's earlier tokens (used or not) are dropped first, so the table keeps its size
    from run to run."""
    settings = settings_of(env)
    now = clock.now()
    async with database(settings) as db, db.connection() as conn:
        await conn.execute(delete(RefreshToken).where(RefreshToken.client_id == client_id))
        people = list(
            await conn.scalars(
                text("SELECT id FROM citizens WHERE status = 'living' ORDER BY id LIMIT 100")
            )
        )
        tokens = []
        for n in range(count):
            grant = refresh.RefreshGrant(
                family_id=uuid.uuid4(),
                client_id=client_id,
                citizen_id=people[n % len(people)],
                scopes=tuple(SCOPES),
                claims=("sub",),
                level=2,
                amr=("pwd", "otp"),
                auth_time=now,
                sid=secrets.token_hex(16),
                expires_at=now + dt.timedelta(days=30),
            )
            tokens.append(await refresh.issue(conn, grant))
    return tokens
