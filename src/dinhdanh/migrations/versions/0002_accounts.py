"""Citizen e-ID accounts (accounts, locks, passkeys, recovery codes, error reports) and
idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("initial_password_expires_at", UTCDateTime(), nullable=True),
        sa.Column("password_changed_at", UTCDateTime(), nullable=True),
        sa.Column("passcode_hash", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("totp_secret_enc", sa.String(length=200), nullable=True),
        sa.Column("sms_otp", sa.Boolean(), nullable=False),
        sa.Column("passkey_sign_in", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_accounts_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("citizen_id", name=op.f("uq_accounts_citizen_id")),
        sa.UniqueConstraint("personal_id", name=op.f("uq_accounts_personal_id")),
    )
    op.create_table(
        "account_locks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("locked_by_kind", sa.String(length=16), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_unit", sa.String(length=16), nullable=True),
        sa.Column("locked_at", UTCDateTime(), nullable=False),
        sa.Column("unlocked_by_kind", sa.String(length=16), nullable=True),
        sa.Column("unlocked_by", sa.String(length=64), nullable=True),
        sa.Column("unlocked_at", UTCDateTime(), nullable=True),
        sa.Column("unlock_note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_locks_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_locks")),
    )
    op.create_index(
        op.f("ix_account_locks_account_id"), "account_locks", ["account_id"], unique=False
    )
    op.create_index(
        "uq_account_locks_open_reason",
        "account_locks",
        ["account_id", "reason"],
        unique=True,
        sqlite_where=sa.text("unlocked_at IS NULL"),
        postgresql_where=sa.text("unlocked_at IS NULL"),
    )
    op.create_table(
        "account_passkeys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.String(length=512), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("transports", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_passkeys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_account_passkeys_credential_id")),
    )
    op.create_index(
        op.f("ix_account_passkeys_account_id"), "account_passkeys", ["account_id"], unique=False
    )
    op.create_table(
        "account_recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_recovery_codes_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_recovery_codes")),
    )
    op.create_index(
        op.f("ix_account_recovery_codes_account_id"),
        "account_recovery_codes",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "correction_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("answer", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_correction_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_correction_requests_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["communes.code"],
            name=op.f("fk_correction_requests_commune_code_communes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_requests")),
    )
    op.create_index(
        op.f("ix_correction_requests_citizen_id"),
        "correction_requests",
        ["citizen_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_correction_requests_commune_code"),
        "correction_requests",
        ["commune_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_correction_requests_status"), "correction_requests", ["status"], unique=False
    )


def downgrade() -> None:
    for table in (
        "correction_requests",
        "account_recovery_codes",
        "account_passkeys",
        "account_locks",
        "accounts",
        "idempotency_keys",
    ):
        op.drop_table(table)
