"""Posting the public 835 samples in ../shared/x12-samples (skipped where they are absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.encounters.models import ChargeLine
from edi.x835.reader import read_835
from tests.claims.factories import make_office
from tests.remittance.helpers import assert_era_invariants, golden_claim, ingest

pytestmark = pytest.mark.database

SAMPLES = [
    "badx12_835_X221A1_multiple-claims-single-check.edi",
    "lfh_medicare-part-a.835",
    "lfh_secondary-payment.835",
    "inteligenz_835_X221A1_ExampleFromNth.txt",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_public_835_posts_with_clearing_at_zero(
    session: Session, x12_samples: Path, name: str
) -> None:
    """Claims are made for each sample's claim payments (the first of each patient control
    number), then the file is ingested: what fits is applied, the rest waits in unapplied
    cash, and every remittance nets ERA clearing to zero with cash equal to BPR02."""
    content = (x12_samples / name).read_bytes()
    office = make_office(session)
    made: dict[str, Claim] = {}
    for remittance in read_835(content, name=name):
        for clp in remittance.claims:
            pcn = clp.patient_control_number
            if pcn in made or len(pcn) > 17 or clp.is_reversal:
                continue
            lines = [(svc.procedure.code[:5], abs(svc.charge_cents)) for svc in clp.lines]
            made[pcn] = golden_claim(
                session, office, pcn, lines or [("99213", abs(clp.charge_cents))]
            )
    report = ingest(session, office, content, name)
    assert report.error is None
    figures = report.as_json()
    applied = [t for t in report.transactions if t.status in ("posted", "held")]
    assert applied and all(t.matched + t.unmatched == t.claims for t in applied)
    statuses = {t.status for t in report.transactions}
    assert statuses <= {"posted", "held", "conflict"}
    if statuses == {"posted"}:
        assert figures["matched"] > 0
        moved = session.scalars(
            select(Claim.state).where(Claim.id.in_([c.id for c in made.values()]))
        )
        assert any(state is not ClaimState.ACCEPTED for state in moved)
    assert session.scalars(select(ChargeLine)).first() is not None
    assert_era_invariants(session, office.practice.id)
