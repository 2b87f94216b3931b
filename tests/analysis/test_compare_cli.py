"""``wfload compare`` and ``wfload baseline`` on synthetic results
directories: verdicts, exit statuses (0 pass, 1 broken or regressed, 2
unusable input), the files written, JUnit XML, baselines by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from analysis import cli
from analysis.report import write_report
from tests.analysis import resultsdir as rd
from tests.analysis.junitschema import cases, validate_junit

VERDICT_FILES = {"compare.md", "compare.json", "junit.xml"}


def timed_results(directory: Path, n: int, seed: int, scale: float = 1.0, failures: int = 0) -> Path:
    """A test of ``n`` runs with lognormal times (execution times ``scale``), a poll per run."""
    rng = np.random.default_rng(seed)
    runs, requests = [], []
    for i in range(n):
        at = rd.T0 + i * 90.0 / n
        outcome = "failed" if i < failures else "completed"
        runs.append(
            rd.run(i, at=at, outcome=outcome, execute_ms=round(float(rng.lognormal(2.5, 0.4)), 3),
                   queue_s=round(float(rng.exponential(0.2)), 6),
                   execution_s=round(float(rng.lognormal(0, 0.4)) * scale, 6),
                   detection_s=round(float(rng.uniform(0, 0.5)), 6))
        )  # fmt: skip
        requests.append(rd.request(at + 0.5, 200, round(float(rng.lognormal(1.5, 0.4)), 3)))
    return rd.write_results(directory, runs, requests)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """A baseline, a rerun of the same behaviour (with its report), and a run 30% slower."""
    root = tmp_path_factory.mktemp("compare")
    directories = {
        "base": timed_results(root / "base", 2000, seed=1),
        "same": timed_results(root / "same", 2000, seed=2),
        "slow": timed_results(root / "slow", 2000, seed=3, scale=1.3),
    }
    write_report(directories["same"])
    return directories


@pytest.fixture
def dirs(built, tmp_path) -> dict[str, Path]:
    """Fresh copies: compare writes into CURRENT."""
    return {name: Path(shutil.copytree(path, tmp_path / name)) for name, path in built.items()}


def budget(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "budget.toml"
    path.write_text(text)
    return path


def test_identical_behaviour_passes_with_exit_0(dirs, capsys):
    assert cli.main(["compare", str(dirs["base"]), str(dirs["same"])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: pass: 7 within noise")
    assert {p.name for p in dirs["same"].iterdir()} >= VERDICT_FILES
    verdict = json.loads((dirs["same"] / "compare.json").read_text())
    assert verdict["status"] == "pass" and verdict["exit_code"] == 0
    assert {c["verdict"] for c in verdict["comparisons"]} == {"within noise"}
    assert json.loads((dirs["same"] / "summary.json").read_text())["verdict"] == verdict


def test_a_slower_run_regresses_with_exit_1(dirs, capsys):
    assert cli.main(["compare", str(dirs["base"]), str(dirs["slow"])]) == 1
    out = capsys.readouterr().out
    assert out.startswith("verdict: fail: ")
    verdict = json.loads((dirs["slow"] / "compare.json").read_text())
    by_name = {c["expression"]: c for c in verdict["comparisons"]}
    p95 = by_name["p95(end_to_end_s)"]
    assert p95["verdict"] == "regressed" and p95["change"] > 0.1
    assert 0 < p95["interval"][0] < p95["change"] < p95["interval"][1]
    assert p95["n_baseline"] == p95["n_current"] == 2000
    assert by_name["p95(execute_ms)"]["verdict"] == "within noise"  # only execution got slower
    assert any(reason.startswith("regressed: p95(end_to_end_s)") for reason in verdict["reasons"])
    root = validate_junit(dirs["slow"] / "junit.xml")
    outcomes = cases(root)
    assert outcomes["wfload.regression::p95(end_to_end_s) [all] vs " + str(dirs["base"])] == "failure"
    assert outcomes["wfload.test::ran to its end without an abort"] == "passed"


def test_a_regression_limit_wider_than_the_change_passes(dirs, tmp_path):
    path = budget(tmp_path, '[regression]\n"p95(end_to_end_s)" = "50%"\n"p50(end_to_end_s)" = "+5 s"\n')
    assert cli.main(["compare", str(dirs["base"]), str(dirs["slow"]), "--budget", str(path)]) == 0
    verdict = json.loads((dirs["slow"] / "compare.json").read_text())
    assert [c["verdict"] for c in verdict["comparisons"]] == ["within noise", "within noise"]
    assert "within its 50% limit" in verdict["comparisons"][0]["note"]


def test_a_high_noise_threshold_silences_the_regression(dirs):
    assert cli.main(["compare", str(dirs["base"]), str(dirs["slow"]), "--noise", "60%"]) == 0


def test_budgets_alone_broken_and_met(dirs, tmp_path, capsys):
    path = budget(tmp_path, '[budgets]\n"p95(end_to_end_s)" = "< 0.5"\n"rate(failed)" = "< 1%"\n'
                            '[budgets."workflow:fl_missing"]\n"p95(end_to_end_s)" = "< 10"\n')  # fmt: skip
    assert cli.main(["compare", str(dirs["same"]), "--budget", str(path)]) == 1
    out = capsys.readouterr().out
    assert "budget broken: p95(end_to_end_s) = " in out and "limit < 0.5 s" in out
    assert "budget not measured: p95(end_to_end_s) [workflow:fl_missing] = no value" in out
    verdict = json.loads((dirs["same"] / "compare.json").read_text())
    assert [b["status"] for b in verdict["budgets"]] == ["broken", "met", "no data"]
    assert [b["line"] for b in verdict["budgets"]] == [2, 3, 5]
    assert verdict["baseline"] is None and verdict["comparisons"] == []
    outcomes = cases(validate_junit(dirs["same"] / "junit.xml"))
    assert list(outcomes.values()) == ["failure", "passed", "failure", "passed"]


def test_the_verdict_lands_in_summary_md_once_however_often_compared(dirs, tmp_path):
    path = budget(tmp_path, '[budgets]\n"p95(end_to_end_s)" = "< 60"\n')
    for _ in range(2):
        assert cli.main(["compare", str(dirs["base"]), str(dirs["same"]), "--budget", str(path)]) == 0
    markdown = (dirs["same"] / "summary.md").read_text()
    assert markdown.count("### Verdict: ✅ PASS") == 1 and markdown.count("<!-- wfload:verdict -->") == 1
    assert markdown.index("### Verdict") < markdown.index("### Latency")
    assert "| p95(end_to_end_s) | all | &lt; 60 s |" in markdown
    assert "| metric | scope | baseline | current | change | 95% CI of change | verdict |" in markdown
    compare_md = (dirs["same"] / "compare.md").read_text()
    assert compare_md.startswith("## wfload verdict: `same` against `") and "### Verdict: ✅ PASS" in compare_md


def test_out_leaves_current_untouched(dirs, tmp_path):
    before = {p.name: p.read_bytes() for p in dirs["same"].iterdir()}
    out = tmp_path / "verdict"
    assert cli.main(["compare", str(dirs["base"]), str(dirs["same"]), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == VERDICT_FILES
    assert {p.name: p.read_bytes() for p in dirs["same"].iterdir()} == before


def test_results_without_a_report_are_compared_all_the_same(dirs):
    assert cli.main(["compare", str(dirs["base"]), str(dirs["slow"])]) == 1
    assert not (dirs["slow"] / "summary.json").exists()
    assert {p.name for p in dirs["slow"].iterdir()} >= VERDICT_FILES


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("bad budget", "budget.toml:2: p95(end_to_ends): unknown metric 'end_to_ends'"),
        ("missing baseline", "no results directory nope and no baseline of that name under"),
        ("one directory, no budget", "give BASELINE CURRENT (and --budget FILE if wanted), or CURRENT with --budget"),
        ("not results", "is neither a results directory (meta.json) nor a baseline (baseline.json)"),
        ("empty results", "holds no runs"),
    ],
)
def test_unusable_input_is_one_line_exit_2_and_writes_nothing(dirs, tmp_path, capsys, case, says):
    current = str(dirs["same"])
    argv = {
        "bad budget": [
            "compare",
            current,
            "--budget",
            str(budget(tmp_path, '[budgets]\n"p95(end_to_ends)" = "< 1"\n')),
        ],
        "missing baseline": ["compare", "nope", current, "--root", str(tmp_path / "baselines")],
        "one directory, no budget": ["compare", current],
        "not results": ["compare", str(tmp_path), current],
        "empty results": ["compare", str(rd.write_results(tmp_path / "empty", [])), current],
    }[case]
    before = sorted(p.name for p in dirs["same"].iterdir())
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfload compare: ") and says in lines[0], captured.err
    assert sorted(p.name for p in dirs["same"].iterdir()) == before


def test_bad_options_exit_2(dirs, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["compare", str(dirs["base"]), str(dirs["same"]), "--noise", "5"])
    assert stopped.value.code == 2 and "not a percentage: '5' (e.g. 5% or 0.05)" in capsys.readouterr().err


def test_baselines_by_name_keep_samples_not_results(built, dirs, tmp_path, capsys):
    root = tmp_path / "baselines"
    assert cli.main(["baseline", "save", str(built["base"]), "--name", "main", "--root", str(root)]) == 0
    stored = root / "main"
    assert {p.name for p in stored.iterdir()} == {"baseline.json", "summary.json", "samples.parquet"}
    size = sum(p.stat().st_size for p in stored.iterdir())
    assert size < sum(p.stat().st_size for p in built["base"].iterdir()) / 2
    meta = json.loads((stored / "baseline.json").read_text())
    assert meta["name"] == "main" and meta["samples"]["all"]["end_to_end_s"] == 2000

    assert cli.main(["compare", "main", str(dirs["slow"]), "--root", str(root)]) == 1
    by_name = json.loads((dirs["slow"] / "compare.json").read_text())
    assert cli.main(["compare", str(built["base"]), str(dirs["slow"])]) == 1
    by_directory = json.loads((dirs["slow"] / "compare.json").read_text())
    assert [c["interval"] for c in by_name["comparisons"]] == [c["interval"] for c in by_directory["comparisons"]]
    assert by_name["baseline"]["name"] == "main" and by_name["baseline"]["kind"] == "baseline"

    capsys.readouterr()
    assert cli.main(["baseline", "save", str(built["same"]), "--name", "main", "--root", str(root)]) == 2
    assert "exists already: choose another --name, or add --force" in capsys.readouterr().err
    assert cli.main(["baseline", "save", str(built["same"]), "--name", "main", "--root", str(root), "--force"]) == 0
    assert cli.main(["baseline", "list", "--root", str(root)]) == 0
    listing = capsys.readouterr().out.strip().splitlines()[-1]
    assert listing.startswith("main  saved ") and str(built["same"]) in listing
    assert cli.main(["baseline", "save", str(built["same"]), "--name", "../up", "--root", str(root)]) == 2


def test_wfload_dispatches_the_new_commands(dirs):
    from wfload.cli import main as wfload_main

    assert wfload_main(["compare", str(dirs["base"]), str(dirs["slow"]), "--quiet"]) == 1


def test_a_killed_test_is_judged_with_a_note(dirs):
    meta = json.loads((dirs["slow"] / "meta.json").read_text())
    (dirs["slow"] / "meta.json").write_text(json.dumps({**meta, "status": "running", "ended_at": None}))
    assert cli.main(["compare", str(dirs["base"]), str(dirs["slow"]), "--quiet"]) == 1
    notes = json.loads((dirs["slow"] / "compare.json").read_text())["notes"]
    assert notes == ["the current test did not end normally: the test was killed before it ended "
                     "(meta.json still says running)"]  # fmt: skip
