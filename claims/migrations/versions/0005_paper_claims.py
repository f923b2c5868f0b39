"""paper claims: stored files and batches may hold a CMS-1500 PDF

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("837P", "837I", "835", "999", "277CA", "TA1", "other")
AFTER = ("837P", "837I", "835", "999", "277CA", "TA1", "CMS1500", "other")


def _kinds(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(values: tuple[str, ...]) -> None:
    width = max(len(v) for v in values)
    for table in ("stored_files", "batches"):
        name = f"ck_{table}_file_kind"
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(name), type_="check")
            batch.alter_column("kind", type_=sa.String(width), existing_nullable=False)
            batch.create_check_constraint(op.f(name), _kinds(values))


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM stored_files WHERE kind = 'CMS1500'")
    _replace(BEFORE)
