"""fee schedules: the practice's charge master, base schedules and payer contract schedules
with their rates per procedure code and modifier

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fee_schedules",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "charge_master",
                "base",
                "contract",
                name="schedule_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("payer_id", ID, nullable=True),
        sa.Column("base_schedule_id", ID, nullable=True),
        sa.Column("base_percent_hundredths", sa.Integer(), nullable=True),
        sa.Column("tolerance_cents", sa.BigInteger(), nullable=False),
        sa.Column("tolerance_hundredths", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("imported_at", claims.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "base_percent_hundredths > 0", name=op.f("ck_fee_schedules_base_percent_positive")
        ),
        sa.CheckConstraint(
            "tolerance_cents >= 0", name=op.f("ck_fee_schedules_tolerance_not_negative")
        ),
        sa.CheckConstraint(
            "tolerance_hundredths >= 0",
            name=op.f("ck_fee_schedules_tolerance_percent_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["base_schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_schedules_base_schedule_id_fee_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_fee_schedules_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_fee_schedules_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("practice_id", "name", name=op.f("uq_fee_schedules_practice_id_name")),
        sa.UniqueConstraint(
            "practice_id", "payer_id", name=op.f("uq_fee_schedules_practice_id_payer_id")
        ),
    )
    op.create_index(op.f("ix_fee_schedules_practice_id"), "fee_schedules", ["practice_id"])
    op.create_table(
        "fee_rates",
        sa.Column("id", ID, nullable=False),
        sa.Column("schedule_id", ID, nullable=False),
        sa.Column("procedure_code", sa.String(length=5), nullable=False),
        sa.Column("modifier", sa.String(length=2), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("percent_hundredths", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(amount_cents IS NULL) <> (percent_hundredths IS NULL)",
            name=op.f("ck_fee_rates_amount_or_percent"),
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_fee_rates_amount_not_negative")),
        sa.CheckConstraint("percent_hundredths > 0", name=op.f("ck_fee_rates_percent_positive")),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_rates_schedule_id_fee_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rates")),
        sa.UniqueConstraint(
            "schedule_id",
            "procedure_code",
            "modifier",
            name=op.f("uq_fee_rates_schedule_id_procedure_code_modifier"),
        ),
    )
    op.create_index(op.f("ix_fee_rates_schedule_id"), "fee_rates", ["schedule_id"])


def downgrade() -> None:
    op.drop_table("fee_rates")
    op.drop_table("fee_schedules")
