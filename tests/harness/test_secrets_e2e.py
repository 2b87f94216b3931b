"""The token never leaks: every command runs with a recognisable token, given
every way a token can be given, and every file, every line of output and
every report they produce is searched for it. (The web UI's pages and
responses are searched in test_webui_browser.py.)"""

from __future__ import annotations

import pytest

from tests.harness.conftest import ROOT, SECRET, files_containing, wfload

pytestmark = pytest.mark.e2e


def test_no_command_prints_logs_or_writes_the_token(simulator, tmp_path):
    sim = simulator()
    token_file = tmp_path / "tokens.txt"
    token_file.write_text(f"{SECRET}\n{SECRET}-second\n")
    budget = ROOT / "examples" / "ci" / "budget.toml"
    load = ["-H", sim.url, "-u", "3", "-t", "4s", "--poll-interval", "0.2", "--drain-timeout", "10"]
    commands = [
        ["run", *load, "--out", "first", "--token", SECRET],
        ["run", *load, "--out", "second", "--token-file", str(token_file), "--workers", "1"],
        ["report", "first"],
        ["baseline", "save", "first", "--name", "secret-check"],
        ["compare", "secret-check", "second", "--budget", str(budget)],
        ["trend", "first", "second", "--out", "trend"],
        ["capacity", "-H", sim.url, "--workflow", "fl_quick_notify", "--rates", "4,8", "--step-time", "2s",
         "--out", "capacity", "--token", SECRET, "--drain-timeout", "10"],
        ["run", "-t", "3s", "-u", "2", "--out", "embedded", "--drain-timeout", "10"],  # the embedded simulator
    ]
    outputs = []
    for command in commands:
        result = wfload(*command, cwd=tmp_path, timeout=180)
        assert result.returncode in (0, 1), (command, result.stderr[-2000:])  # 1: a budget may judge the run
        outputs.append(result.stdout + result.stderr)
    for name in ("first", "second", "capacity", "embedded"):
        assert (tmp_path / name / "report.html").exists(), name
    assert (tmp_path / "reports" / "baselines" / "secret-check").exists()
    assert all(SECRET not in output for output in outputs), "a command printed the token"
    leaked = [p for p in files_containing(tmp_path, SECRET) if p != token_file]
    assert leaked == [], leaked
