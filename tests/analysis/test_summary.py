"""summary.json: the documented keys, stable whatever the data and options."""

from __future__ import annotations

import json

import pytest

from analysis import load_results, schema
from analysis.headline import headline
from analysis.metrics import analyse
from analysis.options import ReportOptions
from analysis.summary import build_summary, dumps
from tests.analysis import resultsdir as rd

METRIC_KEYS = {"unit", "count", "mean", "min", "max", "p50", "p75", "p90", "p95", "p99", "p99_9", "ci95"}


def summary_of(directory, **options):
    analysis = analyse(load_results(directory), ReportOptions(**options))
    return json.loads(dumps(build_summary(analysis, headline(analysis))))


def test_summary_json_of_a_realistic_test(synthetic_report):
    summary = json.loads(synthetic_report.summary_path.read_text())
    assert summary["summary_version"] == 1 and summary["verdict"] is None
    runs = summary["runs"]
    assert set(runs["by_status"]) == set(schema.OUTCOMES)
    assert runs["submitted"] >= runs["accepted"] >= runs["terminal"] > 0
    terminal = sum(runs["by_status"][s] for s in schema.TERMINAL_OUTCOMES)
    assert runs["terminal"] == terminal
    assert runs["failure_rate"] == pytest.approx(runs["by_status"]["failed"] / terminal)
    lo, hi = runs["failure_rate_ci95"]
    assert lo < runs["failure_rate"] < hi
    for name in ("execute_ms", "poll_ms", "end_to_end_s", "duration_in_seconds", "overhead_s"):
        block = summary["metrics"][name]
        assert set(block) == METRIC_KEYS and block["count"] > 0
        assert block["p50"] <= block["p90"] <= block["p95"] <= block["p99"] <= block["max"]
        low, high = block["ci95"]["p95"]
        assert low <= block["p95"] <= high
    assert summary["rates"]["failed"] == runs["failure_rate"]
    assert summary["rate_details"]["http_5xx"]["level"] == "http"
    assert sum(summary["http"]["by_status_code"].values()) == summary["http"]["requests"]
    assert summary["throughput"]["runs_finished_per_s"] > 0
    workflow = next(iter(summary["workflows"].values()))
    assert {"runs", "rates", "metrics", "throughput", "decomposition"} <= set(workflow)
    assert workflow["metrics"]["end_to_end_s"]["p95"] > 0
    assert summary["headline"]["status"] in ("ok", "attention", "incomplete")
    assert summary["window"]["warmup_s"] == 5


def test_keys_do_not_depend_on_the_data(tmp_path, synthetic_dir):
    small = summary_of(rd.write_results(tmp_path / "r", rd.completed_runs(3)))
    large = summary_of(synthetic_dir)
    assert list(small) == list(large)
    assert set(small["metrics"]) >= {"execute_ms", "poll_ms", "end_to_end_s", "duration_in_seconds", "overhead_s"}
    assert small["metrics"]["poll_ms"]["count"] == 0 and small["metrics"]["poll_ms"]["p95"] is None
    assert set(small["rates"]) == set(large["rates"])
    assert list(small["runs"]) == list(large["runs"])


def test_configured_percentiles_add_keys_and_keep_the_standard_ones(tmp_path):
    summary = summary_of(rd.write_results(tmp_path / "r", rd.completed_runs(20)), percentiles=(97, 99.99))
    block = summary["metrics"]["end_to_end_s"]
    assert {"p50", "p95", "p99", "p97", "p99_99"} <= set(block)
    assert summary["percentiles"] == [50, 75, 90, 95, 97, 99, 99.9, 99.99]


def test_killed_test_is_marked_incomplete(tmp_path):
    directory = rd.write_results(
        tmp_path / "r", rd.completed_runs(3), meta_data=rd.meta(status="running", ended_at=None)
    )
    summary = summary_of(directory)
    assert summary["results"]["killed"] and not summary["results"]["complete"]
    assert summary["headline"]["status"] == "incomplete"
    assert any("killed" in reason for reason in summary["headline"]["reasons"])


def test_clean_test_is_ok_and_harness_errors_draw_attention(tmp_path):
    clean = summary_of(rd.write_results(tmp_path / "a", rd.completed_runs(3)))
    assert clean["headline"] == {"status": "ok", "reasons": []}
    runs = [*rd.completed_runs(3), rd.run(3, outcome="error", detail="KeyError")]
    flagged = summary_of(rd.write_results(tmp_path / "b", runs))
    assert flagged["headline"]["status"] == "attention"
    assert flagged["headline"]["reasons"] == ["1 harness error(s)"]
    assert flagged["harness"]["errors"] == 1


def test_no_secret_reaches_the_summary(tmp_path):
    leaky = rd.meta(config={"token": "eyJhbGciOiJIUzI1NiJ9.secret", "tokens": 3})
    text = json.dumps(summary_of(rd.write_results(tmp_path / "r", rd.completed_runs(2), meta_data=leaky)))
    assert "eyJhbGciOiJIUzI1NiJ9" not in text
