"""Benchmark: the whole scrubber (every edit, ICD-10-CM, about 1M PTP pairs, MUE) on 100,000
generated lines.

    .venv/bin/python bench/scrub.py                    # 1M pairs, 100,000 lines, seed 1
    .venv/bin/python bench/scrub.py --pairs 100000 --lines 10000   # quick

The tables and claims come from bench/scrub_ncci.py's generators (same seed, same shapes);
each generated claim becomes a coding.scrub.ScrubClaim with two diagnoses from the shipped
ICD-10-CM release, valid NPIs and TIN, and the patient's other claims that day as history.
Timed: coding.scrub.scrub over every claim (median of --repeat runs; wall and CPU). Prints
JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import date, timedelta
from typing import Any

from scrub_ncci import History, make_claims, make_universe, mue_file_text, ptp_file_text, timed

from coding import icd10cm, ncci
from coding.npi import check_digit
from coding.scrub import (
    ClaimKind,
    CodeTables,
    Demographics,
    HistoryLine,
    ProviderRole,
    ScrubClaim,
    ScrubLine,
    ScrubProvider,
    scrub,
)

PAYER = "ACME1"
# The generator dates claims in 2025; the shipped ICD-10-CM release covers 2026-04-01 to
# 2026-09-30. Dates are folded into that period (the same way for claims and history), so
# the run measures edits on claims as a practice would send them, not CODESET-MISSING.
GENERATED_FROM = date(2025, 1, 1)
RELEASE_FROM = date(2026, 4, 1)
RELEASE_DAYS = 183


def in_release(day: date) -> date:
    """A generated date folded into the shipped release's period."""
    return RELEASE_FROM + timedelta(days=(day - GENERATED_FROM).days % RELEASE_DAYS)


class ScrubHistory:
    """bench/scrub_ncci.py's in-memory history in the shape coding.scrub reads."""

    def __init__(self, history: History) -> None:
        self._lines = {
            key: [
                HistoryLine(
                    f"other-{key[0]}-{n}",
                    1,
                    key[0],
                    key[1],
                    o.procedure_code,
                    o.modifiers,
                    o.units_thousandths,
                    o.provider_key,
                    PAYER,
                )
                for n, o in enumerate(lines)
            ]
            for key, lines in history.lines.items()
        }
        self._lines = {(p, in_release(d)): v for (p, d), v in self._lines.items()}

    def other_lines(self, patient_key: str, service_date: date) -> list[HistoryLine]:
        """The patient's lines on that date in other claims."""
        return self._lines.get((patient_key, service_date), [])


def npi_for(key: str) -> str:
    """A valid NPI derived from a generated provider key."""
    nine = f"1{int(key[1:]):08d}"
    return nine + check_digit(nine)


def scrub_claims(generated: list[Any]) -> list[ScrubClaim]:
    """The generator's claims as the scrubber reads them."""
    out = []
    for n, claim in enumerate(generated):
        lines = tuple(
            ScrubLine(line_number=line.line_number, procedure_code=line.procedure_code,
                      charge_cents=10_000, units_thousandths=line.units_thousandths,
                      modifiers=line.modifiers, pointers=(1, 2),
                      service_date=in_release(line.service_date))
            for line in claim.lines
        )  # fmt: skip
        out.append(
            ScrubClaim(
                claim_key=f"claim-{n}",
                kind=ClaimKind.PROFESSIONAL,
                patient_key=claim.patient_key,
                payer_code=PAYER,
                service_date=in_release(claim.lines[0].service_date),
                diagnoses=("I10", "E785"),
                lines=lines,
                providers=(ScrubProvider(ProviderRole.BILLING, npi_for(claim.provider_key)),),
                billing_tin="841234567",
                subscriber=Demographics(),
                timely_filing_days=365,
                place_of_service="11",
                total_charge_cents=10_000 * len(lines),
                clia_number="38D1234567",
            )
        )
    return out


def main() -> None:
    """Generate, load, scrub, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    universe = make_universe(rng)
    ptp_text, _ = ptp_file_text(universe, args.pairs, rng)
    ptp = ncci.parse_ptp(ptp_text, file="ptp.txt")
    pairs = [(e.column1, e.column2) for code in list(universe.every)[:3000]
             for e in ptp.column1_edits(code)][:50_000]  # fmt: skip
    mue = ncci.parse_mue(mue_file_text(universe.every, "practitioner", rng), file="mue.csv")
    generated, history = make_claims(universe, pairs, args.lines, rng)
    claims = scrub_claims(generated)
    tables = CodeTables(
        icd10cm=icd10cm.IcdReleaseSet.of(icd10cm.default_release()),
        ptp_professional=ptp,
        mue_professional=mue,
    )
    view = ScrubHistory(history)
    # "Today" a month after the last date of service: every claim is inside timely filing.
    today = RELEASE_FROM + timedelta(days=RELEASE_DAYS + 30)

    def run() -> int:
        return sum(len(scrub(c, tables=tables, history=view, today=today)) for c in claims)

    findings, wall, cpu = timed(run, args.repeat)
    lines = sum(len(c.lines) for c in claims)
    print(json.dumps({
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "ptp_pairs": len(ptp), "mue_codes": len(mue), "claims": len(claims), "lines": lines,
        "findings": findings,
        "lines_per_s_wall": round(lines / wall), "lines_per_s_cpu": round(lines / cpu),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
