"""The card chip's signing keys (CSCA and Document Signer).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chip_signing_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("issuer_kid", sa.String(length=64), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("private_key_enc", sa.Text(), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("not_after", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('csca', 'ds')", name=op.f("ck_chip_signing_keys_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chip_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_chip_signing_keys_kid")),
    )
    op.create_index(
        "uq_chip_signing_keys_current_kind",
        "chip_signing_keys",
        ["kind"],
        unique=True,
        sqlite_where=sa.text("retired_at IS NULL"),
        postgresql_where=sa.text("retired_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("chip_signing_keys")
