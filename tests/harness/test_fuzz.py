"""Property-based tests: the parsers take anything and answer with a value or one clear error."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.budgets import BudgetError, parse_budgets
from loadtests import contract
from loadtests.scenario import ScenarioError, parse_scenario
from loadtests.shapes import ShapeError, parse_shape

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)

run_like = st.fixed_dictionaries(
    {"id": st.text(max_size=30), "status": st.sampled_from([*contract.STATUSES, "weird", ""])},
    optional={
        "error_message": json_values,
        "started_at": st.one_of(st.text(max_size=30), st.just("2025-10-31T12:00:00.000000Z"), json_values),
        "completed_at": st.one_of(st.text(max_size=30), st.just("2025-10-31T12:00:05.000000Z"), json_values),
        "duration_in_seconds": json_values,
        "logs": json_values,
    },
)


@given(json_values)
def test_the_run_parser_never_raises_on_any_json(value):
    parsed = contract.parse_run(value)
    assert parsed.run is not None or parsed.anomalies == [contract.NOT_A_RUN]
    assert set(parsed.anomalies) <= set(contract.ANOMALY_KINDS)


@given(run_like)
def test_the_run_parser_reads_every_run_shaped_object(data):
    parsed = contract.parse_run(data)
    assert parsed.run is not None and parsed.run.id == data["id"]
    assert set(parsed.anomalies) <= set(contract.ANOMALY_KINDS)
    if data["status"] not in contract.STATUSES:
        assert contract.UNKNOWN_STATUS in parsed.anomalies


@given(st.binary(max_size=200))
def test_the_body_parser_never_raises_on_any_bytes(body):
    parsed = contract.parse_run_body(body)
    assert set(parsed.anomalies) <= set(contract.ANOMALY_KINDS)


@given(run_like)
def test_a_parsed_run_serialises_back(data):
    parsed = contract.parse_run(data)
    assert orjson.loads(orjson.dumps(parsed.run.to_json()))["id"] == data["id"]


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(st.text(max_size=300))
def test_the_scenario_parser_answers_any_text_with_a_scenario_or_one_line(text):
    try:
        scenario = parse_scenario(text, source="s.toml")
    except ScenarioError as error:
        message = str(error)
        assert message.startswith("s.toml") and "\n" not in message
    else:
        assert scenario.workflows


toml_lines = st.lists(
    st.sampled_from([
        "[[workflows]]", 'id = "fl_a"', "weight = 2", "weight = -1", "[workflows.context]", 'x = "y"',
        'n = { gen = "int", min = 1, max = 3 }', 'n = { gen = "int", min = 3, max = 1 }', 'u = { gen = "uuid" }',
        'p = { gen = "padding", to_bytes = 64 }', "seed = 5", 'seed = "a"', 'c = { gen = "choice", values = [] }',
        'id = "fl b"', "bogus = 1", 's = { gen = "sequence", format = "{:d}" }',
    ]),
    max_size=12,
)


@given(toml_lines)
def test_the_scenario_parser_on_plausible_files(lines):
    text = "\n".join(lines)
    try:
        scenario = parse_scenario(text, source="s.toml")
    except ScenarioError as error:
        assert "\n" not in str(error) and str(error).startswith("s.toml")
    else:
        from random import Random

        from loadtests.contexts import GenerationState

        state = GenerationState(Random(1))
        for workflow in scenario.workflows:
            assert isinstance(workflow.context.render(state), dict)


@given(st.text(max_size=60))
def test_the_shape_parser_answers_with_a_shape_or_one_line(text):
    try:
        parse_shape(text)
    except ShapeError as error:
        assert "\n" not in str(error)


budget_lines = st.lists(
    st.sampled_from([
        "[budgets]", '"p95(end_to_end_s)" = "< 5 s"', '"rate(failed)" = "< 1%"', '"p99(execute_ms)" = "< 300 ms"',
        '"p95(nothing)" = "< 5"', '"p95(end_to_end_s)" = "5"', '"rate(failed)" = "< lots"', "[regression]",
        '"p95(end_to_end_s)" = "10%"', 'noise = "5%"', 'noise = "many"', "[abort]",
        '"p95(end_to_end_s)" = { above = 10, for = "30s", grace = "60s" }', '"p95(execute_ms)" = { above = 10 }',
        '[budgets."workflow:fl_a"]', "[surprise]", "x = 1", '"count(end_to_end_s)" = ">= 50"',
    ]),
    max_size=10,
)


@given(budget_lines)
def test_the_budget_parser_answers_with_budgets_or_one_line(lines):
    text = "\n".join(lines)
    try:
        budgets = parse_budgets(text, "b.toml")
    except BudgetError as error:
        assert "\n" not in str(error) and str(error).startswith("b.toml")
    else:
        assert all(check.op in ("<", "<=", ">", ">=") for check in budgets.checks)


@given(st.text(max_size=200))
def test_the_budget_parser_on_arbitrary_text(text):
    try:
        parse_budgets(text, "b.toml")
    except BudgetError as error:
        assert "\n" not in str(error)
