"""payer waits for acknowledgments: days before a claim with no 999 or 277CA shows as silent

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, default days). payers is referenced by claims, coverages and more: on SQLite the
# columns are added with ALTER TABLE ... ADD COLUMN and an inline named CHECK, never by copying
# the table (batch mode would copy it to add a constraint, and trip the foreign keys).
WAITS = (("wait_999_days", 2), ("wait_277ca_days", 7))


def _check(column: str) -> str:
    return f"ck_payers_{column}_positive"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, days in WAITS:
        if sqlite:
            op.execute(
                f"ALTER TABLE payers ADD COLUMN {column} INTEGER DEFAULT '{days}' NOT NULL "
                f"CONSTRAINT {_check(column)} CHECK ({column} > 0)"
            )
        else:
            op.add_column(
                "payers", sa.Column(column, sa.Integer(), server_default=str(days), nullable=False)
            )
            op.create_check_constraint(op.f(_check(column)), "payers", f"{column} > 0")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, _ in reversed(WAITS):
        if not sqlite:
            op.drop_constraint(op.f(_check(column)), "payers", type_="check")
        op.drop_column("payers", column)  # SQLite 3.35+ drops a column with its own CHECK
