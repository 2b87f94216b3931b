"""The gated smoke test ``make test`` runs (and so ``.ci/run``): a short
``wfload run`` against the embedded simulator with the example CI budgets,
as the example workflow does; exit 0 and the CI outputs in place. Plus the
exit status 2 of unusable budgets and baselines, refused before any load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.analysis.junitschema import cases, validate_junit
from tests.harness.conftest import files_containing, wfload

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_BUDGET = ROOT / "examples" / "ci" / "budget.toml"
EXAMPLE_WORKFLOW = ROOT / "examples" / "ci" / "github-actions.yml"


@pytest.mark.e2e
def test_a_short_gated_run_against_the_embedded_simulator_passes(tmp_path):
    out = tmp_path / "smoke"
    done = wfload("run", "-t", "10s", "--budget", str(EXAMPLE_BUDGET.relative_to(ROOT)), "--out", str(out))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "verdict: pass" in done.stdout
    verdict = json.loads((out / "summary.json").read_text())["verdict"]
    assert verdict["status"] == "pass" and verdict["budgets"] and verdict["baseline"] is None
    assert all(b["status"] == "met" for b in verdict["budgets"])
    outcomes = cases(validate_junit(out / "junit.xml"))
    assert outcomes["wfload.budgets::p95(end_to_end_s) < 5 s [all]"] == "passed"
    assert set(outcomes.values()) == {"passed"}
    markdown = (out / "summary.md").read_text()
    assert "### Verdict: ✅ PASS" in markdown and "#### Budgets" in markdown
    # The [abort] rules reached the Locust process.
    meta = json.loads((out / "meta.json").read_text())
    assert meta["config"]["abort_rules"]
    assert files_containing(out, "wfload-embedded-simulator") == []


@pytest.mark.parametrize("case", ["bad budget", "missing baseline"])
def test_unusable_budgets_and_baselines_exit_2_before_any_load(tmp_path, case):
    bad = tmp_path / "budget.toml"
    bad.write_text('[budgets]\n"p95(end_to_end_s)" = "< 5"\n"p95(nope)" = "< 1"\n')
    option = ["--budget", str(bad)] if case == "bad budget" else ["--baseline", str(tmp_path / "nowhere")]
    out = tmp_path / "never"
    done = wfload("run", *option, "--out", str(out), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfload run: ")
    assert (f"{bad}:3: p95(nope): unknown metric 'nope'" if case == "bad budget" else "nowhere") in lines[0]
    assert not out.exists() and "embedded simulator" not in done.stdout


def test_the_example_ci_workflow_runs_what_this_project_offers():
    workflow = yaml.safe_load(EXAMPLE_WORKFLOW.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "wfload run" in commands and "--budget examples/ci/budget.toml" in commands
    assert "GITHUB_STEP_SUMMARY" in commands and "wfload baseline save" in commands
    uses = {step.get("uses", "").split("@")[0] for step in steps}
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact"} <= uses
    # Every wfload option the workflow uses is one the command knows.
    from analysis.cli import build_parser
    from wfload.run import build_parser as run_parser

    for line in commands.replace("\\\n", " ").splitlines():
        words = line.split()
        if words[:2] == ["wfload", "run"]:
            args, unknown = run_parser().parse_known_args([w for w in words[2:] if not w.startswith("$")])
            assert args.budget and not unknown
        elif words[:1] == ["wfload"] and words[1] in ("compare", "baseline"):
            build_parser().parse_args([w for w in words[1:] if not w.startswith("$")])
