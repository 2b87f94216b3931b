"""wfload in Locust's web UI: the "Workflow runs" tabs, model and shape from
the start form, and the full report one click away.

- Two tabs beside Locust's own: "Workflow runs" (one row per workflow and an
  "All workflows" row: in flight, finished, each outcome, failure rate,
  end-to-end and ``duration_in_seconds`` percentiles) and "Run errors" (the
  most frequent messages). They refresh with Locust's own polling of
  ``/stats/requests``, to which their rows are added; on a master they are
  combined from the workers' reports.
- When the form starts a test, its values decide the workload model (open
  when the arrival rate is above 0) and the shape, before Locust dispatches
  users. A bad value is refused with one line in the UI.
- "Download Data" gains a link that writes the full wfload report of the
  last test (in a separate process: the analysis is not part of the
  Locust side) and opens it.

Nothing here renders an option's value: the token typed into the form is
never echoed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from flask import Response, jsonify, request, send_file
from locust.env import Environment

from loadtests.live import percentiles
from loadtests.model import select_model
from loadtests.options import HarnessOptions, OptionsError

RUNS_TAB = "wfload-runs"
ERRORS_TAB = "wfload-errors"
REPORT_PATH = "/wfload/report"
REPORT_TIMEOUT_S = 300

RUN_COLUMNS = [
    ("workflow", "Workflow"),
    ("in_flight", "In flight"),
    ("finished", "Finished"),
    ("completed", "Completed"),
    ("failed", "Failed"),
    ("awaiting_ui", "Awaiting UI"),
    ("other", "Timed out / unfinished / rejected / other"),
    ("failure_rate", "Failure rate %"),
    ("e2e_p50", "End-to-end p50 (s)"),
    ("e2e_p95", "End-to-end p95 (s)"),
    ("e2e_p99", "End-to-end p99 (s)"),
    ("duration_p50", "duration_in_seconds p50"),
    ("duration_p95", "duration_in_seconds p95"),
]
ERROR_COLUMNS = [("count", "Runs"), ("message", "Error message or reason")]


def extend(environment: Environment, current_harness: Any) -> None:
    """Install the tabs, the form hook and the report link on the web UI."""
    web_ui = environment.web_ui
    web_ui.template_args["extended_tabs"] = [
        {"title": "Workflow runs", "key": RUNS_TAB},
        {"title": "Run errors", "key": ERRORS_TAB},
    ]
    web_ui.template_args["extended_tables"] = [
        {"key": RUNS_TAB, "structure": [{"key": k, "title": t} for k, t in RUN_COLUMNS]},
        {"key": ERRORS_TAB, "structure": [{"key": k, "title": t} for k, t in ERROR_COLUMNS]},
    ]
    web_ui.template_args["extended_csv_files"] = [
        {"href": "." + REPORT_PATH, "title": "wfload report of the last test (written on click, then opened)"},
    ]
    app = web_ui.app

    @app.after_request
    def add_run_tables(response: Response) -> Response:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        harness = current_harness(environment)
        snapshot = harness.live_snapshot() if harness is not None else {}
        body = orjson.loads(response.get_data())
        body["extended_stats"] = [
            {"key": RUNS_TAB, "data": run_rows(snapshot)},
            {"key": ERRORS_TAB, "data": error_rows(snapshot)},
        ]
        response.set_data(orjson.dumps(body))
        return response

    @app.before_request
    def choose_model_from_the_form() -> Response | None:
        if request.path != "/swarm" or request.method != "POST":
            return None
        try:
            options = HarnessOptions.from_parsed(_with_form(environment.parsed_options, request.form))
        except OptionsError as exc:
            return jsonify({"success": False, "message": str(exc), "host": environment.host})
        select_model(environment, options)
        return None

    @app.route(REPORT_PATH)
    @web_ui.auth_required_if_enabled
    def report() -> Response:
        directory = _last_results(environment, current_harness)
        if directory is None:
            return Response("No test has written results yet: start one first.", status=404, mimetype="text/plain")
        written = subprocess.run(
            [sys.executable, "-m", "analysis", "report", str(directory)],
            capture_output=True, text=True, timeout=REPORT_TIMEOUT_S,
        )
        if written.returncode != 0:
            reason = (written.stderr.strip().splitlines() or ["the report could not be written"])[-1]
            return Response(reason, status=500, mimetype="text/plain")
        return send_file(directory / "report.html", mimetype="text/html")


def run_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per workflow, then "All workflows"."""
    in_flight = snapshot.get("in_flight_by_workflow", {})
    rows = []
    for workflow in sorted(set(snapshot.get("by_workflow", {})) | set(in_flight)):
        row = _row(workflow, snapshot["by_workflow"].get(workflow, {}),
                   snapshot.get("workflow_samples", {}).get(workflow, {}))
        row["in_flight"] = in_flight.get(workflow, 0)
        rows.append(row)
    total = _row("All workflows", snapshot.get("by_outcome", {}), {})
    total["in_flight"] = snapshot.get("in_flight", 0)
    total["e2e_p50"], total["e2e_p95"], total["e2e_p99"] = _three(snapshot.get("end_to_end_s"))
    total["duration_p50"], total["duration_p95"], _ = _three(snapshot.get("duration_in_seconds"))
    return [*rows, total]


def error_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    errors = sorted(snapshot.get("errors", {}).items(), key=lambda item: -item[1])
    return [{"count": count, "message": message} for message, count in errors[:20]]


def _row(name: str, counts: dict[str, int], samples: dict[str, list[float]]) -> dict[str, Any]:
    finished = sum(counts.values())
    main = {"completed", "failed", "awaiting_ui_interaction"}
    terminal = sum(counts.get(k, 0) for k in main)
    e2e = percentiles(samples.get("end_to_end_s", []))
    duration = percentiles(samples.get("duration_in_seconds", []))
    return {
        "workflow": name,
        "in_flight": "",
        "finished": finished,
        "completed": counts.get("completed", 0),
        "failed": counts.get("failed", 0),
        "awaiting_ui": counts.get("awaiting_ui_interaction", 0),
        "other": finished - terminal,
        "failure_rate": round(100 * counts.get("failed", 0) / terminal, 2) if terminal else "",
        "e2e_p50": _fmt(e2e.get("p50")),
        "e2e_p95": _fmt(e2e.get("p95")),
        "e2e_p99": _fmt(e2e.get("p99")),
        "duration_p50": _fmt(duration.get("p50")),
        "duration_p95": _fmt(duration.get("p95")),
    }


def _three(block: dict[str, float] | None) -> tuple[Any, Any, Any]:
    block = block or {}
    return _fmt(block.get("p50")), _fmt(block.get("p95")), _fmt(block.get("p99"))


def _fmt(value: float | None) -> Any:
    return "" if value is None else round(value, 3)


def _with_form(parsed: Any, form: Any) -> SimpleNamespace:
    """The options as they will be once Locust applies the form (same typing rule as Locust's)."""
    values = dict(vars(parsed)) if parsed is not None else {}
    for key in form:
        if key not in values:
            continue
        current, raw = values[key], form.get(key)
        if isinstance(current, list):
            values[key] = [part for part in raw.split(",") if part] if raw else []
        elif isinstance(current, bool):
            values[key] = raw == "true"
        elif current is None or raw == "":
            values[key] = raw if current is None else current
        else:
            try:
                values[key] = type(current)(raw)
            except ValueError:
                raise OptionsError(f"{key.replace('_', '-')}: {raw!r} is not a valid value") from None
    return SimpleNamespace(**values)


def _last_results(environment: Environment, current_harness: Any) -> Path | None:
    harness = current_harness(environment)
    if harness is None:
        return None
    return harness.last_results_path
