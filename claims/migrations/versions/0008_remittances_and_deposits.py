"""remittances, deposits and inbound transactions; remittance links on entries, adjudications
and rework items

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRANSACTION_KINDS = ("835", "999", "277CA", "EOB")
REMITTANCE_STATUSES = ("posted", "held", "released")

# (table, column, referenced table): nullable links added to existing tables. On SQLite they
# are added with ALTER TABLE ... ADD COLUMN and an inline named REFERENCES, never by copying
# the table: a copy would drop the ledger's append-only triggers and trip foreign keys.
LINKS = (
    ("adjudications", "remittance_id", "remittances"),
    ("ledger_entries", "remittance_id", "remittances"),
    ("ledger_entries", "adjudication_id", "adjudications"),
    ("rework_items", "remittance_id", "remittances"),
)


def _fk(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    op.create_table(
        "deposits",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("deposit_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("source_file_id", ID, nullable=True),
        sa.Column("created_at", claims.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_deposits_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_deposits_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
        sa.UniqueConstraint(
            "practice_id",
            "deposit_date",
            "amount_cents",
            "reference",
            name=op.f("uq_deposits_practice_id_deposit_date_amount_cents_reference"),
        ),
    )
    op.create_index(op.f("ix_deposits_practice_id"), "deposits", ["practice_id"])

    op.create_table(
        "inbound_transactions",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "835",
                "999",
                "277CA",
                "EOB",
                name="transaction_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_file_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", claims.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_inbound_transactions_practice_id_practices"),
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_inbound_transactions_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_transactions")),
        sa.UniqueConstraint(
            "practice_id", "kind", "key", name=op.f("uq_inbound_transactions_practice_id_kind_key")
        ),
    )
    op.create_index(
        op.f("ix_inbound_transactions_practice_id"), "inbound_transactions", ["practice_id"]
    )
    op.create_index(
        op.f("ix_inbound_transactions_source_file_id"), "inbound_transactions", ["source_file_id"]
    )

    op.create_table(
        "remittances",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "era", "manual", name="remittance_kind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("inbound_transaction_id", ID, nullable=False),
        sa.Column("source_file_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("payer_id", ID, nullable=True),
        sa.Column("payer_identifier", sa.String(length=80), nullable=False),
        sa.Column("trace_number", sa.String(length=80), nullable=False),
        sa.Column("payee_identifier", sa.String(length=80), nullable=False),
        sa.Column("method", sa.String(length=3), nullable=False),
        sa.Column("payment_cents", sa.BigInteger(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "posted",
                "held",
                "released",
                name="remittance_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("applied_count", sa.Integer(), nullable=False),
        sa.Column("unapplied_count", sa.Integer(), nullable=False),
        sa.Column("applied_cents", sa.BigInteger(), nullable=False),
        sa.Column("unapplied_cents", sa.BigInteger(), nullable=False),
        sa.Column("provider_adjustment_cents", sa.BigInteger(), nullable=False),
        sa.Column("deposit_id", ID, nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", claims.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_id"], ["deposits.id"], name=op.f("fk_remittances_deposit_id_deposits")
        ),
        sa.ForeignKeyConstraint(
            ["inbound_transaction_id"],
            ["inbound_transactions.id"],
            name=op.f("fk_remittances_inbound_transaction_id_inbound_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_remittances_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_remittances_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["stored_files.id"],
            name=op.f("fk_remittances_source_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittances")),
        sa.UniqueConstraint(
            "inbound_transaction_id", name=op.f("uq_remittances_inbound_transaction_id")
        ),
    )
    for column in ("deposit_id", "practice_id", "source_file_id", "trace_number"):
        op.create_index(op.f(f"ix_remittances_{column}"), "remittances", [column])

    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, target in LINKS:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {_fk(table, column, target)} REFERENCES {target} (id)"
            )
        else:
            op.add_column(table, sa.Column(column, ID, nullable=True))
            op.create_foreign_key(_fk(table, column, target), table, target, [column], ["id"])
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    op.add_column("adjudications", sa.Column("match_rule", sa.String(length=30), nullable=True))
    op.add_column("rework_items", sa.Column("segment_position", sa.Integer(), nullable=True))
    op.add_column(
        "rework_items", sa.Column("suggested_claim_ids", sa.String(length=200), nullable=True)
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_column("rework_items", "suggested_claim_ids")
    op.drop_column("rework_items", "segment_position")
    op.drop_column("adjudications", "match_rule")
    for table, column, target in reversed(LINKS):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        if not sqlite:
            op.drop_constraint(_fk(table, column, target), table, type_="foreignkey")
        op.drop_column(table, column)  # SQLite 3.35+ drops a column with its inline reference
    for column in ("deposit_id", "practice_id", "source_file_id", "trace_number"):
        op.drop_index(op.f(f"ix_remittances_{column}"), table_name="remittances")
    op.drop_table("remittances")
    op.drop_index(op.f("ix_inbound_transactions_source_file_id"), table_name="inbound_transactions")
    op.drop_index(op.f("ix_inbound_transactions_practice_id"), table_name="inbound_transactions")
    op.drop_table("inbound_transactions")
    op.drop_index(op.f("ix_deposits_practice_id"), table_name="deposits")
    op.drop_table("deposits")
