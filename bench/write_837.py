"""Benchmark: 10,000 professional claims from the database to an 837P file (two STs).

    .venv/bin/python bench/write_837.py [--claims 10000] [--pyx12]

Run it on a quiet machine: timings are wall clock. Memory is the process's peak RSS
(tracemalloc is not used: it slows allocation-heavy code several-fold).

Set-up (not timed): a scratch SQLite database with one practice, 1,000 patients and one
encounter of 1-4 lines per claim, recorded through the services (charges posted). Timed:
loading and assembling the claims from the database, writing the file, and (with --pyx12)
pyx12's validation of it. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from claims.claim.models import Claim
from claims.claim.service import create_claim
from claims.db import make_engine, session_factory, transaction
from claims.encounters.service import ChargeInput, EncounterInput, create_encounter
from claims.patients.models import Coverage, CoverageOrder, Patient, Sex
from claims.practice.models import BillingProvider, Payer, Practice, Provider
from claims.schema import upgrade
from claims.submission.assemble import assemble
from coding.npi import check_digit
from edi.validate import pyx12_problems
from edi.x837 import models as x837
from edi.x837.writer import transactions_needed, write_batch

CODES = [("99213", 15000), ("99214", 22500), ("93000", 7500), ("85025", 3000), ("36415", 1500)]
ADDRESS = {"address1": "1 MAIN ST", "city": "PORTLAND", "state": "OR", "postal_code": "972011234"}


def seed(url: str, claims: int) -> None:
    """Fill a fresh database with `claims` draft claims."""
    rng = random.Random(7)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        practice = Practice(code="BENCH", name="Bench")
        s.add(practice)
        s.flush()
        billing = BillingProvider(practice_id=practice.id, name="BENCH CLINIC",
                                  npi="123456789" + check_digit("123456789"), tin="841234567",
                                  **ADDRESS)  # fmt: skip
        doctor = Provider(practice_id=practice.id, npi="198765432" + check_digit("198765432"),
                          last_name="OSEI", first_name="AMARA")  # fmt: skip
        payer = Payer(practice_id=practice.id, payer_code="ACME1", name="ACME",
                      claim_filing_indicator="CI", **ADDRESS)  # fmt: skip
        s.add_all([billing, doctor, payer])
        s.flush()
        patients = [
            Patient(
                practice_id=practice.id,
                account_number=f"B{n:06d}",
                last_name="DOE",
                first_name="PAT",
                birth_date=date(1970, 1, 1) + timedelta(days=n),
                sex=Sex.FEMALE,
                **ADDRESS,
            )
            for n in range(1000)
        ]
        s.add_all(patients)
        s.flush()
        coverages = [
            Coverage(
                practice_id=practice.id,
                patient_id=p.id,
                payer_id=payer.id,
                order=CoverageOrder.PRIMARY,
                member_id=f"M{p.id:09d}",
            )
            for p in patients
        ]
        s.add_all(coverages)
        s.flush()
        for n in range(claims):
            lines = rng.randint(1, 4)
            encounter = create_encounter(
                s,
                practice_id=practice.id,
                data=EncounterInput(
                    patient_id=patients[n % 1000].id, billing_provider_id=billing.id,
                    rendering_provider_id=doctor.id,
                    service_date=date(2026, 5, 1) + timedelta(days=n % 120),
                    place_of_service="11", diagnoses=("I10", "E78.5"),
                    charges=tuple(
                        ChargeInput(procedure_code=code, charge_cents=cents, pointers=(1, 2))
                        for code, cents in rng.sample(CODES, lines)
                    ),
                ),
                actor="bench",
                posting_date=date(2026, 10, 1),
            )  # fmt: skip
            create_claim(s, practice_id=practice.id, encounter_id=encounter.id,
                         coverage_id=coverages[n % 1000].id, actor="bench")  # fmt: skip
    engine.dispose()


def run(url: str, out: Path, check: bool, repeat: int) -> dict[str, object]:
    """Time assembling and writing every claim in the database (and pyx12, if asked)."""
    engine = make_engine(url)
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory() as s:
        claims = list(s.scalars(select(Claim).order_by(Claim.id)))
        values = assemble(s, claims)
    assembled = time.perf_counter()
    count = len(values)
    batch = x837.Batch(
        kind=x837.Kind.PROFESSIONAL,
        envelope=x837.Envelope(
            "ZZ", "BENCH", "ZZ", "CH", "BENCH", "CH", 1, 1, "T", datetime(2026, 11, 23, tzinfo=UTC)
        ),
        submitter=x837.Submitter("BENCH CLINIC", "BENCH", "BILLING", "5035550100"),
        receiver=x837.Receiver("CH", "CH"),
        claims=tuple(values),
        transaction_control_numbers=tuple(range(1, transactions_needed(count) + 1)),
    )
    # The write step on its own, median of `repeat` runs (the machine may be shared).
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        written = write_batch(batch)
        timings.append(time.perf_counter() - t0)
    write_s = statistics.median(timings)
    out.write_text(written.text)
    done = assembled + write_s
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: dict[str, object] = {
        "claims": count,
        "transactions": transactions_needed(count),
        "bytes": len(written.text),
        "load_and_assemble_s": round(assembled - started, 3),
        "write_s": round(done - assembled, 3),
        "write_claims_per_s": round(count / (done - assembled)),
        "end_to_end_claims_per_s": round(count / (done - started)),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    if check:
        t0 = time.perf_counter()
        problems = pyx12_problems(written.text)
        elapsed = time.perf_counter() - t0
        result.update(pyx12_s=round(elapsed, 2), pyx12_claims_per_s=round(count / elapsed),
                      pyx12_errors=len(problems))  # fmt: skip
    engine.dispose()
    return result


def main() -> None:
    """Parse arguments, seed, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--pyx12", action="store_true", help="also time pyx12's validation")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the write step (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        t0 = time.perf_counter()
        seed(url, args.claims)
        print(json.dumps({"seed_s": round(time.perf_counter() - t0, 1)}))
        print(json.dumps(run(url, Path(folder) / "out.837", args.pyx12, args.repeat)))


if __name__ == "__main__":
    main()
