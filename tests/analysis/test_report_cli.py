"""``wfload report DIR`` / ``python -m analysis report DIR``: outputs, exit
statuses, one-line errors, nothing half-written."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import cli
from analysis.progress import Progress
from tests.analysis import resultsdir as rd

ROOT = Path(__file__).resolve().parents[2]
REPORT_FILES = {"report.html", "summary.md", "summary.json"}


def written(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.name in REPORT_FILES or p.name.endswith(".tmp")}


def test_report_writes_three_files_and_prints_the_headline(tmp_path, capsys):
    runs = [*rd.completed_runs(8), rd.run(8, outcome="failed", error_message="boom in fl_run_01h3j4k5l6m7n8p9q0")]
    directory = rd.write_results(tmp_path / "r", runs, [rd.request(rd.T0 + 1, 200, 4.0)])
    assert cli.main(["report", str(directory), "--percentiles", "50,90,99", "--warmup", "0"]) == 0
    assert written(directory) == REPORT_FILES
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"report: {directory / 'report.html'}"
    assert 5 <= len(out) <= 9
    assert out[1].split()[:2] == ["status", "ok"]
    assert any(line.split()[:3] == ["failure", "rate", "11.1"] for line in out)
    markdown = (directory / "summary.md").read_text()
    assert "| error_message | boom in &lt;id&gt; | 1 |" in markdown
    assert "**Status: ok**" in markdown and "| metric | count | mean | p50 | p90 | p99 | max |" in markdown
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["runs"]["by_status"]["failed"] == 1
    assert not any("could not be drawn" in note for note in summary["notes"])


def test_report_through_wfload_and_python_m(tmp_path):
    from wfload.cli import main as wfload_main

    directory = rd.write_results(tmp_path / "r", rd.completed_runs(4))
    assert wfload_main(["report", str(directory), "--quiet"]) == 0
    (directory / "report.html").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(directory), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {directory / 'report.html'}"
    assert (directory / "report.html").is_file()


@pytest.mark.parametrize("case", ["empty", "newer schema", "missing"])
def test_unusable_results_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, case):
    directory = tmp_path / "r"
    if case == "empty":
        directory.mkdir()
    elif case == "newer schema":
        rd.write_results(directory, rd.completed_runs(2), meta_data=rd.meta(schema_version=9))
    assert cli.main(["report", str(directory)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfload report: ") and captured.out == ""
    if case == "newer schema":
        assert lines[0].endswith("use schema version 9; this wfload reads up to 1: upgrade wfload")
    if directory.exists():
        assert written(directory) == set()


def test_a_failure_while_writing_leaves_nothing_half_done(tmp_path, monkeypatch):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(3))

    def broken(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("analysis.report.render_markdown", broken)
    with pytest.raises(RuntimeError):
        cli.main(["report", str(directory)])
    assert written(directory) == set()


def test_every_execute_rejected_still_gets_a_report(tmp_path, capsys):
    runs = [rd.run(i, outcome="rejected", execute_status=401, detail="HTTP 401: Unauthenticated.") for i in range(5)]
    requests = [rd.request(rd.T0 + i, 401, 3.0, rd.EXECUTE) for i in range(5)]
    directory = rd.write_results(tmp_path / "r", runs, requests)
    assert cli.main(["report", str(directory)]) == 0
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["runs"]["accepted"] == 0 and summary["runs"]["failure_rate"] is None
    assert summary["runs"]["rejected_by_status"] == {"401": 5}
    assert summary["metrics"]["end_to_end_s"]["count"] == 0 and summary["rates"]["http_4xx"] == 1.0
    assert not any("could not be drawn" in note for note in summary["notes"])
    assert "failure rate" in capsys.readouterr().out


def test_a_window_too_fine_for_the_test_is_refused(tmp_path, capsys):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(3))
    assert cli.main(["report", str(directory), "--window", "0.001"]) == 2
    assert "choose --window" in capsys.readouterr().err


def test_cooldown_longer_than_the_test_is_refused(tmp_path, capsys):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(3), meta_data=rd.meta(ended_at=rd.T0 + 10))
    assert cli.main(["report", str(directory), "--warmup", "5", "--cooldown", "50"]) == 2
    assert "choose shorter ones" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments",
    [["--percentiles", "50,abc"], ["--percentiles", "0,150"], ["--warmup", "-1"], ["--slo", "nonsense=3"]],
)
def test_bad_options_are_usage_errors(tmp_path, arguments):
    with pytest.raises(SystemExit) as caught:
        cli.main(["report", str(tmp_path), *arguments])
    assert caught.value.code == 2


def test_secrets_in_the_config_never_reach_the_report(tmp_path):
    leaky = rd.meta(config={"token": "eyJhbGciOiJIUzI1NiJ9.leak", "api_key": "k-123-leak", "tokens": 2})
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(2), meta_data=leaky)
    assert cli.main(["report", str(directory), "--quiet"]) == 0
    for name in REPORT_FILES:
        text = (directory / name).read_text()
        assert "leak" not in text, name


def test_progress_announces_only_slow_steps():
    stream = io.StringIO()
    progress = Progress(stream=stream, after_s=0.05)
    with progress.step("quick step"):
        pass
    with progress.step("reading requests.csv"):
        time.sleep(0.2)
    text = stream.getvalue()
    assert "quick step" not in text
    assert text.startswith("reading requests.csv … ") and text.endswith(" s\n")
    assert 0.2 <= float(text.split("… ")[1].split()[0]) < 2
