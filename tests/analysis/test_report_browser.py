"""The report in a real browser: Debian's chromium, headless, from a file,
with the network blocked. Every section and every figure must be there and
load; the screenshot is kept in the test's temporary directory."""

from __future__ import annotations

import shutil

from playwright.sync_api import sync_playwright

from analysis.html import SECTIONS
from analysis.plots import FIGURES
from tests.browser import launch


def test_report_opens_offline_with_every_section_and_figure(synthetic_report, tmp_path):
    report = tmp_path / "report.html"
    shutil.copy(synthetic_report.html_path, report)
    url = report.as_uri()
    attempted: list[str] = []

    def block(route):
        attempted.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", block)
            page.goto(url, wait_until="load")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            section_ids = page.eval_on_selector_all("main > section", "nodes => nodes.map(n => n.id)")
            images = page.eval_on_selector_all(
                "img",
                "nodes => nodes.map(n => ({id: n.parentElement.id, complete: n.complete,"
                " width: n.naturalWidth, src: n.getAttribute('src').slice(0, 22)}))",
            )
            links = page.eval_on_selector_all(
                "[href], [src]", "nodes => nodes.map(n => n.getAttribute('href') || n.getAttribute('src'))"
            )
            headline = page.inner_text("#headline")
        finally:
            browser.close()

    assert attempted == [url]  # nothing beyond the file itself was fetched
    assert section_ids == [section_id for section_id, _ in SECTIONS]
    assert [image["id"] for image in images] == [f"fig-{key}" for key, *_ in FIGURES]
    for image in images:
        assert image["complete"] and image["width"] > 0, image
        assert image["src"] == "data:image/png;base64,"
    external = [link for link in links if link.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "FAILURE RATE" in headline.upper() and "P95 END-TO-END" in headline.upper()
    screenshot = tmp_path / "report.png"
    assert screenshot.stat().st_size > 100_000
