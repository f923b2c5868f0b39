"""appeals (what was appealed, when, with which letter, when the answer is due) and the
payer's follow-up days

Revision ID: 0011
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.base

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("letter_file_id", ID, nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", claims.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_appeals_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["rework_items.id"], name=op.f("fk_appeals_item_id_rework_items")
        ),
        sa.ForeignKeyConstraint(
            ["letter_file_id"],
            ["stored_files.id"],
            name=op.f("fk_appeals_letter_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_appeals_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    for column in ("claim_id", "item_id", "practice_id"):
        op.create_index(op.f(f"ix_appeals_{column}"), "appeals", [column])

    # payers is referenced by many tables: on SQLite the column is added with ALTER TABLE and
    # an inline named CHECK, never by copying the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE payers ADD COLUMN follow_up_days INTEGER DEFAULT '30' NOT NULL "
            "CONSTRAINT ck_payers_follow_up_days_positive CHECK (follow_up_days > 0)"
        )
    else:
        op.add_column(
            "payers", sa.Column("follow_up_days", sa.Integer(), server_default="30", nullable=False)
        )
        op.create_check_constraint(
            op.f("ck_payers_follow_up_days_positive"), "payers", "follow_up_days > 0"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_payers_follow_up_days_positive"), "payers", type_="check")
    op.drop_column("payers", "follow_up_days")
    op.drop_table("appeals")
