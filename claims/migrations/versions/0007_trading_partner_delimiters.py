"""trading partner delimiters

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("trading_partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("element_separator", sa.String(length=1), server_default="*", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "component_separator", sa.String(length=1), server_default=":", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "repetition_separator", sa.String(length=1), server_default="^", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("segment_terminator", sa.String(length=1), server_default="~", nullable=False)
        )
        batch_op.add_column(
            sa.Column("line_per_segment", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:

    with op.batch_alter_table("trading_partners", schema=None) as batch_op:
        batch_op.drop_column("line_per_segment")
        batch_op.drop_column("segment_terminator")
        batch_op.drop_column("repetition_separator")
        batch_op.drop_column("component_separator")
        batch_op.drop_column("element_separator")
