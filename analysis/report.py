"""``write_report``: a results directory in, report.html, summary.md and
summary.json out, beside the results.

The three files appear together or not at all: each is written to a
temporary name in the directory and renamed into place only once all three
are ready, so a failure (or a Ctrl-C) never leaves a half-written report or
one file out of step with the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.headline import Headline, headline
from analysis.html import render_html
from analysis.load import load_results
from analysis.markdown import render_markdown
from analysis.metrics import Analysis, analyse
from analysis.options import ReportOptions
from analysis.plots import draw_all
from analysis.progress import Progress, silent
from analysis.summary import build_summary, dumps

REPORT_HTML = "report.html"
SUMMARY_MD = "summary.md"
SUMMARY_JSON = "summary.json"


@dataclass(frozen=True)
class Report:
    directory: Path
    analysis: Analysis
    headline: Headline
    summary: dict[str, Any]

    @property
    def html_path(self) -> Path:
        return self.directory / REPORT_HTML

    @property
    def markdown_path(self) -> Path:
        return self.directory / SUMMARY_MD

    @property
    def summary_path(self) -> Path:
        return self.directory / SUMMARY_JSON


def write_report(path: str | Path, options: ReportOptions | None = None, progress: Progress | None = None) -> Report:
    """Analyse the results directory at ``path`` and write its report files
    into it. Raises :class:`analysis.ResultsError` for results that cannot be
    reported on (nothing is written then)."""
    progress = progress or silent()
    directory = Path(path)
    results = load_results(directory, progress)
    analysis = analyse(results, options, progress)
    head = headline(analysis)
    with progress.step("drawing figures"):
        plots = draw_all(analysis)
    with progress.step("writing the report"):
        summary = build_summary(analysis, head)
        documents = {
            REPORT_HTML: render_html(analysis, head, plots).encode("utf-8"),
            SUMMARY_MD: render_markdown(analysis, head).encode("utf-8"),
            SUMMARY_JSON: dumps(summary),
        }
        write_together(directory, documents)
    return Report(directory, analysis, head, summary)


def write_together(directory: Path, documents: dict[str, bytes]) -> None:
    """Write every document under a temporary name, then rename them all."""
    staged: dict[Path, Path] = {}
    try:
        for name, content in documents.items():
            temporary = directory / f".{name}.{os.getpid()}.tmp"
            staged[temporary] = directory / name
            temporary.write_bytes(content)
        for temporary, final in staged.items():
            os.replace(temporary, final)
    finally:
        for temporary in staged:
            temporary.unlink(missing_ok=True)
