"""secondary claims: a claim to a later payer names the prior payer's claim, and the day its
timely-filing limit runs from

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FK = "fk_claims_prior_payer_claim_id_claims"
INDEX = "ix_claims_prior_payer_claim_id"


def upgrade() -> None:
    # claims is referenced by most tables: on SQLite the link is added with ALTER TABLE ... ADD
    # COLUMN and an inline named REFERENCES, never by copying the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE claims ADD COLUMN prior_payer_claim_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES claims (id)"
        )
    else:
        op.add_column("claims", sa.Column("prior_payer_claim_id", ID, nullable=True))
        op.create_foreign_key(FK, "claims", "claims", ["prior_payer_claim_id"], ["id"])
    # Unique: one claim to the next payer per prior claim (NULLs do not collide).
    op.create_index(INDEX, "claims", ["prior_payer_claim_id"], unique=True)
    op.add_column("claims", sa.Column("filing_from", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("claims", "filing_from")
    op.drop_index(INDEX, table_name="claims")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "claims", type_="foreignkey")
    op.drop_column("claims", "prior_payer_claim_id")  # SQLite 3.35+ drops the inline reference
