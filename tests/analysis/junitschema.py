"""JUnit XML checked against the rules of Apache Ant's JUnit schema (the
strictest common one; Jenkins, GitLab and GitHub reporters read it), with
xml.etree: element names and nesting, required attributes and their types,
and counts that agree with the test cases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

SUITE_ATTRIBUTES = {"name", "tests", "failures", "errors", "time", "timestamp", "hostname", "id", "package"}
CASE_ATTRIBUTES = {"name", "classname", "time"}
SUITE_CHILDREN = {"properties", "testcase", "system-out", "system-err"}
OUTCOMES = {"failure", "error", "skipped"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # ISO 8601 without a time zone
DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def validate_junit(path: Path) -> ET.Element:
    """Raise AssertionError naming the first rule the file breaks; returns the root."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites", f"root is <{root.tag}>, not <testsuites>"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root:
        assert suite.tag == "testsuite", f"<testsuites> holds <{suite.tag}>"
        missing = SUITE_ATTRIBUTES - set(suite.attrib)
        assert not missing, f"testsuite {suite.get('name')} lacks {sorted(missing)}"
        assert TIMESTAMP.match(suite.get("timestamp", "")), f"bad timestamp {suite.get('timestamp')}"
        assert DECIMAL.match(suite.get("time", "")), f"bad time {suite.get('time')}"
        counts = _suite_counts(suite)
        for key, value in counts.items():
            declared = suite.get(key, "0")
            assert declared == str(value), f"testsuite {suite.get('name')}: {key}={declared}, counted {value}"
            totals[key] += value
    for key, value in totals.items():
        if key in root.attrib:
            assert root.get(key) == str(value), f"testsuites: {key}={root.get(key)}, counted {value}"
    return root


def _suite_counts(suite: ET.Element) -> dict[str, int]:
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for child in suite:
        assert child.tag in SUITE_CHILDREN, f"<testsuite> holds <{child.tag}>"
        if child.tag != "testcase":
            continue
        missing = CASE_ATTRIBUTES - set(child.attrib)
        assert not missing, f"testcase {child.get('name')} lacks {sorted(missing)}"
        assert DECIMAL.match(child.get("time", "")), f"bad time {child.get('time')}"
        outcomes = [c for c in child if c.tag in OUTCOMES]
        assert len(outcomes) <= 1, f"testcase {child.get('name')} has {len(outcomes)} outcomes"
        assert all(c.tag in OUTCOMES | {"system-out", "system-err"} for c in child)
        counts["tests"] += 1
        for outcome in outcomes:
            if outcome.tag in ("failure", "error"):
                assert {"message", "type"} <= set(outcome.attrib), f"<{outcome.tag}> needs message and type"
                counts["failures" if outcome.tag == "failure" else "errors"] += 1
            else:
                counts["skipped"] += 1
    return counts


def cases(root: ET.Element) -> dict[str, str]:
    """Test case name -> ``passed``, ``failure`` or ``skipped``."""
    found = {}
    for case in root.iter("testcase"):
        outcome = next((c.tag for c in case if c.tag in OUTCOMES), "passed")
        found[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return found
