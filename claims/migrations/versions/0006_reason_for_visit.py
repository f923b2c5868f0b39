"""reason for visit

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_for_visit", sa.String(length=26), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_column("reason_for_visit")
