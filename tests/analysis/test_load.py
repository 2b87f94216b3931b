"""Reading results directories: types, torn lines, killed tests, refusals."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from analysis import ResultsError, load_results
from analysis.load import complete_records_length
from tests.analysis import resultsdir as rd


def test_tables_columns_and_types(tmp_path):
    runs = [*rd.completed_runs(3), rd.run(3, outcome="failed", error_message="boom")]
    nodes = [rd.node(runs[0], 0, rd.T0 + 1.0)]
    directory = rd.write_results(tmp_path / "r", runs, [rd.request(rd.T0, 200, 4.5)], nodes)
    results = load_results(directory)
    frame = results.runs
    assert len(frame) == 4
    for column in (
        "run_id",
        "workflow_id",
        "status",
        "duration_in_seconds",
        "error_message",
        "execute_ms",
        "end_to_end_s",
    ):
        assert column in frame.columns
    assert list(frame["status"].astype(str)) == list(frame["outcome"].astype(str)) == ["completed"] * 3 + ["failed"]
    assert isinstance(frame["outcome"].dtype, type(frame["workflow_id"].dtype))  # both categorical
    assert frame["started_at"].iloc[0] == rd.iso(rd.T0 + 0.01 + 0.5)  # verbatim server string
    assert frame["started_at_s"].iloc[0] == pytest.approx(rd.T0 + 0.51, abs=1e-6)
    assert results.nodes["created_at_s"].iloc[0] == pytest.approx(rd.T0 + 1.0, abs=1e-6)
    assert results.requests["ms"].tolist() == [4.5]
    assert results.complete and not results.killed and results.notes == []


def test_torn_last_line_is_dropped(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(5))
    path = directory / "runs.csv"
    complete = path.read_bytes()
    path.write_bytes(complete + b"attempt-x,fl_run_x,fl_alpha,0,1,17963748")  # SIGKILL mid-row
    results = load_results(directory)
    assert len(results.runs) == 5
    assert any("torn" in note for note in results.notes)


def test_torn_line_inside_a_quoted_multiline_value(tmp_path):
    runs = rd.completed_runs(2)
    runs[1]["error_message"] = "line one\nline two, with a comma"
    directory = rd.write_results(tmp_path / "r", runs)
    path = directory / "runs.csv"
    # The torn record opened a quoted value and wrote a newline inside it:
    # the last newline of the file is inside quotes and must not be a cut.
    path.write_bytes(path.read_bytes() + b'attempt-y,,fl_alpha,0,1,1,1,0,5,202,1,1,failed,,,,,"first line\nsecond')
    results = load_results(directory)
    assert len(results.runs) == 2
    assert results.runs["error_message"].iloc[1] == "line one\nline two, with a comma"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (0, False)),
        (b"a,b\n1,2\n", (8, False)),
        (b"a,b\n1,2\n3,", (8, True)),
        (b'a,b\n1,"x\ny"\n2,"p\nq', (12, True)),
        (b"a,b", (0, True)),
    ],
)
def test_complete_records_length(data, expected):
    assert complete_records_length(pa.py_buffer(data)) == expected


def test_killed_test_is_read_and_marked(tmp_path):
    directory = rd.write_results(
        tmp_path / "r", rd.completed_runs(4), meta_data=rd.meta(status="running", ended_at=None, counts=None)
    )
    results = load_results(directory)
    assert results.killed and not results.complete and len(results.runs) == 4


def test_crlf_line_ends_are_read(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(3))
    path = directory / "runs.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_results(directory).runs["execute_ms"].tolist() == [10.0, 10.0, 10.0]


def test_unreadable_server_timestamps_become_missing(tmp_path):
    runs = rd.completed_runs(3)
    runs[1]["started_at"] = "yesterday"
    runs[2]["started_at"] = "2026-12-04T09:00:02"  # no zone: read as UTC
    results = load_results(rd.write_results(tmp_path / "r", runs))
    started = results.runs["started_at_s"].to_numpy()
    assert np.isnan(started[1]) and started[2] == pytest.approx(rd.T0 + 2)
    assert any("not ISO-8601" in note for note in results.notes)


def test_extra_columns_at_the_end_are_ignored(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(2))
    path = directory / "runs.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",future_column"] + [line + ",x" for line in lines[1:]]) + "\n")
    assert len(load_results(directory).runs) == 2


def one_line(error: ResultsError) -> str:
    message = str(error)
    assert "\n" not in message and message
    return message


def test_newer_schema_is_refused(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(2), meta_data=rd.meta(schema_version=2))
    with pytest.raises(ResultsError) as caught:
        load_results(directory)
    assert one_line(caught.value) == (
        f"results in {directory} use schema version 2; this wfload reads up to 1: upgrade wfload"
    )


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("missing directory", "does not exist"),
        ("empty directory", "meta.json is missing"),
        ("bad meta", "not valid JSON"),
        ("other schema", "not a wfload results file"),
        ("no runs file", "no runs.csv"),
        ("no runs", "holds no runs"),
        ("missing column", "lacks the column(s) outcome"),
        ("bad number", "cannot be read"),
    ],
)
def test_unusable_directories_raise_one_clear_line(tmp_path, damage, words):
    directory = tmp_path / "r"
    if damage != "missing directory":
        rd.write_results(directory, rd.completed_runs(2))
    runs = directory / "runs.csv"
    if damage == "empty directory":
        for path in directory.iterdir():
            path.unlink()
    elif damage == "bad meta":
        (directory / "meta.json").write_text('{"schema": "wfload-res')
    elif damage == "other schema":
        (directory / "meta.json").write_text(json.dumps({"schema": "k6", "schema_version": 1}))
    elif damage == "no runs file":
        runs.unlink()
    elif damage == "no runs":
        runs.write_text(runs.read_text().splitlines()[0] + "\n")
    elif damage == "missing column":
        runs.write_text(runs.read_text().replace(",outcome,", ",result,", 1))
    elif damage == "bad number":
        runs.write_text(runs.read_text().replace(",10.0,", ",ten,", 1))
    with pytest.raises(ResultsError) as caught:
        load_results(directory)
    message = one_line(caught.value)
    assert words in message and str(directory) in message


def test_missing_optional_files_leave_empty_tables(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(2))
    (directory / "nodes.csv").unlink()
    (directory / "events.jsonl").unlink()
    results = load_results(directory)
    assert results.nodes.empty and "created_at_s" in results.nodes.columns and results.events == []
    assert any("nodes.csv is missing" in note for note in results.notes)


def test_events_with_a_torn_last_line(tmp_path):
    directory = rd.write_results(tmp_path / "r", rd.completed_runs(2), events=[{"t": rd.T0, "event": "test_start"}])
    with open(directory / "events.jsonl", "ab") as handle:
        handle.write(b'{"t": 1, "event": "sta')
    results = load_results(directory)
    assert results.events == [{"t": rd.T0, "event": "test_start"}]
