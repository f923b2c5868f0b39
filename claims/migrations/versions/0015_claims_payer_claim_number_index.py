"""an index on claims (practice_id, payer_claim_number): 835 matching by CLP07 and PLB
references read claims by it

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_claims_practice_id_payer_claim_number", "claims", ["practice_id", "payer_claim_number"]
    )


def downgrade() -> None:
    op.drop_index("ix_claims_practice_id_payer_claim_number", table_name="claims")
