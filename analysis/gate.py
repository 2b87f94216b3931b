"""The CI gate behind ``wfload compare`` and ``wfload run --budget/--baseline``:
read the budgets and the two sides, judge, and write the verdict.

Written into CURRENT's directory (or ``--out``), all together or not at all:
``compare.md``, ``compare.json`` (the verdict document), ``junit.xml``; and,
when CURRENT is a results directory with a report (and no ``--out``), the
verdict merged into its ``summary.json`` (key ``verdict``) and ``summary.md``
(a section after the headline). Writing the report again resets both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analysis.baselines import BASELINES_ROOT
from analysis.budgets import Budgets, abort_rules, load_budgets
from analysis.junit import junit_xml
from analysis.load import ResultsError
from analysis.progress import Progress
from analysis.report import SUMMARY_JSON, SUMMARY_MD, write_together
from analysis.sides import RESULTS, load_side, read_summary, resolve
from analysis.summary import dumps
from analysis.verdict import Settings, Verdict, evaluate, noise_of
from analysis.verdict_report import compare_markdown, verdict_markdown, with_verdict

COMPARE_MD = "compare.md"
COMPARE_JSON = "compare.json"
JUNIT_XML = "junit.xml"


@dataclass(frozen=True)
class Gate:
    """What to judge: the current test, and optionally a baseline and a budget file."""

    current: str | Path
    baseline: str | Path | None = None
    budget: str | Path | None = None
    root: Path = BASELINES_ROOT
    noise: float | None = None  # None: the budget file's, else the default
    settings: Settings = field(default_factory=Settings)
    out: Path | None = None
    warmup_s: float | None = None
    cooldown_s: float | None = None


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    written: list[Path]


def prepare(
    budget: str | Path | None, baseline: str | Path | None, root: Path = BASELINES_ROOT
) -> list[dict[str, Any]]:
    """Before a test: refuse a bad budget file or a missing baseline (ResultsError)
    rather than after minutes of load; returns the ``[abort]`` rules for Locust."""
    if baseline is not None:
        resolve(baseline, root)
    return abort_rules(load_budgets(budget)) if budget is not None else []


def run_gate(gate: Gate, progress: Progress | None = None) -> GateResult:
    budgets: Budgets | None = load_budgets(gate.budget) if gate.budget is not None else None
    window = {"warmup_s": gate.warmup_s, "cooldown_s": gate.cooldown_s}
    baseline = None
    if gate.baseline is not None:
        baseline = load_side(gate.baseline, gate.root, progress=progress, **window)
    current = load_side(gate.current, gate.root, progress=progress, need_samples=baseline is not None, **window)
    noise = gate.noise if gate.noise is not None else noise_of(budgets)
    verdict = evaluate(current, budgets, baseline, replace(gate.settings, noise=noise))
    return GateResult(verdict, write_verdict(verdict, gate.out))


def write_verdict(verdict: Verdict, out: Path | None = None) -> list[Path]:
    """compare.md, compare.json and junit.xml into ``out`` (default: the
    current directory), and the verdict into its summary files."""
    current = verdict.current
    if out is None and current.kind != RESULTS:
        raise ResultsError(
            f"{current.path} is a stored baseline, not a results directory: give --out DIR for the verdict"
        )
    directory = out or current.path
    try:
        directory.mkdir(parents=True, exist_ok=True)
        documents = {
            COMPARE_MD: compare_markdown(verdict).encode("utf-8"),
            COMPARE_JSON: dumps(verdict.to_json()),
            JUNIT_XML: junit_xml(verdict),
        }
        if out is None or out.resolve() == current.path.resolve():
            documents.update(_merged_summaries(verdict, directory))
        write_together(directory, documents)
    except OSError as error:
        raise ResultsError(
            f"cannot write the verdict into {directory} ({error.strerror or error}): check that it is writable, "
            "or give --out DIR"
        ) from error
    return [directory / name for name in documents]


def _merged_summaries(verdict: Verdict, directory: Path) -> dict[str, bytes]:
    """summary.json and summary.md with the verdict, when the report has been written."""
    summary = read_summary(directory)
    if summary is None:
        return {}
    summary["verdict"] = verdict.to_json()
    documents = {SUMMARY_JSON: dumps(summary)}
    markdown = directory / SUMMARY_MD
    if markdown.is_file():
        documents[SUMMARY_MD] = with_verdict(markdown.read_text("utf-8"), verdict_markdown(verdict)).encode("utf-8")
    return documents
