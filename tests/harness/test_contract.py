"""The API contract module: IDs, timestamps, request building, run parsing and anomalies."""

import orjson
import pytest

from loadtests import contract


def run_body(**overrides):
    body = {
        "id": "fl_run_01h3j4k5l6m7n8p9q0r1s2t3u4",
        "status": "completed",
        "error_message": None,
        "started_at": "2025-10-31T12:00:00.000000Z",
        "completed_at": "2025-10-31T12:00:05.000000Z",
        "duration_in_seconds": 5,
        "logs": [
            {
                "id": "fl_log_01h3j4k5l6m7n8p9q0r1s2t3u4",
                "node_id": "n2",
                "component_id": "webhook",
                "status": "success",
                "output": {"status": 200},
                "created_at": "2025-10-31T12:00:02.000000Z",
            }
        ],
    }
    body.update(overrides)
    return orjson.dumps(body)


def test_ids_are_prefixed_ulid_like_and_sort_by_time():
    early = contract.new_id(contract.RUN_PREFIX, now=1_700_000_000.000)
    late = contract.new_id(contract.RUN_PREFIX, now=1_700_000_000.001)
    assert early.startswith("fl_run_") and len(early) == len("fl_run_") + 26
    assert set(early[len("fl_run_"):]) <= set("0123456789abcdefghjkmnpqrstvwxyz")
    assert early < late


def test_timestamps_have_microseconds_and_z_and_round_trip():
    text = contract.format_timestamp(1761912000.25)
    assert text == "2025-10-31T12:00:00.250000Z"
    assert contract.parse_timestamp(text) == 1761912000.25
    assert contract.parse_timestamp("2025-10-31T12:00:00Z") == 1761912000.0
    with pytest.raises(ValueError):
        contract.parse_timestamp("yesterday")


def test_execute_request_carries_token_key_and_context():
    request = contract.execute_request("fl_abc", {"user_id": "usr_1"}, "tok", "key-1")
    assert (request.method, request.path) == ("POST", "/workflows/fl_abc/execute")
    assert request.route == contract.EXECUTE_ROUTE
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["Idempotency-Key"] == "key-1"
    assert orjson.loads(request.body) == {"context": {"user_id": "usr_1"}}
    anonymous = contract.get_run_request("fl_run_x", None)
    assert "Authorization" not in anonymous.headers and anonymous.path == "/workflows/runs/fl_run_x"


def test_a_consistent_run_parses_without_anomalies():
    parsed = contract.parse_run_body(run_body())
    assert parsed.anomalies == []
    assert parsed.run.status == "completed" and parsed.run.duration_in_seconds == 5.0
    assert parsed.run.logs[0].node_id == "n2" and parsed.run.logs[0].component_id == "webhook"
    assert parsed.run.is_terminal


def test_the_vendors_own_example_is_flagged_completed_with_error():
    parsed = contract.parse_run_body(run_body(error_message="Webhook request failed: 503 Service Unavailable"))
    assert parsed.anomalies == [contract.COMPLETED_WITH_ERROR]
    assert parsed.run.error_message.startswith("Webhook")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"status": "exploded"}, [contract.UNKNOWN_STATUS]),
        ({"completed_at": "2025-10-31T11:59:00.000000Z", "duration_in_seconds": None},
         [contract.COMPLETED_BEFORE_STARTED]),
        ({"duration_in_seconds": 60}, [contract.DURATION_MISMATCH]),
        ({"started_at": "not a time"}, [contract.BAD_TIMESTAMP]),
        ({"duration_in_seconds": "5"}, [contract.BAD_FIELD_TYPE]),
        ({"completed_at": None}, [contract.TERMINAL_WITHOUT_COMPLETED_AT]),
        ({"logs": "none"}, [contract.BAD_FIELD_TYPE]),
    ],
)
def test_anomalies_are_flagged_not_fatal(overrides, expected):
    parsed = contract.parse_run_body(run_body(**overrides))
    assert parsed.run is not None
    assert parsed.anomalies == expected


def test_duration_within_a_second_of_the_timestamps_is_no_anomaly():
    assert contract.parse_run_body(run_body(duration_in_seconds=5.9)).anomalies == []


@pytest.mark.parametrize("body", [b"", b"{not json", b"<html>502</html>", None])
def test_malformed_bodies_are_an_anomaly(body):
    assert contract.parse_run_body(body).anomalies == [contract.MALFORMED_JSON]
    assert contract.parse_run_body(body).run is None


@pytest.mark.parametrize("data", [[1, 2], {"status": "pending"}, {"id": 5, "status": "pending"}, "text"])
def test_json_that_is_not_a_run(data):
    parsed = contract.parse_run(data)
    assert parsed.run is None and parsed.anomalies == [contract.NOT_A_RUN]


def test_list_endpoint_runs_have_no_logs_and_round_trip():
    parsed = contract.parse_run({"id": "fl_run_1", "status": "pending", "error_message": None,
                                 "started_at": None, "completed_at": None, "duration_in_seconds": None})
    assert parsed.run.logs is None and parsed.anomalies == []
    assert parsed.run.to_json(with_logs=False)["completed_at"] is None


def test_laravel_error_message():
    assert contract.error_message_of(b'{"message": "Unauthenticated."}') == "Unauthenticated."
    assert contract.error_message_of(b"oops") is None
    assert contract.error_body("Bad", {"context": ["must be an object"]}) == {
        "message": "Bad", "errors": {"context": ["must be an object"]}}
