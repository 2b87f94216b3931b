"""End to end: two real ``wfload run``s against one simulator on loopback,
slowed through its control API between them; ``wfload compare`` must call
the end-to-end p95 regressed and exit 1, and the first run against itself
pass. Also ``wfload run --baseline`` judging at the end of a test."""

from __future__ import annotations

import json

import httpx
import pytest

from loadtests.simulator.process import SimulatorProcess
from tests.analysis.junitschema import cases, validate_junit
from tests.harness.conftest import wfload

pytestmark = pytest.mark.e2e

# One workflow of about 0.3 s, workers enough that nothing queues and polls
# every 50 ms: the end-to-end time follows the simulator's time_scale, so
# 1.2 moves p95 by about 20% (measured: +21 to +22%, 350-410 runs a side).
SIMULATOR = """
workers = 64

[[workflows]]
id = "fl_e2e_compare"
name = "Compare end to end"

  [[workflows.nodes]]
  id = "n1"
  component = "manual_trigger"
  duration_s = 0.005

  [[workflows.nodes]]
  id = "n2"
  component = "webhook"
  duration = { dist = "lognormal", median_s = 0.3, p99_s = 0.36 }
"""
LOAD = ("-u", "20", "-t", "7s", "--workflow", "fl_e2e_compare", "--poll-first", "0.05", "--poll-interval", "0.05",
        "--drain-timeout", "20")  # fmt: skip


@pytest.fixture
def sim(tmp_path):
    """A simulator on a free loopback port, as tests/harness/conftest.py starts them."""
    config = tmp_path / "sim.toml"
    config.write_text(SIMULATOR)
    with SimulatorProcess(config=config, seed=11) as process:
        yield process


def test_a_slowed_simulator_is_judged_regressed(sim, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    first = wfload("run", "-H", sim.url, *LOAD, "--out", str(before), "--no-report")
    assert first.returncode == 0, first.stderr[-2000:]
    answer = httpx.post(sim.url + "/__sim/config", json={"time_scale": 1.2}, timeout=10)
    assert answer.status_code == 200 and answer.json()["time_scale"] == 1.2
    # Judged at the end of the test, against the first run as the baseline.
    second = wfload("run", "-H", sim.url, *LOAD, "--out", str(after), "--baseline", str(before))
    assert second.returncode == 1, second.stdout[-3000:] + second.stderr[-2000:]
    assert "verdict: fail" in second.stdout

    verdict = json.loads((after / "compare.json").read_text())
    p95 = next(c for c in verdict["comparisons"] if c["expression"] == "p95(end_to_end_s)")
    assert p95["verdict"] == "regressed", p95
    assert p95["n_baseline"] >= 200 and p95["n_current"] >= 200
    assert 0.1 < p95["change"] < 0.35 and p95["interval"][0] > 0
    assert json.loads((after / "summary.json").read_text())["verdict"]["status"] == "fail"
    assert "### Verdict: ❌ FAIL" in (after / "summary.md").read_text()
    outcomes = cases(validate_junit(after / "junit.xml"))
    assert outcomes[f"wfload.regression::p95(end_to_end_s) [all] vs {before}"] == "failure"

    # The same comparison by the command, and the first run against itself.
    again = wfload("compare", str(before), str(after), "--out", str(tmp_path / "verdict"))
    assert again.returncode == 1 and "regressed" in again.stdout
    itself = wfload("compare", str(before), str(before), "--out", str(tmp_path / "self"))
    assert itself.returncode == 0, itself.stdout
