"""--seed makes outcomes and durations reproducible: each run's draws depend
on the seed and its creation sequence number only."""

from __future__ import annotations

from loadtests.simulator import load_config
from loadtests.simulator.rng import RunRandom
from loadtests.simulator.workflows import plan_run
from tests.simulator.sim_helpers import client, config, execute, wait_terminal

FLAKY = {
    "id": "fl_flaky",
    "nodes": [
        {"id": "n1", "component": "manual_trigger", "duration_s": 0.001},
        {
            "id": "n2",
            "component": "webhook",
            "duration": {"dist": "exponential", "mean_s": 0.01},
            "fail_ratio": 0.5,
        },
        {"id": "n3", "component": "condition", "duration_s": 0.001, "true_ratio": 0.5},
        {
            "id": "n4",
            "component": "notification",
            "duration": {"dist": "uniform", "min_s": 0.001, "max_s": 0.01},
        },
    ],
}


def outcomes(start_sim, seed: int, n: int = 25) -> list[tuple]:
    sim = start_sim(config([FLAKY]), seed=seed)
    with client(sim.url) as c:
        ids = [execute(c, "fl_flaky").json()["id"] for _ in range(n)]
        runs = [wait_terminal(c, run_id) for run_id in ids]
    return [
        (r["status"], r["error_message"], r["duration_in_seconds"], [e["node_id"] for e in r["logs"]])
        for r in runs
    ]


def test_same_seed_same_outcomes_and_durations(start_sim) -> None:
    first = outcomes(start_sim, seed=42)
    second = outcomes(start_sim, seed=42)
    assert first == second
    assert {status for status, *_ in first} == {"completed", "failed"}


def test_another_seed_other_outcomes(start_sim) -> None:
    assert outcomes(start_sim, seed=42) != outcomes(start_sim, seed=43)


def test_a_run_depends_on_its_sequence_number_only() -> None:
    workflows = {w.id: w for w in load_config().workflows}
    webhook = workflows["fl_webhook_check"]
    alone = plan_run(webhook, RunRandom(7, 5), 1.0)
    for other in range(1, 5):  # other runs drawn in between change nothing
        plan_run(workflows["fl_delayed_report"], RunRandom(7, other), 1.0)
    again = plan_run(webhook, RunRandom(7, 5), 1.0)
    assert alone == again
    assert plan_run(webhook, RunRandom(7, 6), 1.0) != alone


def test_distributions_have_the_configured_shape() -> None:
    from loadtests.simulator.distributions import Exponential, LogNormal, Uniform

    rng = RunRandom(1, 1)
    lognormal = sorted(LogNormal(0.5, 0.9).sample(rng) for _ in range(20000))
    assert abs(lognormal[10000] - 0.5) < 0.02 and abs(lognormal[19800] - 0.9) < 0.05
    exponential = [Exponential(0.2).sample(rng) for _ in range(20000)]
    assert abs(sum(exponential) / len(exponential) - 0.2) < 0.01
    uniform = [Uniform(2.0, 2.5).sample(rng) for _ in range(5000)]
    assert min(uniform) >= 2.0 and max(uniform) <= 2.5
