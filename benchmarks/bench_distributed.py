"""What distribution costs, measured against one local process in the same run.

On a 2-core machine shared with the target, raw speed-up cannot be shown;
what can be measured is the cost of shipping records to the master:

- requests per CPU-second of the load generators: one local process against
  two workers (their CPU summed). Target: the workers keep at least 0.9 of
  the single process's figure.
- the master's CPU per 1,000 records per second it receives and writes, so
  users can size the master.

CPU time comes from the kernel (``wait4`` resource usage of each process),
requests from the results directory. Loopback only, bounded in time.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_harness import INSTANT, start_simulator
from wfload.target import free_port, locust

SECONDS = 20
USERS = 40
TRACKED = ["--workflow", "fl_instant", "--poll-first", "0", "--poll-interval", "0.001", "--poll-jitter", "0",
           "--drain-timeout", "5", "--loglevel", "WARNING"]


def cpu_seconds_at_exit(process: subprocess.Popen, timeout: float) -> float:
    """Wait for the process and return its user + system CPU time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.1)
    process.kill()
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def rows(path: Path) -> int:
    with open(path, newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def single_process(host: str, workdir: Path) -> tuple[float, float]:
    out = workdir / "single"
    command = locust("--headless", "--only-summary", "-H", host, "-u", str(USERS), "-r", str(USERS),
                     "-t", f"{SECONDS}s", "--results-dir", str(out), *TRACKED)
    cpu = cpu_seconds_at_exit(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                              SECONDS + 60)
    return rows(out / "requests.csv"), cpu


def two_workers(host: str, workdir: Path) -> tuple[float, float, float, int]:
    out = workdir / "distributed"
    port = free_port()
    master = subprocess.Popen(
        locust("--headless", "--only-summary", "--master", "--master-bind-host", "127.0.0.1",
               "--master-bind-port", str(port), "--expect-workers", "2", "-H", host, "-u", str(USERS),
               "-r", str(USERS), "-t", f"{SECONDS}s", "--results-dir", str(out), *TRACKED),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers = [subprocess.Popen(locust("--worker", "--master-host", "127.0.0.1", "--master-port", str(port),
                                       "--loglevel", "WARNING"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    master_cpu = cpu_seconds_at_exit(master, SECONDS + 90)
    worker_cpu = sum(cpu_seconds_at_exit(worker, 30) for worker in workers)
    records = sum(rows(out / f"{table}.csv") for table in ("runs", "requests", "nodes"))
    return rows(out / "requests.csv"), worker_cpu, master_cpu, records


def main(argv: list[str]) -> int:
    os.environ.setdefault("ALTOSTRAT_TOKEN", "bench")
    with tempfile.TemporaryDirectory(prefix="wfload-bench-") as tmp:
        workdir = Path(tmp)
        sim = start_simulator(INSTANT, workdir)
        try:
            single_requests, single_cpu = single_process(sim.url, workdir)
            dist_requests, worker_cpu, master_cpu, records = two_workers(sim.url, workdir)
        finally:
            sim.stop()
    single = single_requests / single_cpu
    distributed = dist_requests / worker_cpu
    records_per_s = records / SECONDS
    master_share = master_cpu / SECONDS
    print(f"distributed: ratio {distributed / single:.2f} (2 workers {distributed:,.0f} requests per CPU-second vs "
          f"one process {single:,.0f}; target >= 0.90)", flush=True)
    print(f"master: {100 * master_share / (records_per_s / 1000):.1f}% of a core per 1,000 records/s "
          f"({records_per_s:,.0f} records/s received, {100 * master_share:.1f}% of a core)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
