"""The verdict for people: the budget and comparison tables in Markdown
(compare.md, and a section of summary.md ready for a CI job summary or a
pull-request comment) and as plain text for the terminal."""

from __future__ import annotations

import math

from analysis.budgets import threshold_text
from analysis.expressions import RATE
from analysis.markdown import markdown_table
from analysis.significance import RELATIVE
from analysis.tables import Cell, Table, text
from analysis.verdict import (
    BROKEN,
    IMPROVED,
    INCONCLUSIVE,
    MET,
    NO_DATA,
    PASS,
    REGRESSED,
    WITHIN_NOISE,
    Comparison,
    Verdict,
    measured_text,
)

BEGIN = "<!-- wfload:verdict -->"
END = "<!-- /wfload:verdict -->"
MARKS = {
    MET: "✅",
    BROKEN: "❌",
    NO_DATA: "❌",
    REGRESSED: "❌",
    IMPROVED: "✅",
    WITHIN_NOISE: "➖",
    INCONCLUSIVE: "❔",
}


def budget_table(verdict: Verdict, marks: bool = False) -> Table:
    rows = [
        [
            text(r.check.expression.text),
            text(r.check.expression.scope),
            text(f"{r.check.op} {threshold_text(r.check.expression, r.check.threshold)}"),
            Cell(measured_text(r.check.expression, r.value)),
            text(_mark(r.status, marks)),
        ]
        for r in verdict.checks
    ]
    return Table(["budget", "scope", "limit", "value", "result"], rows)


def comparison_table(verdict: Verdict, marks: bool = False) -> Table:
    confidence = f"{verdict.settings.confidence * 100:g}%"
    rows = [
        [
            text(c.limit.expression.text),
            text(c.limit.expression.scope),
            Cell(measured_text(c.limit.expression, c.change.baseline)),
            Cell(measured_text(c.limit.expression, c.change.current)),
            Cell(change_text(c)),
            Cell(interval_text(c)),
            text(_mark(c.verdict, marks)),
        ]
        for c in verdict.comparisons
    ]
    return Table(["metric", "scope", "baseline", "current", "change", f"{confidence} CI of change", "verdict"], rows)


def change_text(comparison: Comparison) -> str:
    change, expression = comparison.change, comparison.limit.expression
    relative = change.relative
    if relative is None:
        return "–" if change.difference is None else _signed(change.difference, expression.unit)
    if math.isinf(relative):
        return "new (from 0)"
    return f"{relative * 100:+.1f} %"


def interval_text(comparison: Comparison) -> str:
    change, expression = comparison.change, comparison.limit.expression
    if change.interval is None:
        return "–"
    low, high = change.interval
    if change.interval_of == RELATIVE:
        return f"[{low * 100:+.1f}, {high * 100:+.1f}] %"
    if expression.kind == RATE:
        return f"[{low * 100:+.3g}, {high * 100:+.3g}] pp"
    return f"[{low:+.3g}, {high:+.3g}] {expression.unit}".rstrip()


def verdict_markdown(verdict: Verdict) -> str:
    """The verdict section, between markers so that it can be replaced."""
    title = "✅ PASS" if verdict.status == PASS else "❌ FAIL"
    lines = [BEGIN, f"### Verdict: {title}", "", verdict.headline, ""]
    lines += [f"- {_escape(reason)}" for reason in verdict.failures]
    if verdict.failures:
        lines.append("")
    if verdict.checks:
        source = f" (`{verdict.budget_file}`)" if verdict.budget_file else ""
        lines += [f"#### Budgets{source}", "", markdown_table(budget_table(verdict, marks=True)), ""]
    if verdict.baseline is not None:
        lines += [f"#### Compared with `{verdict.baseline.label}`", ""]
        if verdict.comparisons:
            lines += [markdown_table(comparison_table(verdict, marks=True)), "", method_note(verdict), ""]
    if verdict.notes:
        lines += [*(f"- {_escape(note)}" for note in verdict.notes), ""]
    return "\n".join([*lines, END, ""])


def compare_markdown(verdict: Verdict) -> str:
    """compare.md: a title and the verdict section."""
    against = f" against `{verdict.baseline.label}`" if verdict.baseline is not None else ""
    return f"## wfload verdict: `{verdict.current.path.name}`{against}\n\n" + verdict_markdown(verdict)


def with_verdict(summary_md: str, section: str) -> str:
    """summary.md with the verdict section put (or replaced) after its headline."""
    start, end = summary_md.find(BEGIN), summary_md.find(END)
    if start >= 0 and end > start:
        return summary_md[:start] + section + summary_md[end + len(END) :].lstrip("\n")
    anchor = summary_md.find("\n### ")
    if anchor < 0:
        return summary_md.rstrip("\n") + "\n\n" + section
    return summary_md[: anchor + 1] + section + "\n" + summary_md[anchor + 1 :]


def method_note(verdict: Verdict) -> str:
    settings = verdict.settings
    conclusive = verdict.conclusive_comparisons
    level = f"each at {verdict.interval_confidence * 100:.2f}%, " if conclusive > 1 else ""
    return (
        f"Regressed: the change is significant and beyond the {settings.noise * 100:g}% noise threshold "
        f"(and the metric's own limit). Intervals hold together at {settings.confidence * 100:g}% over "
        f"{conclusive} comparison(s) ({level}Bonferroni): bootstrap of percentiles "
        f"({settings.resamples:,} resamples, seed {settings.seed}), Newcombe for rates. "
        "Inconclusive: too few values. See docs/ci.md."
    )


def terminal_lines(verdict: Verdict) -> list[str]:
    lines = [f"verdict: {verdict.headline}"]
    if verdict.checks:
        source = f" ({verdict.budget_file})" if verdict.budget_file else ""
        lines += [f"  budgets{source}", *("    " + line for line in text_table(budget_table(verdict)))]
    if verdict.baseline is not None and verdict.comparisons:
        lines += [f"  compared with {verdict.baseline.label}"]
        lines += ["    " + line for line in text_table(comparison_table(verdict))]
    lines += [f"  {reason}" for reason in verdict.failures]
    lines += [f"  note: {note}" for note in verdict.notes]
    return lines


def text_table(table: Table) -> list[str]:
    """Aligned columns: text to the left, numbers to the right."""
    widths = [max([len(name), *(len(row[i].text) for row in table.rows)]) for i, name in enumerate(table.columns)]
    numeric = [bool(table.rows) and table.rows[0][i].numeric for i in range(len(table.columns))]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    return [line(table.columns), *(line([cell.text for cell in row]) for row in table.rows)]


def _mark(word: str, marks: bool) -> str:
    return f"{MARKS[word]} {word}" if marks else word


def _signed(value: float, unit: str) -> str:
    return f"{value:+.3g} {unit}".rstrip()


def _escape(line: str) -> str:
    return line.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
