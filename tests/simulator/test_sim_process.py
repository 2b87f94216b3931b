"""The simulator as users start it: ``wfload sim`` and ``SimulatorProcess``
in real subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from loadtests.simulator import SimulatorProcess, SimulatorStartError
from loadtests.simulator.process import _PROJECT_ROOT

pytestmark = pytest.mark.e2e

DOC = _PROJECT_ROOT / "README.md"


def _doc_curl() -> str:
    """The curl example that the README promises works."""
    text = DOC.read_text()
    block = text.split("<!-- curl-example", 1)[1]
    return re.search(r"```sh\n(.*?)```", block, re.S).group(1)


def test_wfload_sim_starts_and_answers_the_documented_curl() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wfload", "sim", "--port", "0", "--seed", "3"],
        cwd=_PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # How fast it starts is measured by bench_simulator (under 2 s); here, that it starts and answers.
        line = process.stdout.readline()
        assert re.fullmatch(r"wfload-sim listening on http://127\.0\.0\.1:\d+\n", line), line
        url = line.split()[-1]
        command = _doc_curl().replace("http://127.0.0.1:8080", url)
        result = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, timeout=10, check=True
        )
        run = orjson.loads(result.stdout)
        assert run["status"] == "pending" and run["id"].startswith("fl_run_")
        assert httpx.get(f"{url}/__sim/stats").json()["runs"]["created"] == 1
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0
    assert process.stderr.read() == ""


def test_simulator_process_runs_and_stops_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "sim.toml"
    config.write_text(
        'workers = 3\n[[workflows]]\nid = "fl_one"\n[[workflows.nodes]]\nid = "n1"\n'
        'component = "manual_trigger"\nduration_s = 0.01\n'
    )
    with SimulatorProcess(config=config, seed=5, workers=2) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        cfg = httpx.get(f"{sim.url}/__sim/config").json()
        assert (cfg["workers"], cfg["seed"], list(cfg["workflows"])) == (2, 5, ["fl_one"])
        headers = {"Authorization": "Bearer t"}
        run = httpx.post(f"{sim.url}/workflows/fl_one/execute", headers=headers).json()
        assert run["status"] == "pending"
    assert sim.process.returncode == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{sim.url}/__sim/health", timeout=1)


def test_a_bad_configuration_fails_the_start_with_its_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("workers = 0\n")
    process = SimulatorProcess(config=config)
    with pytest.raises(
        SimulatorStartError, match=r"status 2 before listening: wfload sim: .*workers: must be"
    ):
        process.start()
    result = subprocess.run(
        [sys.executable, "-m", "loadtests.simulator", "--config", str(config)],
        cwd=_PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_PROJECT_ROOT)},
        timeout=30,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "bad.toml: workers: must be from 1" in result.stderr


def test_a_taken_port_is_one_line_and_status_2() -> None:
    with SimulatorProcess() as first:
        port = first.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [sys.executable, "-m", "loadtests.simulator", "--port", port],
            cwd=_PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert (
        result.stderr.startswith(f"wfload sim: cannot listen on 127.0.0.1:{port}")
        and result.stderr.count("\n") == 1
    )


def test_ipv6_loopback() -> None:
    try:
        sim = SimulatorProcess(host="::1")
        url = sim.start()
    except SimulatorStartError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    try:
        assert url.startswith("http://[::1]:")
        assert httpx.get(f"{url}/__sim/health").json()["status"] == "ok"
    finally:
        sim.stop()
