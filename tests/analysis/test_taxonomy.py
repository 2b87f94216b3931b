"""Error messages grouped by shape: masking and grouping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.taxonomy import group_messages, mask


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("Webhook request failed: 503 Service Unavailable", "Webhook request failed: 503 Service Unavailable"),
        ("HTTP 422: The context field must be an array.", "HTTP 422: The context field must be an array."),
        ("run fl_run_01h3j4k5l6m7n8p9q0r1s2t3u4 failed", "run <id> failed"),
        ("log fl_log_01h3j4k5l6m7n8p9q0r1s2t3u5 and vault vlt_01h3j4k5l6m7n8p9q0r1s2t", "log <id> and vault <id>"),
        ("GET https://v1.api.altostrat.io/sites/42?page=2 timed out", "GET <url> timed out"),
        ("key 550e8400-e29b-41d4-a716-446655440000 rejected", "key <uuid> rejected"),
        ("SSH to 10.0.3.17:22 refused", "SSH to <ip> refused"),
        ("Node n3 timed out after 300 seconds", "Node n3 timed out after <n> seconds"),
        ("took 1.25s, limit 1s", "took <n>s, limit <n>s"),
        ("digest deadbeef1234 mismatch", "digest <hex> mismatch"),
        ("mail to ops@example.com   bounced", "mail to <email> bounced"),
        ("continue_on_error is set", "continue_on_error is set"),
    ],
)
def test_mask(message, masked):
    assert mask(message) == masked


def test_group_messages_counts_and_times():
    messages = pd.Series(
        [
            "run fl_run_01h3j4k5l6m7n8p9q0r1s2t3u4 failed after 3 s",
            None,
            "run fl_run_01h3j4k5l6m7n8p9q0r1s2t3zz failed after 12 s",
            "Webhook request failed: 503 Service Unavailable",
            "run fl_run_01h3j4k5l6m7n8p9q0r1s2t3yy failed after 7 s",
        ],
        dtype="category",
    )
    times = np.array([10.0, 11.0, 30.0, 20.0, 5.0])
    labels = pd.Series(["fl_a", "fl_a", "fl_b", "fl_a", "fl_a"])
    table = group_messages(messages, times, labels, source="error_message")
    assert list(table["pattern"]) == ["run <id> failed after <n> s", "Webhook request failed: 503 Service Unavailable"]
    assert list(table["count"]) == [3, 1]
    assert (table.loc[0, "first_seen"], table.loc[0, "last_seen"]) == (5.0, 30.0)
    assert table.loc[0, "labels"] == "fl_a, fl_b"
    assert table.loc[0, "example"].startswith("run fl_run_")
    assert set(table["source"]) == {"error_message"}


def test_group_messages_of_nothing_is_empty():
    table = group_messages(pd.Series([None, None], dtype="category"), np.array([1.0, 2.0]))
    assert table.empty and "pattern" in table.columns
