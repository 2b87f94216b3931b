"""Shared pieces of the harness's end-to-end tests: real processes on loopback."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from loadtests.simulator.process import SimulatorProcess

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"
# A recognisable token: tests search every output and file for it.
SECRET = "wfload-test-secret-7f3a9c"


@pytest.fixture
def simulator(tmp_path):
    """Start a simulator (optionally with a TOML config text) on a free loopback port."""
    started = []

    def start(config_text: str | None = None, seed: int = 11, workers: int | None = None) -> SimulatorProcess:
        config = None
        if config_text is not None:
            config = tmp_path / f"sim-{len(started)}.toml"
            config.write_text(config_text)
        sim = SimulatorProcess(config=config, seed=seed, workers=workers)
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def sim_get(sim: SimulatorProcess, path: str) -> dict:
    response = httpx.get(sim.url + path, timeout=10)
    response.raise_for_status()
    return response.json()


def wfload(
    *args: str, timeout: float = 120, token: str | None = SECRET, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run the ``wfload`` command as a user would, capturing its output."""
    env = {k: v for k, v in os.environ.items() if k != "ALTOSTRAT_TOKEN"}
    if token:
        env["ALTOSTRAT_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "wfload", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def files_containing(directory: Path, needle: str) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
