"""Partners (organisations and their OpenID Connect clients) and the OpenID provider
(signing keys, consents, authorization codes, refresh tokens).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("alg", sa.String(length=8), nullable=False),
        sa.Column("private_key_enc", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("published_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_oidc_signing_keys")),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("registration_code", sa.String(length=32), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("status_changed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("registration_code", name=op.f("uq_partners_registration_code")),
    )
    op.create_index(op.f("ix_partners_status"), "partners", ["status"], unique=False)
    op.create_table(
        "partner_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("post_logout_redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("required_claims", sa.JSON(), nullable=False),
        sa.Column("grant_types", sa.JSON(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("auth_method", sa.String(length=24), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_digest", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
        sa.Column("secret_rotated_at", UTCDateTime(), nullable=True),
        sa.Column("jwks", sa.JSON(), nullable=True),
        sa.Column("access_token_seconds", sa.Integer(), nullable=False),
        sa.Column("id_token_seconds", sa.Integer(), nullable=False),
        sa.Column("refresh_token_seconds", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_clients_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_partner_clients")),
    )
    op.create_index(
        op.f("ix_partner_clients_partner_id"), "partner_clients", ["partner_id"], unique=False
    )
    op.create_table(
        "oidc_codes",
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("auth_time", UTCDateTime(), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_oidc_codes_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["partner_clients.client_id"],
            name=op.f("fk_oidc_codes_client_id_partner_clients"),
        ),
        sa.PrimaryKeyConstraint("code_digest", name=op.f("pk_oidc_codes")),
        sa.UniqueConstraint("id", name=op.f("uq_oidc_codes_id")),
    )
    op.create_index(op.f("ix_oidc_codes_expires_at"), "oidc_codes", ["expires_at"], unique=False)
    op.create_table(
        "oidc_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_oidc_consents_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["partner_clients.client_id"],
            name=op.f("fk_oidc_consents_client_id_partner_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_consents")),
        sa.UniqueConstraint("citizen_id", "client_id", name=op.f("uq_oidc_consents_citizen_id")),
    )
    op.create_index(
        op.f("ix_oidc_consents_client_id"), "oidc_consents", ["client_id"], unique=False
    )
    op.create_table(
        "oidc_refresh_tokens",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("auth_time", UTCDateTime(), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_oidc_refresh_tokens_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["partner_clients.client_id"],
            name=op.f("fk_oidc_refresh_tokens_client_id_partner_clients"),
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_oidc_refresh_tokens")),
    )
    op.create_index(
        "ix_oidc_refresh_tokens_citizen_client",
        "oidc_refresh_tokens",
        ["citizen_id", "client_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oidc_refresh_tokens_expires_at"),
        "oidc_refresh_tokens",
        ["expires_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oidc_refresh_tokens_family_id"), "oidc_refresh_tokens", ["family_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_refresh_tokens_family_id"), table_name="oidc_refresh_tokens")
    op.drop_index(op.f("ix_oidc_refresh_tokens_expires_at"), table_name="oidc_refresh_tokens")
    op.drop_index("ix_oidc_refresh_tokens_citizen_client", table_name="oidc_refresh_tokens")
    op.drop_table("oidc_refresh_tokens")
    op.drop_index(op.f("ix_oidc_consents_client_id"), table_name="oidc_consents")
    op.drop_table("oidc_consents")
    op.drop_index(op.f("ix_oidc_codes_expires_at"), table_name="oidc_codes")
    op.drop_table("oidc_codes")
    op.drop_index(op.f("ix_partner_clients_partner_id"), table_name="partner_clients")
    op.drop_table("partner_clients")
    op.drop_index(op.f("ix_partners_status"), table_name="partners")
    op.drop_table("partners")
    op.drop_table("oidc_signing_keys")
