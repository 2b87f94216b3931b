"""The simulator's HTTP throughput against a trivial aiohttp JSON server.

Both servers run on the same framework and event loop policy, pinned to
core 0; wrk runs on core 1 with the same threads, connections, duration and
Lua script: one ``POST /workflows/{id}/execute`` per ``GET
/workflows/runs/{id}`` (the GET asks for a run created before the
measurement). The simulator's engine is running: every execute creates a run
that is queued, and workers take and execute runs throughout.

Two simulator figures:

- ``simulator``: the default configuration (8 workers, the default
  catalogue), as ``wfload sim`` runs. Runs arrive far faster than the pool's
  capacity, so the queue grows while the workers execute at capacity: the
  overload a load test produces, where the HTTP layer must not be the limit.
  This is the figure the requirement (ratio >= 0.75) is about.
- ``simulator_engine_saturated``: 2000 workers, enough that every run
  created is also planned, timed, finished and (past the retention) evicted
  within the measurement: the engine's own cost at thousands of runs a
  second, far beyond any configured capacity.

Rounds alternate between the servers and the best of each is kept, because
the machines are shared: interference only ever lowers a figure. Each
measurement also divides the requests served by the server's CPU seconds
(from /proc): requests per second of one fully used core. A neighbour that
takes the core away lowers wrk's figure but hardly this one, so its median
over the rounds is printed beside the ratio as a check on it.

Prints ``simulator: ratio R (simulator X req/s vs trivial aiohttp Y req/s)``.
Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import orjson

from loadtests import contract
from loadtests.simulator.process import SimulatorProcess

SERVER_CPU = 0
WRK_CPU = 1
WORKFLOW = "fl_quick_notify"
TOKEN = "bench-token"
# Enough workers that runs finish as fast as they are created (the default
# catalogue's fl_quick_notify lasts about 0.11 s).
SATURATED_WORKERS = 2000
REQUIRED_RATIO = 0.75

LUA = """
local n = 0
local post_headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
local get_headers = {["Authorization"] = "Bearer %(token)s"}
local body = '{"context": {"user_id": "usr_000001", "channel": "email"}}'
request = function()
  n = n + 1
  if n %% 2 == 1 then
    return wrk.format("POST", "%(execute)s", post_headers, body)
  end
  return wrk.format("GET", "%(run)s", get_headers)
end
"""


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.serve_trivial:
        return serve_trivial(args.port)
    if shutil.which("wrk") is None:
        print("simulator: skipped (wrk is not installed: make tools)")
        return 1
    starters: dict[str, Callable[[], _Server]] = {
        "trivial": _TrivialServer,
        "simulator": lambda: _Simulator(None),
        "simulator_engine_saturated": lambda: _Simulator(SATURATED_WORKERS),
    }
    best = dict.fromkeys(starters, 0.0)
    per_core: dict[str, list[float]] = {name: [] for name in starters}
    for _ in range(args.rounds):
        for name, start in starters.items():
            with start() as server:
                rate, core_rate = measure(server.url, server.run_id, server.pid, args)
            best[name] = max(best[name], rate)
            per_core[name].append(core_rate)
            print(f"  {name}: {rate:,.0f} req/s ({core_rate:,.0f} per server CPU second)", flush=True)
    core = {name: statistics.median(rates) for name, rates in per_core.items()}
    trivial = best["trivial"]
    ratio = best["simulator"] / trivial
    baseline = f"trivial aiohttp {trivial:,.0f} req/s"
    print(f"simulator: ratio {ratio:.2f} (simulator {best['simulator']:,.0f} req/s vs {baseline})")
    print(f"  per server CPU second: ratio {core['simulator'] / core['trivial']:.2f}")
    saturated = best["simulator_engine_saturated"]
    print(
        f"simulator_engine_saturated: ratio {saturated / trivial:.2f}"
        f" (simulator with {SATURATED_WORKERS} workers {saturated:,.0f} req/s vs {baseline})"
    )
    print(f"  per server CPU second: ratio {core['simulator_engine_saturated'] / core['trivial']:.2f}")
    simulator_start, trivial_start = startup_seconds()
    print(f"startup: ratio {simulator_start / trivial_start:.2f} (wfload sim listening after {simulator_start:.2f} s "
          f"vs the trivial aiohttp server {trivial_start:.2f} s; target < 2 s)")
    return 0 if ratio >= REQUIRED_RATIO else 1


def startup_seconds(tries: int = 3) -> tuple[float, float]:
    """From process start to the listening line, best of ``tries``: ``wfload sim`` against the trivial server."""
    commands = (
        [sys.executable, "-m", "wfload", "sim", "--port", "0"],
        [sys.executable, "-m", "benchmarks.bench_simulator", "--serve-trivial", "--port", "0"],
    )
    best = []
    for command in commands:
        times = []
        for _ in range(tries):
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=_ROOT)
            process.stdout.readline()
            times.append(time.perf_counter() - started)
            process.send_signal(signal.SIGTERM)
            process.wait(10)
            process.stdout.close()
        best.append(min(times))
    return best[0], best[1]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks simulator")
    p.add_argument("--duration", type=int, default=10, help="seconds of measurement per server and round")
    p.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--serve-trivial", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return p


def measure(url: str, run_id: str, pid: int, args: argparse.Namespace) -> tuple[float, float]:
    """Requests per second wrk reaches against ``url`` with the 1:1 mix, and
    requests per CPU second of the server (process ``pid``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            LUA
            % {"token": TOKEN, "execute": contract.execute_path(WORKFLOW), "run": contract.run_path(run_id)}
        )
    try:
        if args.warmup:
            _wrk(url, script.name, args, args.warmup)
        cpu_before = _cpu_seconds(pid)
        output = _wrk(url, script.name, args, args.duration)
        cpu_s = _cpu_seconds(pid) - cpu_before
    finally:
        os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors against {url}; the mix is wrong:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), requests / cpu_s


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, script: str, args: argparse.Namespace, seconds: int) -> str:
    command = [
        "taskset", "-c", str(WRK_CPU), "wrk",
        f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency", "-s", script, url,
    ]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 30).stdout


class _Server:
    url = ""
    run_id = ""
    pid = 0

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        raise NotImplementedError


class _Simulator(_Server):
    def __init__(self, workers: int | None) -> None:
        self.process = SimulatorProcess(seed=1, workers=workers)
        self.url = self.process.start()
        self.pid = self.process.process.pid
        os.sched_setaffinity(self.pid, {SERVER_CPU})  # what taskset -c does
        self.run_id = _create_run(self.url)

    def stop(self) -> None:
        self.process.stop()


class _TrivialServer(_Server):
    def __init__(self) -> None:
        command = ["taskset", "-c", str(SERVER_CPU), sys.executable, "-m", "benchmarks.bench_simulator"]
        self.process = subprocess.Popen(
            [*command, "--serve-trivial", "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=_ROOT
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"trivial server did not start: {line!r}")
        self.url = line.split()[-1]
        self.pid = self.process.pid  # taskset execs the server in place
        self.run_id = _create_run(self.url)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


_ROOT = Path(__file__).resolve().parents[1]


def _create_run(url: str) -> str:
    """A run to GET during the measurement, finished before it starts."""
    request = urllib.request.Request(
        url + contract.execute_path(WORKFLOW),
        data=b'{"context": {}}',
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        run_id = orjson.loads(response.read())["id"]
    time.sleep(0.5)
    return run_id


def serve_trivial(port: int) -> int:
    """The baseline: the plainest aiohttp JSON server with the same two routes."""
    import asyncio

    from aiohttp import web

    async def execute(request: web.Request) -> web.Response:
        data = orjson.loads(await request.read())
        body = {"id": "fl_run_01trivial", "status": "pending", "workflow": request.match_info["id"], **data}
        return web.Response(body=orjson.dumps(body), status=202, content_type="application/json")

    async def get_run(request: web.Request) -> web.Response:
        body = {"id": request.match_info["id"], "status": "completed", "logs": []}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/workflows/{id}/execute", execute)
        app.router.add_get("/workflows/runs/{id}", get_run)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = runner.addresses[0][1]
        print(f"listening on http://127.0.0.1:{bound}", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
