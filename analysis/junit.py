"""junit.xml: the verdict as JUnit XML, which every CI system can show.

One test case per budget (suite ``wfload.budgets``), per compared figure
(``wfload.regression``: a regression is a failure, an inconclusive
comparison is skipped) and one for the test itself (``wfload.test``: it
fails when an abort rule stopped the test). The attributes follow the
strictest common schema (Apache Ant's JUnit XSD, which Jenkins and GitLab
read): every testsuite has ``name``, ``tests``, ``failures``, ``errors``,
``skipped``, ``time``, ``timestamp``, ``hostname``, ``id`` and ``package``,
and the counts agree with the test cases.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from analysis.verdict import INCONCLUSIVE, Verdict
from analysis.verdict_report import change_text, interval_text

PACKAGE = "wfload"


@dataclass
class _Case:
    name: str
    failure: str | None = None  # the failure message
    kind: str = ""
    detail: str = ""
    skipped: str | None = None


@dataclass
class _Suite:
    name: str
    cases: list[_Case] = field(default_factory=list)


def junit_xml(verdict: Verdict, timestamp: float | None = None) -> bytes:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp if timestamp is not None else time.time()))
    suites = [suite for suite in _suites(verdict) if suite.cases]
    root = ET.Element("testsuites", _counts(c for s in suites for c in s.cases), name=PACKAGE)
    for number, suite in enumerate(suites):
        element = ET.SubElement(
            root,
            "testsuite",
            _counts(suite.cases),
            name=suite.name,
            timestamp=stamp,
            hostname="localhost",
            id=str(number),
            package=PACKAGE,
        )
        for case in suite.cases:
            testcase = ET.SubElement(element, "testcase", name=case.name, classname=suite.name, time="0")
            if case.failure is not None:
                failure = ET.SubElement(testcase, "failure", message=case.failure, type=case.kind)
                failure.text = case.detail or case.failure
            elif case.skipped is not None:
                ET.SubElement(testcase, "skipped", message=case.skipped)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _suites(verdict: Verdict) -> list[_Suite]:
    budgets = _Suite(f"{PACKAGE}.budgets")
    for result in verdict.checks:
        check = result.check
        name = f"{check.text} [{check.expression.scope}]"
        if result.failed:
            budgets.cases.append(_Case(name, f"{result.outcome}: {result.reason}", result.outcome))
        else:
            budgets.cases.append(_Case(name))
    regression = _Suite(f"{PACKAGE}.regression")
    for comparison in verdict.comparisons:
        expression = comparison.limit.expression
        name = f"{expression.text} [{expression.scope}] vs {verdict.baseline.label if verdict.baseline else '-'}"
        detail = (
            f"baseline {comparison.change.baseline}, current {comparison.change.current}, "
            f"change {change_text(comparison)}, interval {interval_text(comparison)}: {comparison.note}"
        )
        if comparison.failed:
            regression.cases.append(_Case(name, f"regressed: {comparison.note}", "regression", detail))
        elif comparison.verdict == INCONCLUSIVE:
            regression.cases.append(_Case(name, skipped=f"inconclusive: {comparison.note}"))
        else:
            regression.cases.append(_Case(name))
    test = _Suite(f"{PACKAGE}.test")
    aborted = "; ".join(verdict.aborts)
    test.cases.append(_Case("ran to its end without an abort", f"aborted: {aborted}" if aborted else None, "abort"))
    return [budgets, regression, test]


def _counts(cases) -> dict[str, str]:
    cases = list(cases)
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.failure is not None)),
        "errors": "0",
        "skipped": str(sum(1 for c in cases if c.skipped is not None)),
        "time": "0",
    }
