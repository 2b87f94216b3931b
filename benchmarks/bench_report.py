"""The full report over a million runs and ten million requests, against the
time pandas alone needs to read the same CSV files.

The results directory comes from ``benchmarks.generate_results`` and is kept
between runs (in the temporary directory, keyed by its size) because writing
it takes longer than some of what is measured. Each measurement runs in its
own process, so its wall time includes the interpreter and imports, and its
peak memory (``ru_maxrss`` of that one child, from ``wait4``) is its own.

The floor is ``pandas.read_csv(engine="pyarrow")`` of runs.csv, requests.csv
and nodes.csv, all columns, default types: the fastest way pandas reads a CSV.

Prints ``report: ratio R (full report X s, peak Y GB vs pandas read Z s)``;
the requirement is at most 60 s and 4 GB for the full report.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 1_000_000
REQUESTS = 10_000_000
LIMIT_S = 60.0
LIMIT_GB = 4.0
READY = ".complete"

PANDAS_READ = """
import sys, pandas as pd
for name in ("runs.csv", "requests.csv", "nodes.csv"):
    frame = pd.read_csv(f"{sys.argv[1]}/{name}", engine="pyarrow")
    print(name, len(frame))
"""


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_gb: float
    output: str


def measure(command: list[str]) -> Measure:
    """Run ``command``; its wall time and its own peak resident memory."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}:\n{output}")
    return Measure(seconds, usage.ru_maxrss / (1024 * 1024), output)  # ru_maxrss is in KiB on Linux


def results_directory(runs: int, requests: int, fresh: bool) -> Path:
    directory = Path(tempfile.gettempdir()) / "wfload-bench" / f"results-{runs}-{requests}"
    if fresh or not (directory / READY).exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "benchmarks.generate_results", str(directory), "--runs", str(runs),
             "--requests", str(requests)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        (directory / READY).touch()
        print(f"  generated {directory} in {time.perf_counter() - started:.1f} s", flush=True)
    return directory


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks report", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--fresh", action="store_true", help="regenerate the results directory")
    args = parser.parse_args(argv)

    directory = results_directory(args.runs, args.requests, args.fresh)
    size_gb = sum(p.stat().st_size for p in directory.glob("*.csv")) / 1e9
    print(f"  {args.runs:,} runs, {args.requests:,} requests, {size_gb:.2f} GB of CSV", flush=True)
    floor = measure([sys.executable, "-c", PANDAS_READ, str(directory)])
    print(f"  pandas read: {floor.seconds:.1f} s, peak {floor.peak_gb:.2f} GB", flush=True)
    report = measure([sys.executable, "-m", "analysis", "report", str(directory), "--quiet"])
    print(f"  full report: {report.seconds:.1f} s, peak {report.peak_gb:.2f} GB", flush=True)
    print(
        f"report: ratio {report.seconds / floor.seconds:.2f} (full report {report.seconds:.1f} s, "
        f"peak {report.peak_gb:.2f} GB vs pandas read {floor.seconds:.1f} s)"
    )
    within = report.seconds <= LIMIT_S and report.peak_gb <= LIMIT_GB
    if not within:
        print(f"  over the requirement: at most {LIMIT_S:.0f} s and {LIMIT_GB:.0f} GB")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
