"""The web UI in a real browser: start a test from Locust's form, watch the
"Workflow runs" tab fill, stop it, open the wfload report from its link, and
find the token typed into the form in no page, no response and no file."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.browser import launch
from tests.harness.conftest import LOCUSTFILE, SECRET, files_containing, free_port, sim_get

pytestmark = pytest.mark.e2e


@pytest.fixture
def web_ui(simulator, tmp_path):
    sim = simulator(workers=16)
    port = free_port()
    results = tmp_path / "ui-results"
    env = {k: v for k, v in os.environ.items() if k != "ALTOSTRAT_TOKEN"}  # the token comes from the form only
    log = open(tmp_path / "locust.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--web-host", "127.0.0.1", "--web-port", str(port),
         "-H", sim.url, "--results-dir", str(results)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield sim, url, results, tmp_path
    process.terminate()
    process.wait(30)
    log.close()


def runs_table(page) -> dict[str, list[str]]:
    rows = page.eval_on_selector_all(
        "table tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
    return {cells[0]: cells for cells in rows if cells}


def test_a_test_started_from_the_form_fills_the_runs_tab_and_opens_the_report(web_ui):
    sim, url, results, tmp_path = web_ui
    bodies: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("response", lambda response: bodies.append(_text(response)))
            page.goto(url)
            page.fill('input[name="userCount"]', "6")
            page.fill('input[name="spawnRate"]', "6")
            page.get_by_text("Custom parameters").click()
            page.fill('input[name="token"]', SECRET)
            page.fill('input[name="pollInterval"]', "0.2")
            page.fill('input[name="drainTimeout"]', "15")
            page.screenshot(path=str(tmp_path / "1-form.png"), full_page=True)
            page.get_by_role("button", name="Start").click()

            page.get_by_role("tab", name="Workflow runs").click()
            deadline = time.monotonic() + 30
            table: dict[str, list[str]] = {}
            while time.monotonic() < deadline:
                table = runs_table(page)
                if "All workflows" in table and int(table["All workflows"][2] or 0) >= 10:
                    break
                page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "2-workflow-runs.png"), full_page=True)
            total = table["All workflows"]
            assert int(total[2]) >= 10 and int(total[3]) > 0, table  # finished, completed
            assert any(name.startswith("fl_") for name in table), table

            page.get_by_role("button", name="Stop").click()
            _wait_for(lambda: httpx.get(url + "/stats/requests").json()["state"] == "stopped", 60)

            page.get_by_role("tab", name="Download Data").click()
            page.get_by_text("wfload report of the last test").click()
            page.wait_for_selector("main > section", timeout=60_000)
            page.screenshot(path=str(tmp_path / "3-report.png"), full_page=True)
            assert "wfload" in page.title().lower()
            sections = page.eval_on_selector_all("main > section", "nodes => nodes.length")
            assert sections >= 5
            bodies.append(page.content())
        finally:
            browser.close()

    created = sim_get(sim, "/__sim/stats")["runs"]["created"]
    assert created >= 10
    [directory] = [p for p in results.parent.iterdir() if p.name.startswith(results.name)]
    assert (directory / "report.html").exists() and (directory / "summary.json").exists()
    assert all(SECRET not in body for body in bodies), "the token came back in a page or a response"
    assert files_containing(directory, SECRET) == []
    assert SECRET not in (tmp_path / "locust.log").read_text()


def _text(response) -> str:
    try:
        return response.text()
    except Exception:  # redirects and aborted responses have no body
        return ""


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError("timed out")
