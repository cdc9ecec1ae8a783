"""initial schema and reference data

TEMPORARY during development: creates the tables from the models; replaced by explicit
operations before the first release.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from dinhdanh.models import metadata
from dinhdanh.population.reference import reference_rows

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    for table, rows in reference_rows().items():
        op.bulk_insert(metadata.tables[table], rows)
    try:
        from dinhdanh.staff.units import unit_rows
    except ImportError:
        return
    op.bulk_insert(metadata.tables["units"], unit_rows())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
