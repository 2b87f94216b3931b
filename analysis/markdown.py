"""summary.md: the headline and the key tables in GitHub-flavoured Markdown,
short enough for a CI job summary or a pull-request comment."""

from __future__ import annotations

from analysis import formatting as fmt
from analysis import tables
from analysis.headline import Headline
from analysis.metrics import Analysis
from analysis.tables import Cell, Table

TOP_ERRORS = 5


def render_markdown(analysis: Analysis, head: Headline) -> str:
    results = analysis.results
    window = analysis.window
    lines = [
        f"## wfload report: {results.path.name}",
        "",
        f"**Status: {head.status}**" + (f" ({'; '.join(head.reasons)})" if head.reasons else ""),
        "",
        f"{fmt.timestamp(window.test_start)}, {fmt.seconds(window.test_duration_s)}"
        + (
            f" (measured {fmt.seconds(window.duration_s)}: warm-up {window.warmup_s:g} s, "
            f"cool-down {window.cooldown_s:g} s left out)"
            if window.warmup_s or window.cooldown_s
            else ""
        ),
        "",
        markdown_table(
            Table(
                ["", "", ""],
                [[Cell(f.label, numeric=False), Cell(f.value), Cell(f.detail, numeric=False)] for f in head.figures],
            )
        ),
        "",
        "### Latency",
        "",
        markdown_table(tables.distribution_table(analysis)),
        "",
        "### Outcomes",
        "",
        markdown_table(_nonzero(tables.outcome_table(analysis))),
        "",
        "### Failure rates",
        "",
        markdown_table(
            Table(
                ["rate", "count", "of", "rate", "95% CI"],
                tables.rate_table(analysis, "run").rows
                + tables.rate_table(analysis, "http").rows
                + tables.rate_table(analysis, "harness").rows,
            )
        ),
        "",
    ]
    errors = tables.error_table(analysis, TOP_ERRORS)
    if not errors.empty:
        lines += ["### Top errors", "", markdown_table(_columns(errors, [0, 1, 2])), ""]
    lines += ["### Workflows", "", markdown_table(tables.workflow_table(analysis)), ""]
    if analysis.notes:
        lines += ["### Notes", "", *[f"- {_escape(note)}" for note in analysis.notes], ""]
    lines += ["Full report: `report.html` (figures, per-node durations, HTTP by route) beside this file.", ""]
    return "\n".join(lines)


def markdown_table(table: Table) -> str:
    """A pipe table; a cell's second line follows it in parentheses, except
    intervals under percentiles, which would make the table too wide."""
    header = "| " + " | ".join(_escape(c) or " " for c in table.columns) + " |"
    align = "|" + "|".join("---:" if i and _numeric(table, i) else "---" for i in range(len(table.columns))) + "|"
    rows = ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join([header, align, *rows])


def _cell(cell: Cell) -> str:
    if cell.sub and not cell.numeric:
        return f"{_escape(cell.text)} ({_escape(cell.sub)})"
    return _escape(cell.text)


def _numeric(table: Table, column: int) -> bool:
    return bool(table.rows) and table.rows[0][column].numeric


def _escape(text: str) -> str:
    # Masked errors hold <id>, <url>...: raw, GitHub would take them for tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")


def _nonzero(table: Table) -> Table:
    return Table(table.columns, [row for row in table.rows if row[1].text != "0"])


def _columns(table: Table, keep: list[int]) -> Table:
    return Table([table.columns[i] for i in keep], [[row[i] for i in keep] for row in table.rows])
