"""Level-1 registration in the app and on the web, and the face-check queue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'face_check'")
OPEN_CHECK = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "level1_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=True),
        sa.Column("phone", sa.String(length=15), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("phone_verified_at", UTCDateTime(), nullable=True),
        sa.Column("evidence", sa.String(length=4), nullable=True),
        sa.Column("no_chip_verification", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("refused_attempts", sa.Integer(), nullable=False),
        sa.Column("last_refusal", sa.String(length=32), nullable=True),
        sa.Column("dg1_enc", sa.LargeBinary(), nullable=True),
        sa.Column("dg2_enc", sa.LargeBinary(), nullable=True),
        sa.Column("dg13_enc", sa.LargeBinary(), nullable=True),
        sa.Column("sod_enc", sa.LargeBinary(), nullable=True),
        sa.Column("qr_text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("selfie_enc", sa.LargeBinary(), nullable=True),
        sa.Column("selfie_type", sa.String(length=16), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("guardian_account_id", sa.Uuid(), nullable=True),
        sa.Column("relation", sa.String(length=8), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_level1_registrations_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_level1_registrations_citizen_id_citizens"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_account_id"],
            ["accounts.id"],
            name=op.f("fk_level1_registrations_guardian_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level1_registrations")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_level1_registrations_token_digest")),
    )
    op.create_index(
        op.f("ix_level1_registrations_personal_id"), "level1_registrations", ["personal_id"]
    )
    op.create_index("ix_level1_registrations_citizen", "level1_registrations", ["citizen_id"])
    op.create_index(
        "uq_level1_registrations_pending_citizen",
        "level1_registrations",
        ["citizen_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "face_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("no_chip_verification", sa.Boolean(), nullable=False),
        sa.Column("selfie_enc", sa.LargeBinary(), nullable=False),
        sa.Column("selfie_type", sa.String(length=16), nullable=False),
        sa.Column("reference_enc", sa.LargeBinary(), nullable=True),
        sa.Column("reference_type", sa.String(length=16), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_unit", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_face_checks_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_face_checks_commune_code_communes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_checks")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_face_checks_subject_id")),
    )
    op.create_index(op.f("ix_face_checks_citizen_id"), "face_checks", ["citizen_id"])
    op.create_index("ix_face_checks_commune_status", "face_checks", ["commune_code", "status"])
    op.create_index(
        "ix_face_checks_open_province",
        "face_checks",
        ["province_code"],
        sqlite_where=OPEN_CHECK,
        postgresql_where=OPEN_CHECK,
    )


def downgrade() -> None:
    op.drop_table("face_checks")
    op.drop_table("level1_registrations")
