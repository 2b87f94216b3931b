"""The budget file: every documented form, units, scopes, the abort rules'
JSON, and one clear line naming file:line for each kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.budgets import BudgetError, abort_rules, load_budgets, parse_budgets, parse_duration
from analysis.expressions import THROUGHPUT_NAMES, ExpressionError, parse_expression
from analysis.tomlsource import key_lines, line_of

GOOD = """\
# budgets for the demo
[budgets]                      # absolute limits
"p95(end_to_end_s)" = "< 5"
"p99(execute_ms)" = "<= 0.3 s"
"rate(failed)" = "< 1%"
"rate(http_5xx)" = "< 0.001"
"mean(poll_ms)" = "< 50 ms"
"max(end_to_end_s)" = "< 60"
"count(end_to_end_s)" = ">= 100"
"throughput(runs_finished_per_s)" = "> 2"
"p99.9(execute_ms)" = "< 1000"

[budgets."workflow:fl_webhook_check"]
"p99(end_to_end_s)" = "< 8"

[regression]
noise = "5%"
"p95(end_to_end_s)" = "10%"
"mean(execute_ms)" = "+20 ms"
"rate(failed)" = "+0.5pp"

[regression."workflow:fl_quick_notify"]
"p50(end_to_end_s)" = "15%"

[abort]
"p95(end_to_end_s)" = { above = 10, for = "30s", grace = "60s" }
"rate(failed)" = { above = "20%", for = "1m30s" }

[abort."workflow:fl_webhook_check"]
"rate(failed)" = { above = 0.5 }
"""


def test_a_good_file_reads_every_form(tmp_path):
    path = tmp_path / "budget.toml"
    path.write_text(GOOD)
    budgets = load_budgets(path)
    checks = {(c.expression.label, c.op, c.threshold, c.line) for c in budgets.checks}
    assert ("p95(end_to_end_s)", "<", 5.0, 3) in checks
    assert ("p99(execute_ms)", "<=", 300.0, 4) in checks  # seconds into the metric's milliseconds
    assert ("rate(failed)", "<", 0.01, 5) in checks
    assert ("rate(http_5xx)", "<", 0.001, 6) in checks
    assert ("p99.9(execute_ms)", "<", 1000.0, 11) in checks
    assert ("p99(end_to_end_s) [workflow:fl_webhook_check]", "<", 8.0, 14) in checks
    assert budgets.noise == pytest.approx(0.05)
    limits = {(limit.expression.label, limit.relative, limit.absolute) for limit in budgets.limits}
    assert limits == {
        ("p95(end_to_end_s)", 0.10, None),
        ("mean(execute_ms)", None, 20.0),
        ("rate(failed)", None, 0.005),
        ("p50(end_to_end_s) [workflow:fl_quick_notify]", 0.15, None),
    }
    assert [c.text for c in budgets.checks][:3] == ["p95(end_to_end_s) < 5 s", "p99(execute_ms) <= 300 ms",
                                                     "rate(failed) < 1%"]  # fmt: skip


def test_abort_rules_are_the_plain_json_locust_reads():
    rules = abort_rules(parse_budgets(GOOD, "b.toml"))
    assert json.loads(json.dumps(rules)) == [
        {"metric": "end_to_end_s", "stat": "p95", "op": ">", "threshold": 10.0, "for_s": 30.0, "grace_s": 60.0,
         "workflow": None},
        {"metric": "rate", "stat": "failed", "op": ">", "threshold": 0.2, "for_s": 90.0, "grace_s": 0.0,
         "workflow": None},
        {"metric": "rate", "stat": "failed", "op": ">", "threshold": 0.5, "for_s": 0.0, "grace_s": 0.0,
         "workflow": "fl_webhook_check"},
    ]  # fmt: skip


def test_the_example_budget_file_reads():
    budgets = load_budgets(Path(__file__).resolve().parents[2] / "examples" / "ci" / "budget.toml")
    assert budgets.checks and budgets.limits and budgets.abort and budgets.noise == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('[budgets]\n"p95(end_to_ends)" = "< 5"', 2, "unknown metric 'end_to_ends' in summary.json; one of execute_ms"),
        ('[budgets]\n"p97(end_to_end_s)" = "< 5"', 2, "use one of p50, p75, p90, p95, p99, p99.9"),
        ('[budgets]\n"median(end_to_end_s)" = "< 5"', 2, "unknown statistic 'median'"),
        ('[budgets]\n"p95 end_to_end_s" = "< 5"', 2, "not an expression like p95(end_to_end_s)"),
        ('[budgets]\np95(end_to_end_s) = "< 5"', 2, "not valid TOML"),
        ('[budgets]\n"p95(end_to_end_s)" = 5', 2, 'write the comparison as a string, e.g. "< 5"'),
        ('[budgets]\n"p95(end_to_end_s)" = "about 5"', 2, "is not a condition"),
        ('[budgets]\n"p95(end_to_end_s)" = "< 5 %"', 2, "is in s, not '%'"),
        ('[budgets]\n\n"rate(failed)" = "< 2"', 3, "a rate lies between 0 and 1"),
        ('[budgets]\n"rate(nope)" = "< 0.1"', 2, "unknown rate 'nope'"),
        ('[budgets."workflow:fl_x"]\n"p95(poll_ms)" = "< 1"', 2, "unknown metric 'poll_ms' per workflow"),
        ('[budgets."wf:fl_x"]\n"p95(poll_ms)" = "< 1"', 1, "not an expression"),
        ('[regression]\n"max(end_to_end_s)" = "10%"', 2, "cannot be compared with a baseline"),
        ('[regression]\n"p95(end_to_end_s)" = "ten percent"', 2, "is not a limit"),
        ('[regression]\n"rate(failed)" = "+1%"', 2, "a rate's absolute limit is in points"),
        ('[regression]\nnoise = "lots"', 2, "is not a noise threshold"),
        ('[abort]\n"p95(end_to_end_s)" = { above = 10, fro = 3 }', 2, "unknown setting"),
        ('[abort]\n"p95(end_to_end_s)" = { above = 10, below = 3 }', 2, "exactly one of above"),
        ('[abort]\n"p95(end_to_end_s)" = { above = 10, for = "soon" }', 2, "is not a duration"),
        ('[abort]\n"p95(execute_ms)" = { above = 10 }', 2, "keep this one as an end-of-test budget"),
        ('[abort]\n"p95(end_to_end_s)" = 10', 2, "write an inline table"),
        ('[abort."workflow:fl_x"]\n"p95(end_to_end_s)" = { above = 1 }', 2, "per workflow, a running test watches"),
        ("[budget]\nx = 1", 1, "unknown section; the sections are budgets, regression, abort"),
        ("", None, "holds no [budgets], [regression] or [abort] table"),
    ],
)
def test_each_mistake_is_one_line_naming_file_and_line(text, line, says):
    with pytest.raises(BudgetError) as caught:
        parse_budgets(text, "ci/budget.toml")
    message = str(caught.value)
    assert "\n" not in message and says in message, message
    assert message.startswith(f"ci/budget.toml:{line}: " if line else "ci/budget.toml: ")


def test_an_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(BudgetError, match=r"missing.toml: cannot read the budget file .*check the path"):
        load_budgets(tmp_path / "missing.toml")


def test_key_lines_follow_tables_quoted_keys_and_inline_tables():
    lines = key_lines(GOOD)
    assert lines[("budgets",)] == 2
    assert lines[("budgets", "rate(failed)")] == 5
    assert lines[("budgets", "workflow:fl_webhook_check", "p99(end_to_end_s)")] == 14
    assert lines[("abort", "p95(end_to_end_s)", "grace")] == 26
    assert line_of(lines, ("regression", "nothing here")) == 16


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("500ms", 0.5), ("2m", 120.0), ("1m30s", 90.0), ("1h", 3600.0), (45, 45.0), ("12", 12.0),
     ("soon", None), (-1, None), ("5 parsecs", None), (True, None)],
)  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_expressions_address_summary_json(synthetic_report):
    summary = synthetic_report.summary
    assert parse_expression("p95(end_to_end_s)").value(summary) == summary["metrics"]["end_to_end_s"]["p95"]
    assert parse_expression("p99.9(execute_ms)").value(summary) == summary["metrics"]["execute_ms"]["p99_9"]
    assert parse_expression("rate(http_5xx)").value(summary) == summary["rates"]["http_5xx"]
    workflow = next(iter(summary["workflows"]))
    expression = parse_expression("rate(failed)", f"workflow:{workflow}")
    assert expression.value(summary) == summary["workflows"][workflow]["rates"]["failed"]
    assert parse_expression("p95(end_to_end_s)", "workflow:fl_nowhere").value(summary) is None
    # The names the expressions know are the summary's own.
    assert set(THROUGHPUT_NAMES) == set(summary["throughput"])
    for name in summary["rates"]:
        parse_expression(f"rate({name})")
    for name in summary["metrics"]:
        parse_expression(f"p95({name})")


def test_directions():
    assert parse_expression("p95(end_to_end_s)").higher_is_worse
    assert parse_expression("rate(failed)").higher_is_worse
    assert not parse_expression("throughput(runs_finished_per_s)").higher_is_worse
    with pytest.raises(ExpressionError):
        parse_expression("p95(end_to_end_s)", "workflow:")
