"""patient billing and credits: statements and their lines, collections flags, patient
payments, refunds and recoupments

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CENTS = sa.BigInteger()


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def _created() -> sa.Column[object]:
    return sa.Column("created_at", claims.base.UTCDateTime(timezone=True), nullable=False)


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    # New tables only: nothing existing (ledger_entries above all) is altered or copied, and
    # nothing references ledger_entries (PostgreSQL would then refuse a TRUNCATE of it for
    # the foreign key instead of the append-only trigger): refunds keeps plain entry IDs.
    op.create_table(
        "patient_payments",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("amount_cents", CENTS, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "method", _enum("payment_method", "cash", "check", "card", "other"), nullable=False
        ),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("applied_cents", CENTS, nullable=False),
        sa.Column("credit_cents", CENTS, nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        _created(),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_patient_payments_amount_positive")),
        _fk("patient_payments", "patient_id", "patients"),
        _fk("patient_payments", "practice_id", "practices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_payments")),
        sa.UniqueConstraint(
            "practice_id", "reference", name=op.f("uq_patient_payments_practice_id_reference")
        ),
    )
    _indexes("patient_payments", "patient_id", "practice_id")
    op.create_table(
        "patient_statements",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("amount_due_cents", CENTS, nullable=False),
        sa.Column("insurance_pending_cents", CENTS, nullable=False),
        sa.Column("aged_0_30_cents", CENTS, nullable=False),
        sa.Column("aged_31_60_cents", CENTS, nullable=False),
        sa.Column("aged_61_90_cents", CENTS, nullable=False),
        sa.Column("aged_91_120_cents", CENTS, nullable=False),
        sa.Column("aged_121_plus_cents", CENTS, nullable=False),
        sa.Column("stored_file_id", ID, nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        _created(),
        sa.CheckConstraint("sequence > 0", name=op.f("ck_patient_statements_sequence_positive")),
        _fk("patient_statements", "patient_id", "patients"),
        _fk("patient_statements", "practice_id", "practices"),
        _fk("patient_statements", "stored_file_id", "stored_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_statements")),
        sa.UniqueConstraint(
            "patient_id",
            "statement_date",
            name=op.f("uq_patient_statements_patient_id_statement_date"),
        ),
    )
    _indexes("patient_statements", "patient_id", "practice_id")
    op.create_table(
        "patient_statement_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("statement_id", ID, nullable=False),
        sa.Column("charge_line_id", ID, nullable=False),
        sa.Column("charge_cents", CENTS, nullable=False),
        sa.Column("insurance_paid_cents", CENTS, nullable=False),
        sa.Column("insurance_adjusted_cents", CENTS, nullable=False),
        sa.Column("patient_paid_cents", CENTS, nullable=False),
        sa.Column("patient_adjusted_cents", CENTS, nullable=False),
        sa.Column("patient_balance_cents", CENTS, nullable=False),
        _fk("patient_statement_lines", "charge_line_id", "charge_lines"),
        _fk("patient_statement_lines", "statement_id", "patient_statements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_statement_lines")),
        sa.UniqueConstraint(
            "statement_id",
            "charge_line_id",
            name=op.f("uq_patient_statement_lines_statement_id_charge_line_id"),
        ),
    )
    _indexes("patient_statement_lines", "charge_line_id", "statement_id")
    op.create_table(
        "collection_flags",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("flagged_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", CENTS, nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("first_statement_on", sa.Date(), nullable=False),
        sa.Column("rework_item_id", ID, nullable=True),
        sa.Column("status", _enum("flag_status", "open", "closed"), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        _created(),
        _fk("collection_flags", "patient_id", "patients"),
        _fk("collection_flags", "practice_id", "practices"),
        _fk("collection_flags", "rework_item_id", "rework_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_flags")),
    )
    _indexes("collection_flags", "patient_id", "practice_id")
    op.create_table(
        "refunds",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("kind", _enum("refund_kind", "refund", "recoupment"), nullable=False),
        sa.Column("charge_line_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("payee", _enum("payee", "patient", "payer"), nullable=False),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("payer_id", ID, nullable=True),
        sa.Column("amount_cents", CENTS, nullable=False),
        sa.Column("status", _enum("refund_status", "payable", "paid", "recouped"), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("plb_entry_id", ID, nullable=True),
        sa.Column("recorded_entry_id", ID, nullable=True),
        sa.Column("paid_entry_id", ID, nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        _created(),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_amount_positive")),
        _fk("refunds", "account_id", "ledger_accounts"),
        _fk("refunds", "charge_line_id", "charge_lines"),
        _fk("refunds", "patient_id", "patients"),
        _fk("refunds", "payer_id", "payers"),
        _fk("refunds", "practice_id", "practices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    _indexes("refunds", "charge_line_id", "patient_id", "plb_entry_id", "practice_id")


def downgrade() -> None:
    for table in (
        "refunds",
        "collection_flags",
        "patient_statement_lines",
        "patient_statements",
        "patient_payments",
    ):
        op.drop_table(table)
