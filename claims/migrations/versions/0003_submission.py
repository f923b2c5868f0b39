"""submission: batches, facilities, payer routing, institutional encounter fields

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "facilities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=True),
        sa.Column("address1", sa.String(length=55), nullable=False),
        sa.Column("address2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=15), nullable=False),
        sa.CheckConstraint(
            "npi IS NULL OR length(npi) = 10", name=op.f("ck_facilities_npi_length")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_facilities_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facilities_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "practice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "trading_partner_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
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
        sa.Column(
            "stored_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("interchange_control_number", sa.Integer(), nullable=False),
        sa.Column("group_control_number", sa.Integer(), nullable=False),
        sa.Column("transaction_control_numbers", sa.Text(), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("charge_total_cents", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("claim_count > 0", name=op.f("ck_batches_claims_positive")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_batches_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_batches_stored_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["trading_partner_id"],
            ["trading_partners.id"],
            name=op.f("fk_batches_trading_partner_id_trading_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint(
            "trading_partner_id",
            "interchange_control_number",
            name=op.f("uq_batches_trading_partner_id_interchange_control_number"),
        ),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batches_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "partner_payer_ids",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "trading_partner_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("payer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payer_code", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_partner_payer_ids_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["trading_partner_id"],
            ["trading_partners.id"],
            name=op.f("fk_partner_payer_ids_trading_partner_id_trading_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_payer_ids")),
        sa.UniqueConstraint(
            "trading_partner_id",
            "payer_id",
            name=op.f("uq_partner_payer_ids_trading_partner_id_payer_id"),
        ),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_claims_batch_id"), ["batch_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_claims_batch_id_batches"), "batches", ["batch_id"], ["id"]
        )

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "attending_provider_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("type_of_bill", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("statement_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("admission_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("admission_type", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("admission_source", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("patient_status", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("admitting_diagnosis", sa.String(length=8), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_encounters_attending_provider_id_providers"),
            "providers",
            ["attending_provider_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_encounters_facility_id_facilities"),
            "facilities",
            ["facility_id"],
            ["id"],
        )

    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accepts_edi", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column(
                "trading_partner_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payers_trading_partner_id_trading_partners"),
            "trading_partners",
            ["trading_partner_id"],
            ["id"],
        )


def downgrade() -> None:

    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payers_trading_partner_id_trading_partners"), type_="foreignkey"
        )
        batch_op.drop_column("trading_partner_id")
        batch_op.drop_column("accepts_edi")

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_encounters_facility_id_facilities"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_encounters_attending_provider_id_providers"), type_="foreignkey"
        )
        batch_op.drop_column("admitting_diagnosis")
        batch_op.drop_column("patient_status")
        batch_op.drop_column("admission_source")
        batch_op.drop_column("admission_type")
        batch_op.drop_column("admission_at")
        batch_op.drop_column("statement_to")
        batch_op.drop_column("type_of_bill")
        batch_op.drop_column("attending_provider_id")
        batch_op.drop_column("facility_id")

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_claims_batch_id_batches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_claims_batch_id"))
        batch_op.drop_column("batch_id")

    op.drop_table("partner_payer_ids")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_practice_id"))

    op.drop_table("batches")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_practice_id"))

    op.drop_table("facilities")
