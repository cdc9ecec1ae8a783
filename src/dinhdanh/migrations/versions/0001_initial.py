"""Initial schema: platform (audit, outbox), registry with its reference data, staff and units.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from dinhdanh.population.reference import reference_rows
from dinhdanh.staff.units import unit_rows

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_unit", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("citizen_id", sa.Uuid(), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    op.create_index(op.f("ix_audit_events_action"), "audit_events", ["action"], unique=False)
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index(
        op.f("ix_audit_events_citizen_id"), "audit_events", ["citizen_id"], unique=False
    )
    op.create_index(
        "ix_audit_events_subject", "audit_events", ["subject_type", "subject_id"], unique=False
    )
    op.create_table(
        "ethnicities",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ethnicities")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(op.f("ix_outbox_messages_status"), "outbox_messages", ["status"], unique=False)
    op.create_table(
        "provinces",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_provinces")),
    )
    op.create_table(
        "religions",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_religions")),
    )
    op.create_table(
        "communes",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name_folded", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["provinces.code"], name=op.f("fk_communes_province_code_provinces")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_communes")),
    )
    op.create_index(op.f("ix_communes_name_folded"), "communes", ["name_folded"], unique=False)
    op.create_index(op.f("ix_communes_province_code"), "communes", ["province_code"], unique=False)
    op.create_table(
        "legacy_provinces",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["provinces.code"],
            name=op.f("fk_legacy_provinces_province_code_provinces"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_legacy_provinces")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_households_commune_code_communes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("number", name=op.f("uq_households_number")),
    )
    op.create_index(
        op.f("ix_households_commune_code"), "households", ["commune_code"], unique=False
    )
    op.create_table(
        "units",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("name_folded", sa.String(length=160), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_units_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["units.code"], name=op.f("fk_units_parent_code_units")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["provinces.code"], name=op.f("fk_units_province_code_provinces")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
    )
    op.create_index(op.f("ix_units_level"), "units", ["level"], unique=False)
    op.create_index(op.f("ix_units_name_folded"), "units", ["name_folded"], unique=False)
    op.create_index(op.f("ix_units_province_code"), "units", ["province_code"], unique=False)
    op.create_table(
        "citizens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("legacy_id", sa.String(length=9), nullable=True),
        sa.Column("family_name", sa.String(length=50), nullable=False),
        sa.Column("middle_name", sa.String(length=50), nullable=False),
        sa.Column("given_name", sa.String(length=50), nullable=False),
        sa.Column(
            "name_folded",
            sa.String(length=160).with_variant(sa.String(length=160, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("birth_month", sa.SmallInteger(), nullable=True),
        sa.Column("birth_day", sa.SmallInteger(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("place_of_birth", sa.String(length=200), nullable=False),
        sa.Column("birth_registration_place", sa.String(length=200), nullable=False),
        sa.Column("place_of_origin", sa.String(length=200), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("ethnicity_code", sa.String(length=2), nullable=False),
        sa.Column("religion_code", sa.String(length=2), nullable=True),
        sa.Column("blood_type", sa.String(length=3), nullable=True),
        sa.Column("occupation", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("permanent_commune_code", sa.String(length=5), nullable=True),
        sa.Column("permanent_address", sa.String(length=200), nullable=False),
        sa.Column("temporary_commune_code", sa.String(length=5), nullable=True),
        sa.Column("temporary_address", sa.String(length=200), nullable=False),
        sa.Column("current_commune_code", sa.String(length=5), nullable=True),
        sa.Column("current_address", sa.String(length=200), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("relation_to_head", sa.String(length=16), nullable=True),
        sa.Column("father_id", sa.Uuid(), nullable=True),
        sa.Column("mother_id", sa.Uuid(), nullable=True),
        sa.Column("spouse_id", sa.Uuid(), nullable=True),
        sa.Column("guardian_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_commune_code"],
            ["communes.code"],
            name=op.f("fk_citizens_current_commune_code_communes"),
        ),
        sa.ForeignKeyConstraint(
            ["ethnicity_code"],
            ["ethnicities.code"],
            name=op.f("fk_citizens_ethnicity_code_ethnicities"),
        ),
        sa.ForeignKeyConstraint(
            ["father_id"], ["citizens.id"], name=op.f("fk_citizens_father_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["citizens.id"], name=op.f("fk_citizens_guardian_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_citizens_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["mother_id"], ["citizens.id"], name=op.f("fk_citizens_mother_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["permanent_commune_code"],
            ["communes.code"],
            name=op.f("fk_citizens_permanent_commune_code_communes"),
        ),
        sa.ForeignKeyConstraint(
            ["religion_code"], ["religions.code"], name=op.f("fk_citizens_religion_code_religions")
        ),
        sa.ForeignKeyConstraint(
            ["spouse_id"], ["citizens.id"], name=op.f("fk_citizens_spouse_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["temporary_commune_code"],
            ["communes.code"],
            name=op.f("fk_citizens_temporary_commune_code_communes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("personal_id", name=op.f("uq_citizens_personal_id")),
    )
    op.create_index(
        "ix_citizens_current_commune", "citizens", ["current_commune_code"], unique=False
    )
    op.create_index("ix_citizens_father", "citizens", ["father_id"], unique=False)
    op.create_index("ix_citizens_household", "citizens", ["household_id"], unique=False)
    op.create_index("ix_citizens_mother", "citizens", ["mother_id"], unique=False)
    op.create_index(
        "ix_citizens_name_birth", "citizens", ["name_folded", "birth_year"], unique=False
    )
    op.create_index(
        "ix_citizens_permanent_commune", "citizens", ["permanent_commune_code"], unique=False
    )
    op.create_index(
        "ix_citizens_temporary_commune", "citizens", ["temporary_commune_code"], unique=False
    )
    op.create_index(
        "uq_citizens_household_head",
        "citizens",
        ["household_id"],
        unique=True,
        sqlite_where=sa.text("relation_to_head = 'head'"),
        postgresql_where=sa.text("relation_to_head = 'head'"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret_enc", sa.String(length=200), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name=op.f("fk_staff_unit_code_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_username")),
    )
    op.create_index(op.f("ix_staff_unit_code"), "staff", ["unit_code"], unique=False)
    op.create_table(
        "citizen_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_unit", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_citizen_changes_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_changes")),
    )
    op.create_index(
        "ix_citizen_changes_citizen_at", "citizen_changes", ["citizen_id", "at"], unique=False
    )
    op.create_table(
        "id_cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("issuing_unit_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_id_cards_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_cards")),
    )
    op.create_index(op.f("ix_id_cards_citizen_id"), "id_cards", ["citizen_id"], unique=False)
    op.create_index(op.f("ix_id_cards_number"), "id_cards", ["number"], unique=False)
    op.create_table(
        "staff_invitations",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_totp_enc", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_invitations_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_staff_invitations")),
    )
    op.create_index(
        op.f("ix_staff_invitations_staff_id"), "staff_invitations", ["staff_id"], unique=False
    )
    _load_reference_data()
    _make_audit_append_only()


# The columns an audit event is made of; `seq`, `prev_hash` and `hash` are set once, by
# the sealer, and nothing ever changes afterwards.
_AUDIT_CONTENT = (
    "at actor_kind actor_id actor_unit action subject_type subject_id citizen_id client_ip"
).split()


def _make_audit_append_only() -> None:
    """Database triggers: no DELETE, no change to an event's content, no change once sealed.

    Defence in depth beside the hash chain: the application's role cannot rewrite history
    even through a bug; an owner who drops the triggers is still caught by `audit verify`.
    """
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _AUDIT_CONTENT)
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'audit_events is append-only';
                END IF;
                IF OLD.seq IS NOT NULL OR {changed}
                   OR NEW.data::text IS DISTINCT FROM OLD.data::text THEN
                    RAISE EXCEPTION 'an audit event cannot change once written or sealed';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in [*_AUDIT_CONTENT, "data"])
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
        f"WHEN OLD.seq IS NOT NULL OR {changed} "
        "BEGIN SELECT RAISE(ABORT, 'an audit event cannot change once written or sealed'); END"
    )


def _load_reference_data() -> None:
    """Provinces, communes (from `vietnamadminunits`), ethnic groups, religions and units."""
    tables = {t: sa.table(t, *(sa.column(c) for c in rows[0])) for t, rows in _rows().items()}
    for name, rows in _rows().items():
        op.bulk_insert(tables[name], rows)


def _rows() -> dict[str, list[dict[str, object]]]:
    return {**reference_rows(), "units": unit_rows()}


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_append_only")
    op.drop_index(op.f("ix_staff_invitations_staff_id"), table_name="staff_invitations")
    op.drop_table("staff_invitations")
    op.drop_index(op.f("ix_id_cards_number"), table_name="id_cards")
    op.drop_index(op.f("ix_id_cards_citizen_id"), table_name="id_cards")
    op.drop_table("id_cards")
    op.drop_index("ix_citizen_changes_citizen_at", table_name="citizen_changes")
    op.drop_table("citizen_changes")
    op.drop_index(op.f("ix_staff_unit_code"), table_name="staff")
    op.drop_table("staff")
    op.drop_index(
        "uq_citizens_household_head",
        table_name="citizens",
        sqlite_where=sa.text("relation_to_head = 'head'"),
        postgresql_where=sa.text("relation_to_head = 'head'"),
    )
    op.drop_index("ix_citizens_temporary_commune", table_name="citizens")
    op.drop_index("ix_citizens_permanent_commune", table_name="citizens")
    op.drop_index("ix_citizens_name_birth", table_name="citizens")
    op.drop_index("ix_citizens_mother", table_name="citizens")
    op.drop_index("ix_citizens_household", table_name="citizens")
    op.drop_index("ix_citizens_father", table_name="citizens")
    op.drop_index("ix_citizens_current_commune", table_name="citizens")
    op.drop_table("citizens")
    op.drop_index(op.f("ix_units_province_code"), table_name="units")
    op.drop_index(op.f("ix_units_name_folded"), table_name="units")
    op.drop_index(op.f("ix_units_level"), table_name="units")
    op.drop_table("units")
    op.drop_index(op.f("ix_households_commune_code"), table_name="households")
    op.drop_table("households")
    op.drop_table("legacy_provinces")
    op.drop_index(op.f("ix_communes_province_code"), table_name="communes")
    op.drop_index(op.f("ix_communes_name_folded"), table_name="communes")
    op.drop_table("communes")
    op.drop_table("religions")
    op.drop_table("provinces")
    op.drop_index(op.f("ix_outbox_messages_status"), table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_table("ethnicities")
    op.drop_index("ix_audit_events_subject", table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_citizen_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_action"), table_name="audit_events")
    op.drop_table("audit_events")
