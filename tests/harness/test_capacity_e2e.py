"""End to end: capacity reports against a simulator of known capacity, and
coordinated omission made visible by the open model."""

from __future__ import annotations

import json

import pytest

from loadtests.simulator.config import fixed_service_toml
from tests.harness.conftest import wfload

pytestmark = pytest.mark.e2e

FAST_POLLS = ["--poll-first", "0.02", "--poll-interval", "0.05", "--poll-jitter", "0"]


def constant_service(workers: int, seconds: float, stall: str = "") -> str:
    """A simulator whose one workflow takes exactly ``seconds``: capacity workers/seconds runs/s."""
    return fixed_service_toml("fl_fixed", seconds, workers) + "\n" + stall


def capacity_json(out) -> dict:
    return json.loads((out / "capacity.json").read_text())


def test_the_search_finds_the_capacity_of_4_workers_at_200_ms(simulator, tmp_path):
    sim = simulator(constant_service(workers=4, seconds=0.2))
    out = tmp_path / "search"
    result = wfload("capacity", "-H", sim.url, "--workflow", "fl_fixed", "--step-time", "3s", "--start-rate", "6",
                    "--out", str(out), *FAST_POLLS, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "this takes at most" in result.stdout
    capacity = capacity_json(out)
    assert capacity["max_sustainable_rate"] == pytest.approx(4 / 0.2, rel=0.15)
    steps = capacity["steps"]
    assert any(not s["sustainable"] and s["backlog_growing"] for s in steps), "the search never saturated"
    assert all(s["little_ratio"] == pytest.approx(1, abs=0.25) for s in steps if s["sustainable"])
    fit = capacity["fit"]
    assert fit["lambda"] == pytest.approx(1 / 0.2, rel=0.3)  # one worker's throughput
    assert (out / "capacity.html").exists() and (out / "capacity.md").exists()


def test_given_rates_find_the_capacity_of_2_workers_at_250_ms(simulator, tmp_path):
    sim = simulator(constant_service(workers=2, seconds=0.25))
    out = tmp_path / "rates"
    result = wfload("capacity", "-H", sim.url, "--workflow", "fl_fixed", "--rates", "4,6,7,7.5,8.5,9.5,11",
                    "--step-time", "3s", "--out", str(out), *FAST_POLLS, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    capacity = capacity_json(out)
    assert capacity["max_sustainable_rate"] == pytest.approx(2 / 0.25, rel=0.15)
    assert [s["offered_rate"] for s in capacity["steps"]] == [4, 6, 7, 7.5, 8.5, 9.5, 11]
    again = wfload("capacity", "--analyse", str(out))
    assert again.returncode == 0 and "max sustainable rate  " in again.stdout
    # An objective lowers the limit to the steps that meet it, and says what it could not judge.
    budget = tmp_path / "budget.toml"
    budget.write_text('[budgets]\n"p95(corrected_end_to_end_s)" = "< 0.3 s"\n"p95(execute_ms)" = "< 50 ms"\n')
    judged = wfload("capacity", "--analyse", str(out), "--budget", str(budget))
    assert judged.returncode == 0, judged.stderr
    strict = capacity_json(out)
    assert strict["objectives"] == ["p95(corrected_end_to_end_s) < 0.3"]
    assert all(s["corrected_end_to_end_s"]["p95"] < 0.3 for s in strict["steps"] if s["sustainable"])
    assert (strict["max_sustainable_rate"] or 0) <= capacity["max_sustainable_rate"]
    assert any("p95(execute_ms)" in note for note in strict["notes"])


def test_an_existing_directory_without_steps_is_refused_in_one_line(simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "flat"
    assert wfload("run", "-H", sim.url, "-u", "2", "-t", "2s", "--out", str(out), "--no-report").returncode == 0
    result = wfload("capacity", "--analyse", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "no arrival-rate steps" in result.stderr


def test_a_stall_shows_in_the_open_models_corrected_p99_only(simulator, tmp_path):
    sim = simulator(constant_service(workers=64, seconds=0.005, stall="[faults.stall]\nevery_s = 10\nfor_s = 2\n"))
    runs = {}
    for model, load in (("open", ["--arrival-rate", "50", "--max-in-flight", "4"]), ("closed", ["-u", "1"])):
        out = tmp_path / model
        result = wfload("run", "-H", sim.url, "--workflow", "fl_fixed", "-t", "21s", *load, "--out", str(out),
                        "--drain-timeout", "10", *FAST_POLLS, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        runs[model] = json.loads((out / "summary.json").read_text())["metrics"]
    open_model, closed_model = runs["open"], runs["closed"]
    assert open_model["corrected_end_to_end_s"]["p99"] >= 1.5
    assert open_model["end_to_end_s"]["p99"] < 0.5
    assert closed_model["end_to_end_s"]["p99"] < 0.5
    assert closed_model["end_to_end_s"]["max"] >= 1.5  # the stall happened: the closed model just hides it
