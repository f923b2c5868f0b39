"""Benchmark of coding/ncci.py: import, bytes and edits over a generated CMS-sized NCCI table."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from itertools import accumulate
from typing import Any, TypeVar

from coding.ncci import (
    MueTable,
    PtpTable,
    mue_findings,
    parse_mue,
    parse_ptp,
    ptp_findings,
)

# ---------------------------------------------------------------------------------------------
# A code universe shaped like CPT and HCPCS Level II (numbers only: no descriptors)
# ---------------------------------------------------------------------------------------------

# (first, last, how many codes, mean column-2 partners when the code is column 1)
NUMERIC_SECTIONS = {
    "anesthesia": (100, 1999, 280, 140),
    "surgery": (10004, 69990, 5600, 120),
    "radiology": (70010, 79999, 950, 35),
    "laboratory": (80047, 89398, 1300, 12),
    "medicine": (90281, 99199, 1300, 45),
    "evaluation": (99202, 99499, 240, 25),
}
HCPCS_LETTERS = {"A": 500, "C": 350, "E": 450, "G": 900, "J": 900, "K": 150, "L": 900, "Q": 300}
PTP_RATIONALES = [
    ("Misuse of column two code with column one code", 40),
    ("Standards of medical / surgical practice", 20),
    ("CPT Manual or CMS manual coding instructions", 12),
    ("Mutually exclusive procedures", 8),
    ("More extensive procedure", 6),
    ("HCPCS/CPT procedure code definition", 5),
    ("Anesthesia service included in surgical procedure", 3),
    ("Laboratory panel", 2),
    ("Sequential procedure", 2),
    ("Separate procedure", 2),
]
MUE_RATIONALES = [
    "Anatomic Consideration",
    "Clinical: Data",
    "Code Descriptor / CPT Instruction",
    "Nature of Service/Procedure",
    "Prescribing Information",
    "CMS Policy",
    "Published Contractor Policy",
    "Nature of Equipment",
]
MAI_TEXT = {
    1: "1 Line Edit",
    2: "2 Date of Service Edit: Policy",
    3: "3 Date of Service Edit: Clinical",
}


@dataclass(frozen=True)
class Universe:
    """Codes by section, and the codes most often billed, with weights."""

    sections: dict[str, list[str]]
    column1_mean: dict[str, int]
    billed: list[str]
    billed_cumulative: list[float]  # cumulative weights, for random.choices

    every: list[str]  # sorted


def make_universe(rng: random.Random) -> Universe:
    """About 17,000 codes spread like CPT Category I/III and HCPCS Level II."""
    sections: dict[str, list[str]] = {}
    means: dict[str, int] = {}
    for name, (first, last, count, mean) in NUMERIC_SECTIONS.items():
        sections[name] = [f"{n:05d}" for n in sorted(rng.sample(range(first, last + 1), count))]
        means[name] = mean
    sections["category3"] = [f"{n:04d}T" for n in sorted(rng.sample(range(42, 900), 700))]
    means["category3"] = 60
    sections["pla"] = [f"{n:04d}U" for n in sorted(rng.sample(range(1, 500), 400))]
    means["pla"] = 4
    for letter, count in HCPCS_LETTERS.items():
        numbers = sorted(rng.sample(range(0, 10000), count))
        sections[f"hcpcs-{letter}"] = [f"{letter}{n:04d}" for n in numbers]
        means[f"hcpcs-{letter}"] = 40 if letter in "CG" else 8
    every = sorted(code for codes in sections.values() for code in codes)
    # What gets billed: a Zipf-like law over a shuffled order, office visits and labs on top.
    order = every[:]
    rng.shuffle(order)
    top = sections["evaluation"][:12] + sections["laboratory"][:20] + sections["medicine"][:10]
    order = top + [code for code in order if code not in set(top)]
    cumulative = list(accumulate(1.0 / (rank + 8) ** 1.1 for rank in range(len(order))))
    return Universe(sections, means, order, cumulative, every)


# ---------------------------------------------------------------------------------------------
# Generated CMS-layout files
# ---------------------------------------------------------------------------------------------

QUARTERS = [date(year, month, 1) for year in range(1996, 2027) for month in (1, 4, 7, 10)]


def ptp_file_text(universe: Universe, pairs: int, rng: random.Random) -> tuple[str, int]:
    """A practitioner PTP file (CMS's tab-delimited layout) of about this many pairs."""
    every = universe.every
    # Hubs: codes that are column 2 of many edits (injections, nerve blocks, E/M, venipuncture).
    hubs = rng.sample(every, 600)
    hub_cumulative = list(accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(hubs))))
    wanted: dict[str, float] = {}
    for name, codes in universe.sections.items():
        mean = universe.column1_mean[name]
        for code in codes:
            wanted[code] = rng.lognormvariate(0, 0.9) * mean
    scale = pairs / sum(wanted.values())
    position = {code: index for index, code in enumerate(every)}
    rows: list[str] = []
    rationales = [text for text, _ in PTP_RATIONALES]
    rationale_weights = [weight for _, weight in PTP_RATIONALES]
    for column1 in every:
        count = min(int(wanted[column1] * scale + rng.random()), 2500)
        if not count:
            continue
        partners: set[str] = set()
        at = position[column1]
        for _ in range(count * 2):
            if len(partners) >= count:
                break
            if rng.random() < 0.6:  # a neighbour: mutually exclusive or more extensive
                other = every[max(0, min(len(every) - 1, at + int(rng.gauss(0, 60))))]
            else:
                other = rng.choices(hubs, cum_weights=hub_cumulative)[0]
            if other != column1:
                partners.add(other)
        for column2 in sorted(partners):
            effective = QUARTERS[0] if rng.random() < 0.3 else rng.choice(QUARTERS)
            star = "*" if effective == QUARTERS[0] and rng.random() < 0.8 else ""
            deletion, indicator = "*", rng.choices((0, 1, 9), (20, 78, 2))[0]
            if rng.random() < 0.12:
                if rng.random() < 0.2:  # deleted retroactively
                    deletion, indicator = effective.strftime("%Y%m%d"), 9
                else:
                    later = [quarter for quarter in QUARTERS if quarter > effective]
                    if later:
                        deletion = rng.choice(later).strftime("%Y%m%d")
            why = rng.choices(rationales, rationale_weights)[0]
            rows.append(
                f"{column1}\t{column2}\t{star}\t{effective:%Y%m%d}\t{deletion}\t{indicator}\t{why}"
            )
    head = (
        "CPT only copyright 2025 American Medical Association. All rights reserved.\n"
        "Column1/Column 2 Edits\n"
        "Column 1\tColumn 2\t* = In existence prior to 1996\tEffective Date\tDeletion Date\t"
        "Modifier\tPTP Edit Rationale\n"
        "\t\t\t\t*=no data\t0=not allowed\t\n"
        "\t\t\t\t\t1=allowed\t\n"
        "\t\t\t\t\t9=not applicable\t\n"
    )
    return head + "\n".join(rows) + "\n", len(rows)


def mue_file_text(codes: Iterable[str], setting: str, rng: random.Random) -> str:
    """An MUE file (CMS's CSV layout) over these codes."""
    lines = [
        '"CPT codes, descriptions and other data only are copyright 2025 American Medical '
        'Association. All Rights Reserved."',
        f"HCPCS/CPT Code,{setting} Services MUE Values,MUE Adjudication Indicator,MUE Rationale",
    ]
    for code in codes:
        if code.startswith("J"):  # drugs: units of dosage, large values
            value = rng.choice((10, 30, 100, 400, 1000, 3000))
        else:
            value = rng.choices((0, 1, 2, 3, 4, 6, 10, 30), (1, 45, 20, 10, 8, 7, 6, 3))[0]
        mai = rng.choices((1, 2, 3), (25, 30, 45))[0]
        lines.append(f"{code},{value},{MAI_TEXT[mai]},{rng.choice(MUE_RATIONALES)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Generated claims and history
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A claim line in the shape the scrubber hands over."""

    line_number: int
    procedure_code: str
    modifiers: tuple[str, ...]
    units_thousandths: int
    service_date: date


@dataclass(frozen=True, slots=True)
class OtherLine:
    """A line of another claim."""

    procedure_code: str
    modifiers: tuple[str, ...]
    units_thousandths: int
    provider_key: str


class History:
    """Other claims' lines per patient and date, in memory (a cache the scrubber would fill)."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, date], list[OtherLine]] = {}

    def other_lines(self, patient_key: str, service_date: date) -> list[OtherLine]:
        """The lines of the patient's other claims on a date."""
        return self.lines.get((patient_key, service_date), [])


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim to scrub: its lines and keys."""

    patient_key: str
    provider_key: str
    lines: tuple[Line, ...]


MODIFIERS = ["59", "XS", "XU", "LT", "RT", "26", "TC", "76", "91", "GA", "95", "KX"]


def make_claims(
    universe: Universe, pairs: list[tuple[str, str]], lines_wanted: int, rng: random.Random
) -> tuple[list[Claim], History]:
    """Claims of 1 to 6 lines totalling lines_wanted, with other claims on some of the days."""
    known_pairs = rng.sample(pairs, 5000)  # real pairs on some claims: unbundling happens
    evaluation = universe.sections["evaluation"][:12]
    start = date(2025, 1, 1)
    claims: list[Claim] = []
    history = History()
    total = 0
    while total < lines_wanted:
        size = min(
            rng.choices((1, 2, 3, 4, 5, 6), (22, 26, 20, 14, 10, 8))[0], lines_wanted - total
        )
        patient = f"P{rng.randrange(40_000):06d}"
        provider = f"B{rng.randrange(300):04d}"
        service_date = start + timedelta(days=rng.randrange(365))
        codes: list[str] = []
        if rng.random() < 0.55:
            codes.append(rng.choice(evaluation))
        if size >= 2 and rng.random() < 0.08:
            codes.extend(rng.choice(known_pairs))
        while len(codes) < size:  # a code once per claim, more units instead
            code = rng.choices(universe.billed, cum_weights=universe.billed_cumulative)[0]
            if code not in codes:
                codes.append(code)
        lines = []
        for number, code in enumerate(codes[:size], start=1):
            modifiers: tuple[str, ...] = ()
            roll = rng.random()
            if code in evaluation and size > 1 and roll < 0.5:
                modifiers = ("25",)
            elif roll < 0.12:
                modifiers = (rng.choice(MODIFIERS),)
            units = 1000
            roll = rng.random()
            if code.startswith("J"):
                units = rng.choice((1000, 2000, 10_000, 40_000, 125_000))
            elif roll < 0.08:
                units = rng.choice((2000, 3000, 4000))
            elif roll < 0.10:
                units = 1500
            lines.append(Line(number, code, modifiers, units, service_date))
        claims.append(Claim(patient, provider, tuple(lines)))
        total += size
        if rng.random() < 0.25:  # the patient has other claims that day
            others = history.lines.setdefault((patient, service_date), [])
            for _ in range(rng.randint(1, 3)):
                other_provider = provider if rng.random() < 0.6 else f"B{rng.randrange(300):04d}"
                code = rng.choices(universe.billed, cum_weights=universe.billed_cumulative)[0]
                others.append(OtherLine(code, (), 1000, other_provider))
    return claims, history


T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def timed(action: Callable[[], T], repeat: int = 1) -> tuple[T, float, float]:
    """The action's result and its median wall and CPU times in seconds over repeat runs."""
    # CPU time (this process only) is the steadier figure on a machine shared with others.
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def heap_bytes(action: Callable[[], T]) -> tuple[T, int, int]:
    """The action's result, the Python heap it keeps and its peak, by tracemalloc."""
    tracemalloc.start()
    result = action()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, kept, peak


def max_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scrub(claims: list[Claim], ptp: PtpTable | None, mue: MueTable | None, history: History) -> int:
    """Run the NCCI edits given (PTP, MUE or both) over every claim; the number of findings."""
    found = 0
    for claim in claims:
        if ptp is not None:
            found += len(
                ptp_findings(
                    claim.lines, ptp, history,
                    patient_key=claim.patient_key, provider_key=claim.provider_key,
                )
            )  # fmt: skip
        if mue is not None:
            found += len(mue_findings(claim.lines, mue, history, patient_key=claim.patient_key))
    return found


def fresh_process_load(path: str) -> dict[str, float]:
    """In a new interpreter: import coding.ncci, read and load the PTP blob; time and memory."""
    # Memory is VmRSS from /proc (Linux): ru_maxrss would carry this process's peak over fork.
    code = (
        "import json, time\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "rss0 = rss()\n"
        "t0 = time.perf_counter()\n"
        "from coding.ncci import PtpTable\n"
        "t1 = time.perf_counter()\n"
        "rss1 = rss()\n"
        f"data = open({path!r}, 'rb').read()\n"
        "table = PtpTable.from_bytes(data)\n"
        "del data\n"
        "t2 = time.perf_counter()\n"
        "rss2 = rss()\n"
        "print(json.dumps({'import_ms': (t1 - t0) * 1e3, 'read_and_load_ms': (t2 - t1) * 1e3,"
        " 'rss_start_mib': rss0, 'rss_imported_mib': rss1, 'rss_loaded_mib': rss2}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    figures: dict[str, float] = json.loads(out)
    return figures


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded for a report."""
    return round(seconds * 1e3, 1)


def measure_ptp(
    universe: Universe, size: int, repeat: int, rng: random.Random, figures: dict[str, Any]
) -> tuple[PtpTable, list[tuple[str, str]]]:
    """Generate, import, write and load a PTP table; the loaded table and a sample of pairs."""
    (text, _), generate_s, _ = timed(lambda: ptp_file_text(universe, size, rng))
    figures["generate_s"] = round(generate_s, 1)
    data_rows = text.split("\n")[6:-1]
    pairs = [(row[:5], row[6:11]) for row in rng.sample(data_rows, min(100_000, len(data_rows)))]
    del data_rows

    ptp, import_s, import_cpu = timed(lambda: parse_ptp(text, file="generated-ptp.txt"))
    blob, to_bytes_s, _ = timed(ptp.to_bytes, repeat)
    _, from_bytes_s, from_bytes_cpu = timed(lambda: PtpTable.from_bytes(blob), repeat)
    loaded, kept, peak = heap_bytes(lambda: PtpTable.from_bytes(blob))
    # One ordered pair per lookup, as ptp_findings does: half random (misses), half real.
    probe = [(a, b) for a, b in (rng.sample(universe.every, 2) for _ in range(len(pairs)))]
    probe += pairs
    _, lookup_s, lookup_cpu = timed(lambda: sum(bool(loaded._rows(a, b)) for a, b in probe), repeat)
    with tempfile.NamedTemporaryFile(suffix=".nptp", delete=False) as handle:
        handle.write(blob)
    try:
        fresh = fresh_process_load(handle.name)
    finally:
        os.unlink(handle.name)
    figures["ptp"] = {
        "pairs": len(ptp),
        "distinct_codes": ptp._codes,
        "file_mib": round(len(text.encode()) / 2**20, 1),
        "import_s": round(import_s, 2),
        "import_cpu_s": round(import_cpu, 2),
        "bytes": len(blob),
        "bytes_per_pair": round(len(blob) / len(ptp), 2),
        "to_bytes_ms": ms(to_bytes_s),
        "from_bytes_ms": ms(from_bytes_s),
        "from_bytes_cpu_ms": ms(from_bytes_cpu),
        "loaded_heap_mib": round(kept / 2**20, 1),
        "loaded_heap_bytes_per_pair": round(kept / len(loaded), 2),
        "load_peak_heap_mib": round(peak / 2**20, 1),
        "lookup_us": round(lookup_s / len(probe) * 1e6, 2),
        "lookup_cpu_us": round(lookup_cpu / len(probe) * 1e6, 2),
        "fresh_process": {key: round(value, 1) for key, value in fresh.items()},
    }
    return loaded, pairs


def measure_mue(
    universe: Universe, repeat: int, rng: random.Random, figures: dict[str, Any]
) -> MueTable:
    """Generate, import, write and load the three MUE tables; the practitioner one."""
    every = universe.every
    dme = universe.sections["hcpcs-E"] + universe.sections["hcpcs-K"] + universe.sections["hcpcs-L"]
    texts = {
        "practitioner": mue_file_text(rng.sample(every, 13_000), "Practitioner", rng),
        "facility": mue_file_text(rng.sample(every, 11_000), "Outpatient Hospital", rng),
        "dme": mue_file_text(dme, "DME Supplier", rng),
    }
    tables = {}
    for setting, text in texts.items():
        table, import_s, _ = timed(partial(parse_mue, text, file=f"generated-{setting}.csv"))
        blob = table.to_bytes()
        tables[setting], load_s, load_cpu = timed(partial(MueTable.from_bytes, blob), repeat)
        figures[f"mue_{setting}"] = {
            "codes": len(table),
            "import_ms": ms(import_s),
            "bytes": len(blob),
            "from_bytes_ms": ms(load_s),
            "from_bytes_cpu_ms": ms(load_cpu),
        }
    return tables["practitioner"]


def measure_edits(
    claims: list[Claim],
    history: History,
    ptp: PtpTable,
    mue: MueTable,
    repeat: int,
    figures: dict[str, Any],
) -> None:
    """Time ptp_findings and mue_findings over the claims, together and apart."""
    lines = sum(len(claim.lines) for claim in claims)
    edits: dict[str, Any] = {
        "claims": len(claims),
        "lines": lines,
        "days_with_other_claims": len(history.lines),
    }
    for name, tables in (
        ("both", (ptp, mue)),
        ("ptp_only", (ptp, None)),
        ("mue_only", (None, mue)),
    ):
        found, wall, cpu = timed(partial(scrub, claims, tables[0], tables[1], history), repeat)
        edits[name] = {
            "findings": found,
            "lines_per_s": round(lines / wall),
            "lines_per_cpu_s": round(lines / cpu),
        }
    _, _, peak = heap_bytes(lambda: scrub(claims, ptp, mue, history))
    edits["peak_heap_kib"] = round(peak / 1024)
    figures["edits"] = edits


def main(argv: list[str] | None = None) -> None:
    """Generate the tables and claims, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1_000_000, help="PTP pairs (about)")
    parser.add_argument("--lines", type=int, default=100_000, help="claim lines to scrub")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    figures: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }
    universe = make_universe(rng)
    ptp, pairs = measure_ptp(universe, args.pairs, args.repeat, rng, figures)
    mue = measure_mue(universe, args.repeat, rng, figures)
    claims, history = make_claims(universe, pairs, args.lines, rng)
    measure_edits(claims, history, ptp, mue, args.repeat, figures)
    figures["process_max_rss_mib"] = round(max_rss_mib(), 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
