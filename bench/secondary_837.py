"""Benchmark: claims to the secondary made from a posted primary 835, assembled and written.

    .venv/bin/python bench/secondary_837.py [--claims 2000] [--pyx12]

Set-up (not timed): bench/write_837.py's practice and claims in a scratch SQLite database,
every patient with a secondary coverage, the claims accepted, and one primary 835 paying each
claim line by line (CO-45 and PR-2 on every line) ingested through the posting. Timed: making
the secondary claims (claims.secondary.service), loading and assembling them with the
primary's adjudication (loops 2320/2330/2430), and writing the 837P; for comparison the same
number of primary claims is loaded and assembled. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).parent))

from write_837 import ADDRESS, seed

from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.db import make_engine, session_factory, transaction
from claims.patients.models import Coverage, CoverageOrder
from claims.practice.models import Payer, Practice
from claims.secondary.service import make_secondary_claims
from claims.submission.assemble import assemble
from edi.validate import pyx12_problems
from edi.x837 import models as x837
from edi.x837.writer import amount, transactions_needed, write_batch
from remittance.ingest import ingest_file


def era(claims: list[Claim]) -> bytes:
    """One 835 paying every line 80% of the charge less 10% coinsurance (PR-2), CO-45 the rest."""
    body: list[str] = []
    total = 0
    for claim in claims:
        lines = []
        paid_claim = patient_claim = 0
        for line in claim.lines:
            co = line.charge_cents // 5
            pr = line.charge_cents // 10
            paid = line.charge_cents - co - pr
            paid_claim += paid
            patient_claim += pr
            lines += [
                f"SVC*HC:99213*{amount(line.charge_cents)}*{amount(paid)}**1",
                f"CAS*CO*45*{amount(co)}", f"CAS*PR*2*{amount(pr)}",
                f"REF*6R*{line.line_control_number}",
            ]  # fmt: skip
        total += paid_claim
        body += [
            f"CLP*{claim.patient_control_number}*1*{amount(claim.total_charge_cents)}*"
            f"{amount(paid_claim)}*{amount(patient_claim)}*12*P{claim.id}*11*1",
            *lines,
        ]
    head = [
        f"BPR*I*{amount(total)}*C*ACH*CCP*01*999999999*DA*1*1512345678**01*999988880*DA*2*20261020",
        "TRN*1*BENCH1*1512345678", "DTM*405*20261019", "N1*PR*ACME*XV*ACME1",
        "N1*PE*BENCH CLINIC*XX*1234567893", "LX*1",
    ]  # fmt: skip
    segments = ["ST*835*0001", *head, *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    isa = "ISA*00*          *00*          *ZZ*ACME           *ZZ*BENCH          *261020*1200*^*00501*000000001*0*P*:"  # noqa: E501
    text = "~\n".join(
        [isa, "GS*HP*ACME*BENCH*20261020*1200*1*X*005010X221A1", *segments, "GE*1*1",
         "IEA*1*000000001"]
    ) + "~\n"  # fmt: skip
    return text.encode()


def prepare(url: str) -> None:
    """Secondary coverages, accepted claims and the primary 835 posted."""
    engine = make_engine(url)
    with transaction(session_factory(engine)) as s:
        practice = s.scalars(select(Practice)).one()
        second = Payer(practice_id=practice.id, payer_code="SECOND1", name="SECOND",
                       claim_filing_indicator="CI", **ADDRESS)  # fmt: skip
        s.add(second)
        s.flush()
        for cov in list(s.scalars(select(Coverage))):
            s.add(Coverage(practice_id=practice.id, patient_id=cov.patient_id,
                           payer_id=second.id, order=CoverageOrder.SECONDARY,
                           member_id=f"S{cov.patient_id:09d}"))  # fmt: skip
        s.execute(update(Claim).values(state=ClaimState.ACCEPTED))
        practice_id = practice.id
    with session_factory(engine)() as s:  # ingest commits each remittance itself
        claims = list(s.scalars(select(Claim).order_by(Claim.id)))
        report = ingest_file(s, practice_id=practice_id, content=era(claims), name="bench.835",
                             actor="bench", today=date(2026, 10, 20))  # fmt: skip
        assert report.status == "posted", report.as_json()
    engine.dispose()


def run(url: str, check: bool) -> dict[str, object]:
    """Time making, assembling and writing the secondary claims."""
    engine = make_engine(url)
    factory = session_factory(engine)
    with transaction(factory) as s:
        practice_id = s.scalars(select(Practice.id)).one()
        t0 = time.perf_counter()
        outcome = make_secondary_claims(s, practice_id=practice_id, today=date(2026, 11, 1),
                                        actor="bench")  # fmt: skip
        made_s = time.perf_counter() - t0
    with factory() as s:
        primaries = list(s.scalars(select(Claim).where(Claim.prior_payer_claim_id.is_(None))))
        t0 = time.perf_counter()
        assemble(s, primaries)
        primary_s = time.perf_counter() - t0
    with factory() as s:
        t0 = time.perf_counter()
        secondaries = list(s.scalars(select(Claim).where(Claim.prior_payer_claim_id.is_not(None))))
        values = assemble(s, secondaries)
        secondary_s = time.perf_counter() - t0
    count = len(values)
    batch = x837.Batch(
        kind=x837.Kind.PROFESSIONAL,
        envelope=x837.Envelope(
            "ZZ", "BENCH", "ZZ", "CH", "BENCH", "CH", 2, 2, "T", datetime(2026, 11, 23, tzinfo=UTC)
        ),
        submitter=x837.Submitter("BENCH CLINIC", "BENCH", "BILLING", "5035550100"),
        receiver=x837.Receiver("CH", "CH"),
        claims=tuple(values),
        transaction_control_numbers=tuple(range(1, transactions_needed(count) + 1)),
    )
    t0 = time.perf_counter()
    written = write_batch(batch)
    write_s = time.perf_counter() - t0
    result: dict[str, object] = {
        "secondary_claims": len(outcome.made),
        "make_s": round(made_s, 3),
        "make_claims_per_s": round(len(outcome.made) / made_s),
        "assemble_primary_s": round(primary_s, 3),
        "assemble_secondary_s": round(secondary_s, 3),
        "assemble_secondary_claims_per_s": round(count / secondary_s),
        "write_s": round(write_s, 3),
        "write_claims_per_s": round(count / write_s),
        "bytes": len(written.text),
    }
    if check:
        t0 = time.perf_counter()
        problems = pyx12_problems(written.text)
        result.update(pyx12_s=round(time.perf_counter() - t0, 2), pyx12_errors=len(problems))
    engine.dispose()
    return result


def main() -> None:
    """Parse arguments, seed, post the primary 835, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--pyx12", action="store_true", help="also time pyx12's validation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        t0 = time.perf_counter()
        seed(url, args.claims)
        prepare(url)
        print(json.dumps({"seed_s": round(time.perf_counter() - t0, 1)}))
        print(json.dumps(run(url, args.pyx12)))


if __name__ == "__main__":
    main()
