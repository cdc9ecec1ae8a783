"""Card applications: the application, dependants, checked documents, captured biometrics
(encrypted) and the chip contents of produced cards.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'submitted')")


def _application_child(name: str, *columns: sa.Column) -> None:
    """A table hanging off an application (deleted with it)."""
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["card_applications.id"],
            name=op.f(f"fk_{name}_application_id_card_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "card_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("wants_account", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=15), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("identifying_marks", sa.String(length=100), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("captured_by", sa.String(length=64), nullable=True),
        sa.Column("captured_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_card_applications_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["id_cards.id"], name=op.f("fk_card_applications_card_id_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_card_applications_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_card_applications_reference")),
    )
    op.create_index("ix_card_applications_citizen", "card_applications", ["citizen_id"])
    op.create_index(
        "ix_card_applications_unit_status", "card_applications", ["unit_code", "status"]
    )
    op.create_index(
        "uq_card_applications_active_citizen",
        "card_applications",
        ["citizen_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    _application_child(
        "application_biometrics",
        sa.Column("position", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.Column("captured_by", sa.String(length=64), nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "application_id",
            "position",
            name=op.f("uq_application_biometrics_application_id"),
        ),
    )
    _application_child(
        "application_dependants",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=8), nullable=False),
        sa.Column("papers", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_application_dependants_citizen_id_citizens"),
        ),
        sa.UniqueConstraint(
            "application_id",
            "citizen_id",
            name=op.f("uq_application_dependants_application_id"),
        ),
    )
    op.create_index(
        op.f("ix_application_dependants_citizen_id"), "application_dependants", ["citizen_id"]
    )
    _application_child(
        "application_documents",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("number_enc", sa.String(length=200), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("checked_by", sa.String(length=64), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        op.f("ix_application_documents_application_id"),
        "application_documents",
        ["application_id"],
    )
    op.create_table(
        "card_chips",
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("qr_text", sa.Text(), nullable=False),
        sa.Column("mrz", sa.String(length=100), nullable=False),
        sa.Column("dg1", sa.LargeBinary(), nullable=False),
        sa.Column("dg2_enc", sa.LargeBinary(), nullable=False),
        sa.Column("dg13", sa.LargeBinary(), nullable=False),
        sa.Column("sod", sa.LargeBinary(), nullable=False),
        sa.Column("signer_kid", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["card_applications.id"],
            name=op.f("fk_card_chips_application_id_card_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["id_cards.id"], name=op.f("fk_card_chips_card_id_id_cards")
        ),
        sa.PrimaryKeyConstraint("card_id", name=op.f("pk_card_chips")),
    )


def downgrade() -> None:
    op.drop_table("card_chips")
    op.drop_table("application_documents")
    op.drop_table("application_dependants")
    op.drop_table("application_biometrics")
    op.drop_table("card_applications")
