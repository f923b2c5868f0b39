"""The daily cycle from the command line: demo, scrub, submit; every 837 passes pyx12, paper
claims come out as CMS-1500 PDFs, and a correction goes out as frequency 7."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from claims.claim.models import Claim
from claims.claim.state import ClaimState, Event
from claims.db import make_engine, session_factory, transaction
from claims.practice.models import Payer
from edi.inspect import inspect_file
from edi.validate import pyx12_problems
from edi.x12 import read_segments
from tests.api.test_cli import claims_cli


def test_a_new_database_scrubs_and_submits_files_pyx12_accepts(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    url = scratch_sqlite_url
    assert claims_cli(url, "db", "upgrade")[0] == 0
    assert claims_cli(url, "demo")[0] == 0
    code, out = claims_cli(url, "scrub", "--json")
    assert code == 0, out
    scrubbed = json.loads(out)
    assert (scrubbed["ready"], scrubbed["on_hold"]) == (50, 0)
    errors = [f for c in scrubbed["claims"] for f in c["findings"] if f["severity"] == "error"]
    assert errors == []

    code, out = claims_cli(url, "submit", "--out", str(tmp_path), "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["held"] == []
    kinds = sorted(f["kind"] for f in result["files"])
    assert kinds == ["837I", "837P"]
    assert sum(f["claims"] for f in result["files"]) == 50
    for entry in result["files"]:
        text = Path(entry["path"]).read_text()
        assert pyx12_problems(text) == [], entry["kind"]
        summary = inspect_file(text)
        assert summary.kind == entry["kind"] and summary.claims == entry["claims"]
        assert summary.charge_total == Decimal(entry["charge_total"])
        assert not summary.problems
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert set(session.scalars(select(Claim.state))) == {ClaimState.SUBMITTED}
    engine.dispose()
    # Nothing is ready any more: a second submit writes nothing.
    code, out = claims_cli(url, "submit", "--out", str(tmp_path / "again"), "--json")
    assert code == 0 and json.loads(out)["files"] == []


def test_payers_without_edi_get_a_cms1500_and_the_rest_an_837(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        session.execute(
            update(Payer).where(Payer.payer_code == "DEMOBLUE1").values(accepts_edi=False)
        )
        session.execute(
            update(Payer).where(Payer.payer_code == "DEMOACME1").values(accepts_edi=False)
        )
        paper_claims = session.scalars(
            select(Claim).join(Payer, Payer.id == Claim.payer_id)
            .where(Payer.payer_code.in_(["DEMOBLUE1", "DEMOACME1"]))
        ).all()  # fmt: skip
        on_paper = {c.id for c in paper_claims if c.kind == "professional"}
        no_ub04 = {c.id for c in paper_claims if c.kind == "institutional"}
    assert on_paper and no_ub04  # ACME takes institutional claims: the demo sends it ER visits
    claims_cli(url, "scrub")
    code, out = claims_cli(url, "submit", "--out", str(tmp_path), "--json")
    assert code == 0, out
    files = json.loads(out)["files"]
    paper = [f for f in files if f["kind"] == "CMS1500"]
    assert len(paper) == 2  # one PDF per payer
    assert sum(f["claims"] for f in paper) == len(on_paper)
    assert all(Path(f["path"]).read_bytes().startswith(b"%PDF") for f in paper)
    electronic = sum(f["claims"] for f in files if f["kind"] != "CMS1500")
    assert electronic + len(on_paper) + len(no_ub04) == 50
    with session_factory(engine)() as session:
        states = {c.id: c.state for c in session.scalars(select(Claim))}
    assert all(states[i] is ClaimState.SUBMITTED for i in on_paper)
    # We print no UB-04: institutional claims for a paper payer wait, ready.
    assert all(states[i] is ClaimState.READY for i in no_ub04)
    engine.dispose()


def test_a_correction_goes_out_as_frequency_7_with_the_payer_number(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    from claims.claim import service as claim_service

    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    claims_cli(url, "scrub")
    claims_cli(url, "submit", "--out", str(tmp_path / "first"))
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        claim = session.scalars(
            select(Claim).join(Payer, Payer.id == Claim.payer_id)
            .where(Payer.accepts_replacement.is_(True), Claim.kind == "professional")
            .order_by(Claim.id)
        ).first()  # fmt: skip
        assert claim is not None
        for event in (Event.ACK_ACCEPTED, Event.STATUS_ACCEPTED, Event.REMIT_PAID):
            claim_service.record_event(session, claim=claim, event=event, actor="t")
        claim.payer_claim_number = "PAYER777"
        claim_id = claim.id
    code, out = claims_cli(url, "correct", str(claim_id), "--reason", "missed modifier", "--json")
    assert code == 0, out
    corrected = json.loads(out)
    assert corrected["frequency"] == "7" and corrected["state"] == "replaced"
    claims_cli(url, "scrub")
    code, out = claims_cli(url, "submit", "--out", str(tmp_path / "second"), "--json")
    (entry,) = json.loads(out)["files"]
    assert entry["claims"] == 1
    segments = [s.elements for s in read_segments(Path(entry["path"]))]
    clm = next(s for s in segments if s[0] == "CLM")
    assert clm[1] == corrected["new_patient_control_number"] and clm[5].endswith(":7")
    assert ("REF", "F8", "PAYER777") in segments
    assert pyx12_problems(Path(entry["path"]).read_text()) == []
    engine.dispose()
