"""Benchmark: reading and balancing generated 835s of 1k, 20k and 200k claims, speed and memory.

    .venv/bin/python bench/parse_835.py [--sizes 1000 20000 200000] [--per-st 2000] [--repeat 3]

Files come from ../shared/bench/gen835.py into a temporary folder (never committed). Each
measurement runs in a fresh child process so that its peak RSS is its own: read_835 over the
file and the three balancing rules on every remittance, timed in process (claims/s) with the
process's peak RSS. pyx12's X12Reader (segments only, no validation) reads the 20k file in
the same run for the ratio. Prints one JSON line per measurement, then a summary line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN835 = ROOT.parent / "shared" / "bench" / "gen835.py"


def measure_ours(path: Path, repeat: int) -> dict[str, object]:
    """Read and balance the file `repeat` times in this process; claims/s and peak RSS."""
    sys.path.insert(0, str(ROOT))
    from edi.x835.balance import balance
    from edi.x835.reader import read_835

    times, claims, findings, transactions = [], 0, 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        claims = findings = transactions = 0
        for remittance in read_835(path):
            transactions += 1
            claims += len(remittance.claims)
            findings += len(balance(remittance))
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    return {
        "tool": "edi.x835 read_835 + balance",
        "file": path.name,
        "bytes": path.stat().st_size,
        "transactions": transactions,
        "claims": claims,
        "findings": findings,
        "seconds_median": round(median, 3),
        "claims_per_s_median": round(claims / median),
        "claims_per_s_best": round(claims / best),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def measure_pyx12(path: Path) -> dict[str, object]:
    """pyx12's X12Reader over the file: segments only, no validation."""
    import pyx12.x12file

    start = time.perf_counter()
    segments = claims = 0
    with path.open(encoding="utf-8") as handle:
        for seg in pyx12.x12file.X12Reader(handle):
            segments += 1
            claims += seg.get_seg_id() == "CLP"
    seconds = time.perf_counter() - start
    return {
        "tool": "pyx12 4.0.0 X12Reader, segments only",
        "file": path.name,
        "segments": segments,
        "claims": claims,
        "seconds": round(seconds, 3),
        "claims_per_s": round(claims / seconds),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    """Generate the files, measure each in a child process, print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000, 200000])
    parser.add_argument("--per-st", type=int, default=2000, help="claims per ST (0: one ST)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["ours", "pyx12"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "ours":
        print(json.dumps(measure_ours(args.file, args.repeat)))
        return
    if args.child == "pyx12":
        print(json.dumps(measure_pyx12(args.file)))
        return
    results = []
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for size in args.sizes:
            path = Path(folder) / f"era_{size}.835"
            command = [sys.executable, str(GEN835), str(size), "-s", "1", "-o", str(path)]
            if args.per_st:
                command += ["--claims-per-st", str(args.per_st)]
            subprocess.run(command, check=True)
            files[size] = path
        for size, path in files.items():
            repeat = args.repeat if size <= 20000 else 1
            results.append(_child("--child", "ours", "--file", str(path), "--repeat", str(repeat)))
            print(json.dumps(results[-1]), flush=True)
        reference = files.get(20000) or files[max(files)]
        theirs = _child("--child", "pyx12", "--file", str(reference))
        print(json.dumps(theirs), flush=True)
    ours = next(r for r in results if r["file"] == reference.name)
    ratio = float(str(ours["claims_per_s_median"])) / float(str(theirs["claims_per_s"]))
    print(json.dumps({"ratio_ours_to_pyx12_x12reader": round(ratio, 1)}))


if __name__ == "__main__":
    main()
