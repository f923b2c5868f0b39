"""Benchmark: ingest + post a generated 835 whose claims are already in the database.

    .venv/bin/python bench/ingest_835.py                       # 1k, 20k and 200k, SQLite
    .venv/bin/python bench/ingest_835.py --claims 20000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The 835 comes from ../shared/bench/gen835.py N -s 1 (one ST). Its claims are loaded first, in
a child process, with Core executemany (one patient and coverage, an encounter, charge lines
with their charges posted, a claim and claim lines per patient control number, lines numbered
as the file's REF*6R). Then another child process runs `ingest_file` on the file and reports
wall time and its own peak RSS. Results are written down in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen835.py"


def load_claims(url: str, path: Path) -> None:
    """Create a practice and one claim per patient control number of the file."""
    from sqlalchemy import insert

    from claims.claim.models import Claim, ClaimLine
    from claims.db import make_engine, session_factory
    from claims.encounters.models import ChargeLine, ClaimKind, Encounter
    from claims.ledger import service as ledger
    from claims.ledger.models import AccountKind, EntryKind
    from claims.patients.models import Coverage, CoverageOrder, Patient, Relationship, Sex
    from claims.practice.models import BillingProvider, ClaimKinds, Payer, Practice
    from claims.schema import upgrade
    from edi.x835.models import ClaimPayment
    from edi.x835.reader import stream_835

    engine = make_engine(url)
    upgrade(engine)
    wanted: dict[str, ClaimPayment] = {}
    for event in stream_835(path):
        if isinstance(event, ClaimPayment) and not event.is_reversal:
            wanted[event.patient_control_number] = event
    address = {"address1": "1 MAIN ST", "city": "PORTLAND", "state": "OR", "postal_code": "97201"}
    with session_factory(engine)() as session, session.begin():
        practice = Practice(code="BENCH", name="Bench")
        session.add(practice)
        session.flush()
        billing = BillingProvider(
            practice_id=practice.id, name="BENCH CLINIC", npi="1234567893", tin="841234567",
            **address,
        )  # fmt: skip
        payer = Payer(
            practice_id=practice.id, payer_code="BENCHPAYER", name="ACME",
            claim_filing_indicator="CI",
            claim_kinds=ClaimKinds.BOTH, **address,
        )  # fmt: skip
        patient = Patient(
            practice_id=practice.id, account_number="B1", last_name="DOE", first_name="JO",
            birth_date=date(1980, 1, 1), sex=Sex.FEMALE, **address,
        )  # fmt: skip
        session.add_all([billing, payer, patient])
        session.flush()
        coverage = Coverage(
            practice_id=practice.id, patient_id=patient.id, payer_id=payer.id,
            order=CoverageOrder.PRIMARY, member_id="M1", relationship=Relationship.SELF,
        )  # fmt: skip
        session.add(coverage)
        session.flush()
        clps = list(wanted.values())

        def returning(model: type, rows: list[dict[str, object]]) -> list[int]:
            stmt = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
            return list(session.scalars(stmt, rows))

        day = date(2024, 6, 1)
        encounters = returning(
            Encounter,
            [{"practice_id": practice.id, "patient_id": patient.id,
              "billing_provider_id": billing.id, "kind": ClaimKind.PROFESSIONAL,
              "place_of_service": "11", "service_date": day} for _ in clps],
        )  # fmt: skip
        line_rows = []
        for clp, encounter_id in zip(clps, encounters, strict=True):
            for number, svc in enumerate(clp.lines, 1):
                line_rows.append(
                    {"practice_id": practice.id, "encounter_id": encounter_id,
                     "line_number": number, "service_date": day,
                     "procedure_code": svc.procedure.code[:5], "units_thousandths": 1000,
                     "charge_cents": svc.charge_cents}
                )  # fmt: skip
        charge_lines = returning(ChargeLine, line_rows)
        claims = returning(
            Claim,
            [{"practice_id": practice.id, "patient_id": patient.id, "encounter_id": e,
              "coverage_id": coverage.id, "payer_id": payer.id, "kind": ClaimKind.PROFESSIONAL,
              "patient_control_number": clp.patient_control_number, "state": "accepted",
              "total_charge_cents": clp.charge_cents}
             for clp, e in zip(clps, encounters, strict=True)],
        )  # fmt: skip
        rows = []
        ids = iter(charge_lines)
        for clp, claim_id in zip(clps, claims, strict=True):
            for number, svc in enumerate(clp.lines, 1):
                rows.append(
                    {"practice_id": practice.id, "claim_id": claim_id, "charge_line_id": next(ids),
                     "line_number": number,
                     "line_control_number":
                         svc.reference("6R") or f"{clp.patient_control_number}-{number}",
                     "charge_cents": svc.charge_cents}
                )  # fmt: skip
        session.execute(insert(ClaimLine), rows)
        gross = ledger.account(session, practice_id=practice.id, kind=AccountKind.GROSS_CHARGES)
        receivable = ledger.account(
            session, practice_id=practice.id, kind=AccountKind.INSURANCE_AR, coverage_id=coverage.id
        )
        postings = [
            ledger.Posting(
                debit_account_id=receivable, credit_account_id=gross,
                amount_cents=int(r["charge_cents"]),  # type: ignore[call-overload]
                kind=EntryKind.CHARGE, posting_date=day, actor="bench", charge_line_id=cl,
                memo="bench charge",
            )
            for r, cl in zip(line_rows, charge_lines, strict=True)
            if int(r["charge_cents"]) > 0  # type: ignore[call-overload]
        ]  # fmt: skip
        for start in range(0, len(postings), 20000):
            ledger.post(session, practice_id=practice.id, postings=postings[start : start + 20000])
    print(json.dumps({"claims_loaded": len(clps)}))


def ingest(url: str, path: Path) -> None:
    """Ingest the file once and print the figures as JSON."""
    from sqlalchemy import select

    from claims.db import make_engine, session_factory
    from claims.practice.models import Practice
    from remittance.ingest import ingest_file

    engine = make_engine(url)
    content = path.read_bytes()
    with session_factory(engine)() as session:
        practice_id = session.scalar(select(Practice.id).where(Practice.code == "BENCH"))
        session.rollback()
        assert practice_id is not None, "load the claims first (--child load)"
        started = time.perf_counter()
        cpu_started = time.process_time()
        report = ingest_file(
            session, practice_id=practice_id, content=content, name=path.name, actor="bench",
            today=date(2024, 12, 10),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    figures = report.as_json()
    print(
        json.dumps(
            {
                "status": figures["status"], "claims": figures["claims"],
                "matched": figures["matched"], "unmatched": figures["unmatched"],
                "seconds": round(seconds, 2), "claims_per_s": round(figures["claims"] / seconds),
                # this process only: on a busy machine it says what the wall time cannot
                "client_cpu_s": round(cpu_seconds, 2),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        )
    )  # fmt: skip


def _child(mode: str, url: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--database-url", url, "--file", str(path)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="*", default=[1000, 20000, 200000])
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--child", choices=["load", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "load":
        load_claims(args.database_url, args.file)
        return
    if args.child == "ingest":
        ingest(args.database_url, args.file)
        return
    with tempfile.TemporaryDirectory() as folder:
        for count in args.claims:
            path = Path(folder) / f"era_{count}.835"
            subprocess.run(
                [sys.executable, str(GENERATOR), str(count), "-s", "1", "-o", str(path)], check=True
            )
            url = args.database_url or f"sqlite:///{folder}/bench_{count}.db"
            if args.database_url:  # start from an empty schema each time
                from sqlalchemy import text

                from claims.db import make_engine
                from claims.schema import downgrade

                downgrade(make_engine(url), "base")
                with make_engine(url).begin() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            loaded = _child("load", url, path)
            result = _child("ingest", url, path)
            print(json.dumps({"file_claims": count, **loaded, **result}))


if __name__ == "__main__":
    main()
