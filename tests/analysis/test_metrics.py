"""Metrics from constructed results with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import load_results
from analysis.headline import headline
from analysis.metrics import analyse
from analysis.options import ReportOptions
from tests.analysis import resultsdir as rd


def analysed(tmp_path, runs, requests=None, nodes=None, events=None, meta_data=None, **options):
    directory = rd.write_results(tmp_path / "r", runs, requests, nodes, events, meta_data)
    return analyse(load_results(directory), ReportOptions(**options))


def test_exact_percentiles_of_constructed_run_times(tmp_path):
    # End-to-end times 1..100 s: execute 0 ms, no queue, execution i/2, detection i/2.
    runs = [rd.run(i - 1, execute_ms=0.0, queue_s=0.0, execution_s=i / 2, detection_s=i / 2) for i in range(1, 101)]
    analysis = analysed(tmp_path, runs)
    e2e = analysis.samples["end_to_end_s"]
    assert e2e.count == 100
    assert [round(e2e.quantile(p), 6) for p in (50, 90, 95, 99, 99.9)] == [50, 90, 95, 99, 100]
    overhead = analysis.samples["overhead_s"]
    assert round(overhead.quantile(50), 6) == 25 and round(overhead.max, 6) == 50
    assert analysis.distribution("end_to_end_s", (50,)).intervals[50] == pytest.approx((40, 61))


def test_failure_levels_are_kept_apart(tmp_path):
    runs = rd.completed_runs(6)
    runs[5]["execute_attempts"] = 2  # accepted after a 429
    runs.append(rd.run(6, outcome="failed", error_message="Node n2 failed"))
    runs.append(rd.run(7, outcome="error", detail="KeyError: 'logs'"))
    runs.append(rd.run(8, outcome="rejected", execute_status=429, execute_attempts=3, detail="HTTP 429: Too Many"))
    t = rd.T0
    requests = [rd.request(t + i, 202, 9.0, rd.EXECUTE) for i in range(8)]
    requests += [rd.request(t + 4.5, 429, 2.0, rd.EXECUTE)] + [
        rd.request(t + 8 + k, 429, 2.0, rd.EXECUTE) for k in range(3)
    ]
    requests += [rd.request(t + 10 + i, 200, 5.0) for i in range(20)]
    requests += [rd.request(t + 40, 500, 50.0)]  # a poll failed; its run still completed
    analysis = analysed(tmp_path, runs, requests)
    counts, rates = analysis.counts, analysis.rates

    # Run level: one failure among the seven runs that reached a terminal status.
    assert counts.by_status["completed"] == 6 and counts.by_status["failed"] == 1
    assert (rates["failed"].numerator, rates["failed"].denominator) == (1, 7)
    assert counts.failure_rate.value == pytest.approx(1 / 7)
    assert counts.by_status["rejected"] == 1 and counts.rejected_by_status == {"429": 1}
    assert (rates["rejected"].numerator, rates["rejected"].denominator) == (1, 9)
    # Harness level: only the harness's own error.
    assert (rates["harness_error"].numerator, rates["harness_error"].level) == (1, "harness")
    # HTTP level: the 500 is the only error; the four 429s are counted apart.
    assert rates["http_errors"].numerator == 1 and rates["http_5xx"].numerator == 1
    assert rates["http_4xx"].numerator == 0 and rates["http_429"].numerator == 4
    assert analysis.http.by_status_code == {"200": 20, "202": 8, "429": 4, "500": 1}
    # No level leaks into another.
    assert {r.level for r in rates.values()} == {"run", "http", "harness"}
    assert all(rates[n].level == "http" for n in ("http_errors", "http_5xx", "http_429"))
    assert counts.retried == 2  # the run accepted after a 429 and the rejected one


def test_error_taxonomy_groups_by_shape(tmp_path):
    runs = [
        rd.run(0, outcome="failed", error_message="Webhook to https://a.example/x/1 failed: 502 Bad Gateway"),
        rd.run(5, outcome="failed", error_message="Webhook to https://b.example/y/2 failed: 502 Bad Gateway"),
        rd.run(9, outcome="failed", error_message="Node n4 timed out after 300 seconds", workflow_id="fl_beta"),
        rd.run(12, outcome="timed_out", detail="run timeout 300 s"),
    ]
    errors = analysed(tmp_path, runs).errors
    top = errors.iloc[0]
    assert (top["source"], top["pattern"], top["count"]) == (
        "error_message",
        "Webhook to <url> failed: 502 Bad Gateway",
        2,
    )
    assert top["first_seen"] == pytest.approx(runs[0]["finished_at"])
    assert top["last_seen"] == pytest.approx(runs[1]["finished_at"])
    assert set(zip(errors["source"], errors["pattern"], strict=True)) == {
        ("error_message", "Webhook to <url> failed: 502 Bad Gateway"),
        ("error_message", "Node n4 timed out after <n> seconds"),
        ("timed_out", "run timeout <n> s"),
    }


def test_node_durations_from_consecutive_log_entries(tmp_path):
    first = rd.run(0, execute_ms=0.0, queue_s=0.0, execution_s=6.0)
    second = rd.run(1, execute_ms=0.0, queue_s=0.0, execution_s=6.0)
    start0, start1 = rd.T0, rd.T0 + 1
    nodes = [
        rd.node(first, 0, start0 + 1, component_id="api_trigger"),
        rd.node(first, 1, start0 + 3),
        rd.node(first, 2, start0 + 6, component_id="smtp", status="error"),
        # Written out of order: seq decides.
        rd.node(second, 1, start1 + 2),
        rd.node(second, 0, start1 + 1.5, component_id="api_trigger"),
        rd.node(second, 2, start1 + 6, component_id="smtp"),
    ]
    analysis = analysed(tmp_path, [first, second], nodes=nodes)
    table = analysis.nodes.set_index("node_id")
    assert table.loc["n1", "count"] == 2 and table.loc["n1", "p99_s"] == pytest.approx(1.5)
    assert table.loc["n1", "p50_s"] == pytest.approx(1.0)
    assert table.loc["n2", "p50_s"] == pytest.approx(0.5) and table.loc["n2", "max_s"] == pytest.approx(2.0)
    assert table.loc["n3", "mean_s"] == pytest.approx(3.5) and table.loc["n3", "errors"] == 1
    assert table["share"].sum() == pytest.approx(1.0)
    components = analysis.components.set_index("component_id")
    assert components.loc["webhook", "total_s"] == pytest.approx(2.5)


def test_negative_node_gaps_are_counted_and_left_out(tmp_path):
    run = rd.run(0, execute_ms=0.0, queue_s=0.0, execution_s=6.0)
    nodes = [rd.node(run, 0, rd.T0 + 2), rd.node(run, 1, rd.T0 + 1)]
    analysis = analysed(tmp_path, [run], nodes=nodes)
    assert analysis.nodes.set_index("node_id").loc["n2", "count"] == 1
    assert np.isnan(analysis.nodes.set_index("node_id").loc["n2", "p50_s"])
    assert any("dated before the previous one" in note for note in analysis.notes)


def test_warmup_and_cooldown_leave_runs_and_requests_out(tmp_path):
    runs = [rd.run(i, execution_s=50.0 if i < 10 else 1.0) for i in range(100)]
    requests = [rd.request(rd.T0 + i + 0.5, 200, float(i)) for i in range(100)]
    test = rd.meta(ended_at=rd.T0 + 110)
    analysis = analysed(tmp_path, runs, requests, meta_data=test, warmup_s=10, cooldown_s=20)
    # The test spans T0..T0+110; runs meant to start at 10..90 s stay.
    assert analysis.counts.attempts == 81
    assert analysis.samples["duration_in_seconds"].max == 1.0
    assert analysis.http.requests == 80  # sent at 10.5 .. 89.5 s
    assert analysis.samples["poll_ms"].min == 10.0
    assert any("warm-up 10 s and cool-down 20 s" in note for note in analysis.notes)


def test_decomposition_adds_up_to_end_to_end(tmp_path):
    runs = [rd.run(i, execute_ms=20.0, queue_s=0.5 + i / 100, execution_s=2.0, detection_s=0.25) for i in range(10)]
    d = analysed(tmp_path, runs).decomposition
    assert d.runs == 10
    assert d.means["acceptance_s"] == pytest.approx(0.020, abs=1e-6)
    assert d.means["queue_wait_s"] == pytest.approx(0.545, abs=1e-6)
    assert d.means["execution_s"] == pytest.approx(2.0, abs=1e-6)
    assert d.means["detection_lag_s"] == pytest.approx(0.25, abs=1e-6)
    assert d.end_to_end_mean == pytest.approx(0.020 + 0.545 + 2.0 + 0.25, abs=1e-6)
    assert d.clock_skew_runs == 0


def test_open_model_reports_the_corrected_end_to_end_and_drops_apart(tmp_path):
    runs = [rd.run(i, start_lag_s=0.5 if i % 2 else 0.0) for i in range(10)]
    runs.append(rd.run(10, outcome="dropped"))
    analysis = analysed(tmp_path, runs, meta_data=rd.meta(model="open"))
    e2e = analysis.samples["end_to_end_s"].values
    corrected = analysis.samples["corrected_end_to_end_s"].values
    assert analysis.open_model and corrected.max() == pytest.approx(e2e.max() + 0.5)
    assert analysis.samples["start_lag_s"].quantile(90) == 0.5
    assert analysis.counts.by_status["dropped"] == 1 and analysis.counts.submitted == 10
    assert analysis.rates["dropped"].denominator == 11 and analysis.counts.terminal == 10
    end_to_end = next(f for f in headline(analysis).figures if f.label == "p95 end-to-end")
    assert "corrected for start lag p95" in end_to_end.detail


def test_closed_model_has_no_corrected_metric(tmp_path):
    assert "corrected_end_to_end_s" not in analysed(tmp_path, rd.completed_runs(3)).samples


def test_anomalies_counted_by_kind(tmp_path):
    runs = rd.completed_runs(5)
    runs[0]["anomalies"] = "completed_with_error;duration_mismatch"
    runs[1]["anomalies"] = "duration_mismatch"
    runs[2]["anomalies"] = "a_new_kind"
    anomalies = analysed(tmp_path, runs).anomalies
    assert anomalies.runs_with_anomalies == 3
    assert anomalies.by_kind["duration_mismatch"] == 2 and anomalies.by_kind["completed_with_error"] == 1
    assert anomalies.by_kind["a_new_kind"] == 1 and anomalies.by_kind["malformed_json"] == 0


def test_time_series_counts_runs_and_percentiles_per_window(tmp_path):
    # Ten runs a second for 10 s, each lasting 2 s end to end (0.5 + 1.25 + 0.25).
    runs = [rd.run(i, at=rd.T0 + i / 10, execute_ms=0.0, execution_s=1.25) for i in range(100)]
    analysis = analysed(tmp_path, runs, meta_data=rd.meta(ended_at=rd.T0 + 20), window_s=1)
    frame = analysis.timeseries.frame
    assert analysis.timeseries.step_s == 1 and len(frame) == 20
    assert frame["submitted_per_s"].tolist()[:10] == [10.0] * 10 and frame["submitted_per_s"].iloc[10:].sum() == 0
    assert frame["finished_per_s"].iloc[2:10].tolist() == [10.0] * 8
    assert frame["in_flight"].iloc[5] == 20  # 2 s of runs at 10 a second
    assert frame["end_to_end_s_p50"].iloc[3] == pytest.approx(2.0)
    assert analysis.throughput["runs_submitted_per_s"] == pytest.approx(100 / 20)


def test_per_workflow_breakdowns(tmp_path):
    runs = [rd.run(i, workflow_id="fl_a", execution_s=1.0) for i in range(6)]
    runs += [rd.run(6 + i, workflow_id="fl_b", execution_s=4.0) for i in range(3)]
    runs.append(rd.run(9, workflow_id="fl_b", outcome="failed", execution_s=4.0))
    workflows = {wf.workflow_id: wf for wf in analysed(tmp_path, runs).workflows}
    assert list(workflows) == ["fl_a", "fl_b"]
    assert workflows["fl_a"].counts.failure_rate.value == 0
    assert workflows["fl_b"].counts.failure_rate.value == 0.25
    assert workflows["fl_b"].samples["duration_in_seconds"].quantile(50) == 4.0


def test_clock_skew_is_told_from_a_run_starting_before_its_202_arrived(tmp_path):
    runs = [
        rd.run(0, execute_ms=10.0, queue_s=-0.004),  # started before the 202 arrived: fine
        rd.run(1, execute_ms=10.0, queue_s=-0.050),  # started before the execute was sent: skew
        rd.run(2, detection_s=-0.1),  # seen ended before it ended: skew
    ]
    analysis = analysed(tmp_path, runs)
    assert analysis.decomposition.clock_skew_runs == 2
    assert any("clocks" in note or "clock" in note for note in analysis.notes)


@pytest.mark.parametrize(
    ("stages", "column"),
    [
        ([{"users": 10}, {"users": 30}], "users"),
        ([{"level": 10, "unit": "users"}, {"level": 30, "unit": "users"}], "users"),
        ([{"level": 10, "unit": "runs_per_s"}, {"level": 30, "unit": "runs_per_s"}], "target_rate_per_s"),
    ],
)
def test_load_asked_for_follows_the_stage_events(tmp_path, stages, column):
    events = [{"t": rd.T0 + at, "event": "stage", **stage} for at, stage in zip((0, 50), stages, strict=True)]
    analysis = analysed(tmp_path, rd.completed_runs(5), events=events, window_s=10)
    assert analysis.timeseries.frame[column].tolist() == [10.0] * 5 + [30.0] * 5
