"""Bad input anywhere gets one clear line, exit status 2, and nothing half-written."""

from __future__ import annotations

import pytest

from tests.harness.conftest import sim_get, wfload

pytestmark = pytest.mark.e2e


def refused(result, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]


def test_a_bad_simulator_configuration(tmp_path):
    config = tmp_path / "sim.toml"
    config.write_text("workers = -3\n")
    out = tmp_path / "never"
    refused(wfload("run", "--sim-config", str(config), "--out", str(out)), "simulator", str(config))
    assert not out.exists()


def test_an_expired_or_rejected_token_on_the_first_request(simulator, tmp_path):
    sim = simulator('[auth]\ntokens = ["the-valid-one"]\n')
    out = tmp_path / "never"
    refused(wfload("run", "-H", sim.url, "--out", str(out), token="expired-token"), "401", "ALTOSTRAT_TOKEN")
    assert not out.exists() and sim_get(sim, "/__sim/stats")["runs"]["created"] == 0


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["-H", "127.0.0.1:8080"], ["is not an http(s) URL"]),
        (["-t", "5s", "--shape", "steps:1,x/5s"], ["'x' is not a number"]),
        (["-t", "5s", "--poll-jitter", "3"], ["--poll-jitter"]),
        (["-t", "5s", "--token-file", "/nonexistent/tokens.txt"], ["cannot read the token file"]),
        (["-t", "5s", "--workflow", "fl_quick_notify:0"], ["--workflow"]),
        (["-u", "0"], ["--users"]),
    ],
)
def test_bad_options(arguments, words, tmp_path):
    out = tmp_path / "never"
    refused(wfload("run", *arguments, "--out", str(out)), *words)
    assert not out.exists()


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("empty", ["meta.json is missing"]),
        ("truncated", ["meta.json"]),
        ("newer", ["schema version 99"]),
    ],
)
def test_unusable_results_directories(setup, words, tmp_path):
    directory = tmp_path / "results"
    directory.mkdir()
    if setup == "truncated":
        (directory / "meta.json").write_text('{"schema": "wfload-results", "schema_ver')
    elif setup == "newer":
        newer = '{"schema": "wfload-results", "schema_version": 99, "status": "completed"}'
        (directory / "meta.json").write_text(newer)
        (directory / "runs.csv").write_text("attempt_id\n")
    for command in (["report", str(directory)], ["capacity", "--analyse", str(directory)]):
        refused(wfload(*command), *words)
        assert not (directory / "report.html").exists()


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_simulator_asked_for_an_impossible_port(port):
    refused(wfload("sim", "--port", port), "is not a port number")
