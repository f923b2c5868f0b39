"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "practices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
        sa.UniqueConstraint("code", name=op.f("uq_practices_code")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_audit_events_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "billing_providers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("is_organization", sa.Boolean(), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("tin", sa.String(length=9), nullable=False),
        sa.Column("taxonomy", sa.String(length=10), nullable=True),
        sa.Column("contact_name", sa.String(length=60), nullable=True),
        sa.Column("contact_phone", sa.String(length=10), nullable=True),
        sa.Column("address1", sa.String(length=55), nullable=False),
        sa.Column("address2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=15), nullable=False),
        sa.CheckConstraint("length(npi) = 10", name=op.f("ck_billing_providers_npi_length")),
        sa.CheckConstraint("length(tin) = 9", name=op.f("ck_billing_providers_tin_length")),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_billing_providers_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_providers")),
        sa.UniqueConstraint(
            "practice_id", "npi", name=op.f("uq_billing_providers_practice_id_npi")
        ),
    )
    with op.batch_alter_table("billing_providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_providers_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "patients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("account_number", sa.String(length=20), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("first_name", sa.String(length=35), nullable=False),
        sa.Column("middle_name", sa.String(length=25), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("F", "M", "U", name="sex", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address1", sa.String(length=55), nullable=False),
        sa.Column("address2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_patients_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint(
            "practice_id", "account_number", name=op.f("uq_patients_practice_id_account_number")
        ),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "payers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("payer_code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column(
            "claim_kinds",
            sa.Enum(
                "professional",
                "institutional",
                "both",
                name="claim_kinds",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("claim_filing_indicator", sa.String(length=2), nullable=False),
        sa.Column("timely_filing_days", sa.Integer(), nullable=False),
        sa.Column("appeal_days", sa.Integer(), nullable=False),
        sa.Column("accepts_replacement", sa.Boolean(), nullable=False),
        sa.Column("address1", sa.String(length=55), nullable=False),
        sa.Column("address2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=15), nullable=False),
        sa.CheckConstraint("appeal_days > 0", name=op.f("ck_payers_appeal_days_positive")),
        sa.CheckConstraint("timely_filing_days > 0", name=op.f("ck_payers_timely_filing_positive")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_payers_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payers")),
        sa.UniqueConstraint(
            "practice_id", "payer_code", name=op.f("uq_payers_practice_id_payer_code")
        ),
    )
    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payers_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "providers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("first_name", sa.String(length=35), nullable=True),
        sa.Column("taxonomy", sa.String(length=10), nullable=True),
        sa.CheckConstraint("length(npi) = 10", name=op.f("ck_providers_npi_length")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_providers_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("practice_id", "npi", name=op.f("uq_providers_practice_id_npi")),
    )
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_providers_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "stored_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="direction", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "837P",
                "837I",
                "835",
                "999",
                "277CA",
                "TA1",
                "other",
                name="file_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processed",
                "refused",
                "duplicate",
                "sent",
                name="file_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_stored_files_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint(
            "practice_id",
            "direction",
            "sha256",
            name=op.f("uq_stored_files_practice_id_direction_sha256"),
        ),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_files_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "trading_partners",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("sender_qualifier", sa.String(length=2), nullable=False),
        sa.Column("sender_id", sa.String(length=15), nullable=False),
        sa.Column("receiver_qualifier", sa.String(length=2), nullable=False),
        sa.Column("receiver_id", sa.String(length=15), nullable=False),
        sa.Column("application_sender", sa.String(length=15), nullable=False),
        sa.Column("application_receiver", sa.String(length=15), nullable=False),
        sa.Column("submitter_name", sa.String(length=60), nullable=False),
        sa.Column("submitter_id", sa.String(length=80), nullable=False),
        sa.Column("submitter_contact", sa.String(length=60), nullable=False),
        sa.Column("submitter_phone", sa.String(length=10), nullable=False),
        sa.Column("receiver_name", sa.String(length=60), nullable=False),
        sa.Column("receiver_code", sa.String(length=80), nullable=False),
        sa.Column(
            "usage",
            sa.Enum("T", "P", name="usage", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_trading_partners_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_partners")),
        sa.UniqueConstraint(
            "practice_id", "name", name=op.f("uq_trading_partners_practice_id_name")
        ),
    )
    with op.batch_alter_table("trading_partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trading_partners_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "control_counters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "trading_partner_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "ISA13",
                "GS06",
                "ST02",
                name="counter_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "next_value BETWEEN 1 AND 999999999", name=op.f("ck_control_counters_next_value_range")
        ),
        sa.ForeignKeyConstraint(
            ["trading_partner_id"],
            ["trading_partners.id"],
            name=op.f("fk_control_counters_trading_partner_id_trading_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_counters")),
        sa.UniqueConstraint(
            "trading_partner_id", "kind", name=op.f("uq_control_counters_trading_partner_id_kind")
        ),
    )
    op.create_table(
        "coverages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "patient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("payer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "order",
            sa.Enum(
                "P", "S", "T", name="coverage_order", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("group_number", sa.String(length=50), nullable=True),
        sa.Column(
            "relationship",
            sa.Enum(
                "18",
                "01",
                "19",
                "G8",
                name="relationship",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("patient_has_own_member_id", sa.Boolean(), nullable=False),
        sa.Column("subscriber_last_name", sa.String(length=60), nullable=True),
        sa.Column("subscriber_first_name", sa.String(length=35), nullable=True),
        sa.Column("subscriber_birth_date", sa.Date(), nullable=True),
        sa.Column(
            "subscriber_sex",
            sa.Enum(
                "F", "M", "U", name="subscriber_sex", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "relationship = '18' OR subscriber_last_name IS NOT NULL",
            name=op.f("ck_coverages_subscriber_named"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_coverages_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_coverages_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_coverages_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverages")),
    )
    with op.batch_alter_table("coverages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverages_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverages_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverages_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "encounters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("external_ref", sa.String(length=50), nullable=True),
        sa.Column(
            "patient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "billing_provider_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "rendering_provider_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "referring_provider_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "professional",
                "institutional",
                name="claim_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("place_of_service", sa.String(length=2), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("prior_authorization", sa.String(length=50), nullable=True),
        sa.Column("clia_number", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["billing_provider_id"],
            ["billing_providers.id"],
            name=op.f("fk_encounters_billing_provider_id_billing_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_encounters_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_encounters_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["referring_provider_id"],
            ["providers.id"],
            name=op.f("fk_encounters_referring_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["rendering_provider_id"],
            ["providers.id"],
            name=op.f("fk_encounters_rendering_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounters")),
        sa.UniqueConstraint(
            "practice_id", "external_ref", name=op.f("uq_encounters_practice_id_external_ref")
        ),
    )
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounters_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_encounters_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "charge_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "encounter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("line_number", sa.SmallInteger(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("place_of_service", sa.String(length=2), nullable=True),
        sa.Column("procedure_code", sa.String(length=5), nullable=False),
        sa.Column("modifier1", sa.String(length=2), nullable=True),
        sa.Column("modifier2", sa.String(length=2), nullable=True),
        sa.Column("modifier3", sa.String(length=2), nullable=True),
        sa.Column("modifier4", sa.String(length=2), nullable=True),
        sa.Column("revenue_code", sa.String(length=4), nullable=True),
        sa.Column("units_thousandths", sa.Integer(), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("pointer1", sa.SmallInteger(), nullable=True),
        sa.Column("pointer2", sa.SmallInteger(), nullable=True),
        sa.Column("pointer3", sa.SmallInteger(), nullable=True),
        sa.Column("pointer4", sa.SmallInteger(), nullable=True),
        sa.Column("ndc", sa.String(length=11), nullable=True),
        sa.Column("ndc_quantity_thousandths", sa.Integer(), nullable=True),
        sa.Column("ndc_unit", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("charge_cents >= 0", name=op.f("ck_charge_lines_charge_not_negative")),
        sa.CheckConstraint("units_thousandths > 0", name=op.f("ck_charge_lines_units_positive")),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.id"],
            name=op.f("fk_charge_lines_encounter_id_encounters"),
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_charge_lines_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_lines")),
        sa.UniqueConstraint(
            "encounter_id", "line_number", name=op.f("uq_charge_lines_encounter_id_line_number")
        ),
    )
    with op.batch_alter_table("charge_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charge_lines_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_charge_lines_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "patient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "encounter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "coverage_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("payer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "professional",
                "institutional",
                name="claim_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("patient_control_number", sa.String(length=17), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("1", "7", "8", name="frequency", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "ready",
                "on_hold",
                "submitted",
                "received",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "forwarded",
                "closed",
                "replaced",
                "voided",
                name="claim_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "previous_claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=True),
        sa.Column("total_charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("total_charge_cents >= 0", name=op.f("ck_claims_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["coverage_id"], ["coverages.id"], name=op.f("fk_claims_coverage_id_coverages")
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounters.id"], name=op.f("fk_claims_encounter_id_encounters")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_claims_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_claims_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_claims_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["previous_claim_id"], ["claims.id"], name=op.f("fk_claims_previous_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint(
            "practice_id",
            "patient_control_number",
            name=op.f("uq_claims_practice_id_patient_control_number"),
        ),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_coverage_id"), ["coverage_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_encounter_id"), ["encounter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_state"), ["state"], unique=False)

    op.create_table(
        "diagnoses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "encounter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("present_on_admission", sa.String(length=1), nullable=True),
        sa.CheckConstraint("position BETWEEN 1 AND 25", name=op.f("ck_diagnoses_position_range")),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounters.id"], name=op.f("fk_diagnoses_encounter_id_encounters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnoses")),
        sa.UniqueConstraint(
            "encounter_id", "position", name=op.f("uq_diagnoses_encounter_id_position")
        ),
    )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnoses_encounter_id"), ["encounter_id"], unique=False
        )

    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "gross_charges",
                "insurance_ar",
                "patient_ar",
                "era_clearing",
                "cash",
                "contractual",
                "other_adjustment",
                "write_off",
                "unapplied_cash",
                "refunds_payable",
                "plb",
                "interest",
                name="account_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "coverage_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "patient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("debits_posted_cents", sa.BigInteger(), nullable=False),
        sa.Column("credits_posted_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind <> 'insurance_ar' OR coverage_id IS NOT NULL",
            name=op.f("ck_ledger_accounts_insurance_ar_coverage"),
        ),
        sa.CheckConstraint(
            "kind <> 'patient_ar' OR patient_id IS NOT NULL",
            name=op.f("ck_ledger_accounts_patient_ar_patient"),
        ),
        sa.CheckConstraint(
            "credits_posted_cents >= 0", name=op.f("ck_ledger_accounts_credits_not_negative")
        ),
        sa.CheckConstraint(
            "debits_posted_cents >= 0", name=op.f("ck_ledger_accounts_debits_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"], ["coverages.id"], name=op.f("fk_ledger_accounts_coverage_id_coverages")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_ledger_accounts_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_ledger_accounts_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("practice_id", "key", name=op.f("uq_ledger_accounts_practice_id_key")),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_accounts_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "claim_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "charge_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("line_number", sa.SmallInteger(), nullable=False),
        sa.Column("line_control_number", sa.String(length=30), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("charge_cents >= 0", name=op.f("ck_claim_lines_charge_not_negative")),
        sa.ForeignKeyConstraint(
            ["charge_line_id"],
            ["charge_lines.id"],
            name=op.f("fk_claim_lines_charge_line_id_charge_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_lines_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_claim_lines_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_lines")),
        sa.UniqueConstraint(
            "claim_id", "line_number", name=op.f("uq_claim_lines_claim_id_line_number")
        ),
        sa.UniqueConstraint(
            "practice_id",
            "line_control_number",
            name=op.f("uq_claim_lines_practice_id_line_control_number"),
        ),
    )
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_lines_charge_line_id"), ["charge_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claim_lines_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "draft",
                "ready",
                "on_hold",
                "submitted",
                "received",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "forwarded",
                "closed",
                "replaced",
                "voided",
                name="from_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "draft",
                "ready",
                "on_hold",
                "submitted",
                "received",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "forwarded",
                "closed",
                "replaced",
                "voided",
                name="to_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attention", sa.Text(), nullable=True),
        sa.Column(
            "source_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("segment_position", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_transitions_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_claim_transitions_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_transitions")),
    )
    with op.batch_alter_table("claim_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_transitions_claim_id"), ["claim_id"], unique=False
        )

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "debit_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "credit_account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "charge",
                "payment",
                "adjustment",
                "transfer",
                "deposit",
                "plb",
                "interest",
                "write_off",
                "refund",
                "unapplied",
                "reversal",
                "manual",
                name="entry_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("posting_date", sa.Date(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("deposit_date", sa.Date(), nullable=True),
        sa.Column(
            "charge_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "reverses_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column(
            "source_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("segment_position", sa.Integer(), nullable=True),
        sa.Column("group_code", sa.String(length=2), nullable=True),
        sa.Column("reason_code", sa.String(length=5), nullable=True),
        sa.Column("remark_codes", sa.String(length=60), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_ledger_entries_amount_positive")),
        sa.CheckConstraint(
            "debit_account_id <> credit_account_id", name=op.f("ck_ledger_entries_two_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["charge_line_id"],
            ["charge_lines.id"],
            name=op.f("fk_ledger_entries_charge_line_id_charge_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_ledger_entries_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["credit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_credit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["debit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_debit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_ledger_entries_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_entries_reverses_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_ledger_entries_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "practice_id", "external_id", name=op.f("uq_ledger_entries_practice_id_external_id")
        ),
        sa.UniqueConstraint("reverses_entry_id", name=op.f("uq_ledger_entries_reverses_entry_id")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_charge_line_id"), ["charge_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            "ix_ledger_entries_credit", ["credit_account_id", "charge_line_id"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_entries_debit", ["debit_account_id", "charge_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_posting_date"), ["posting_date"], unique=False
        )

    op.create_table(
        "rework_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "source_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "source",
            sa.Enum(
                "scrubber",
                "999",
                "277CA",
                "835",
                "unmatched_remittance",
                "follow_up",
                "state",
                name="source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "eligibility_registration",
                "coding",
                "authorization",
                "medical_necessity",
                "timely_filing",
                "duplicate",
                "coordination_of_benefits",
                "missing_information",
                "underpayment",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("codes", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "closed",
                name="item_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("assignee", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_action", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_rework_items_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_rework_items_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_rework_items_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rework_items")),
    )
    with op.batch_alter_table("rework_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rework_items_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rework_items_practice_id"), ["practice_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rework_items_status"), ["status"], unique=False)

    op.create_table(
        "adjudications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "claim_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("payer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "coverage_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status_code", sa.String(length=2), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("allowed_cents", sa.BigInteger(), nullable=True),
        sa.Column("patient_responsibility_cents", sa.BigInteger(), nullable=True),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=True),
        sa.Column("adjudicated_on", sa.Date(), nullable=False),
        sa.Column(
            "source_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("segment_position", sa.Integer(), nullable=True),
        sa.Column(
            "reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_adjudications_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["claim_line_id"],
            ["claim_lines.id"],
            name=op.f("fk_adjudications_claim_line_id_claim_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"], ["coverages.id"], name=op.f("fk_adjudications_coverage_id_coverages")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_adjudications_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_adjudications_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["adjudications.id"],
            name=op.f("fk_adjudications_reverses_id_adjudications"),
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_adjudications_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjudications")),
    )
    with op.batch_alter_table("adjudications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjudications_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_adjudications_claim_line_id"), ["claim_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_adjudications_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "rework_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["rework_items.id"], name=op.f("fk_rework_notes_item_id_rework_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rework_notes")),
    )
    with op.batch_alter_table("rework_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rework_notes_item_id"), ["item_id"], unique=False)

    op.create_table(
        "adjustments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "adjudication_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "group_code",
            sa.Enum(
                "CO", "OA", "PI", "PR", name="group_code", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("reason_code", sa.String(length=5), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("quantity_thousandths", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adjudication_id"],
            ["adjudications.id"],
            name=op.f("fk_adjustments_adjudication_id_adjudications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
    )
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adjustments_adjudication_id"), ["adjudication_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjustments_adjudication_id"))

    op.drop_table("adjustments")
    with op.batch_alter_table("rework_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rework_notes_item_id"))

    op.drop_table("rework_notes")
    with op.batch_alter_table("adjudications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjudications_practice_id"))
        batch_op.drop_index(batch_op.f("ix_adjudications_claim_line_id"))
        batch_op.drop_index(batch_op.f("ix_adjudications_claim_id"))

    op.drop_table("adjudications")
    with op.batch_alter_table("rework_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rework_items_status"))
        batch_op.drop_index(batch_op.f("ix_rework_items_practice_id"))
        batch_op.drop_index(batch_op.f("ix_rework_items_claim_id"))

    op.drop_table("rework_items")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_posting_date"))
        batch_op.drop_index("ix_ledger_entries_debit")
        batch_op.drop_index("ix_ledger_entries_credit")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_claim_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_charge_line_id"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("claim_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_transitions_claim_id"))

    op.drop_table("claim_transitions")
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_lines_claim_id"))
        batch_op.drop_index(batch_op.f("ix_claim_lines_charge_line_id"))

    op.drop_table("claim_lines")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_accounts_practice_id"))

    op.drop_table("ledger_accounts")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnoses_encounter_id"))

    op.drop_table("diagnoses")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_state"))
        batch_op.drop_index(batch_op.f("ix_claims_practice_id"))
        batch_op.drop_index(batch_op.f("ix_claims_payer_id"))
        batch_op.drop_index(batch_op.f("ix_claims_patient_id"))
        batch_op.drop_index(batch_op.f("ix_claims_encounter_id"))
        batch_op.drop_index(batch_op.f("ix_claims_coverage_id"))

    op.drop_table("claims")
    with op.batch_alter_table("charge_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charge_lines_practice_id"))
        batch_op.drop_index(batch_op.f("ix_charge_lines_encounter_id"))

    op.drop_table("charge_lines")
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounters_practice_id"))
        batch_op.drop_index(batch_op.f("ix_encounters_patient_id"))

    op.drop_table("encounters")
    with op.batch_alter_table("coverages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverages_practice_id"))
        batch_op.drop_index(batch_op.f("ix_coverages_payer_id"))
        batch_op.drop_index(batch_op.f("ix_coverages_patient_id"))

    op.drop_table("coverages")
    op.drop_table("control_counters")
    with op.batch_alter_table("trading_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trading_partners_practice_id"))

    op.drop_table("trading_partners")
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_practice_id"))

    op.drop_table("stored_files")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_providers_practice_id"))

    op.drop_table("providers")
    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payers_practice_id"))

    op.drop_table("payers")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_practice_id"))

    op.drop_table("patients")
    with op.batch_alter_table("billing_providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_providers_practice_id"))

    op.drop_table("billing_providers")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_practice_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
    op.drop_table("practices")
