"""The campaign to reach every resident: follow-ups, and the index that counts residents by
home commune and birth year.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.platform.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HOME_COMMUNE = sa.text(
    "coalesce(permanent_commune_code, current_commune_code, temporary_commune_code)"
)


def upgrade() -> None:
    op.create_table(
        "campaign_followups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_campaign_followups_citizen_id_citizens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_followups")),
    )
    op.create_index(
        "ix_campaign_followups_citizen", "campaign_followups", ["citizen_id", "happened_on"]
    )
    # Without it, every dashboard and list read the whole citizens table (a sequential scan
    # of 470 MB at 1,000,000 citizens); with it, a commune reads its own index entries and
    # the country the index alone (73 MB), without the table.
    op.create_index(
        "ix_citizens_home_commune",
        "citizens",
        [HOME_COMMUNE, "birth_year"],
        postgresql_include=[
            "id",
            "status",
            "permanent_commune_code",
            "current_commune_code",
            "temporary_commune_code",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_citizens_home_commune", table_name="citizens")
    op.drop_index("ix_campaign_followups_citizen", table_name="campaign_followups")
    op.drop_table("campaign_followups")
