"""The error taxonomy: messages grouped by their shape, not their text.

``Webhook request failed for fl_run_01h3...: timeout after 30 s`` and the same
message for another run are one error. Masking replaces what varies from one
occurrence to the next (URLs, IDs, UUIDs, addresses, numbers) with
placeholders; HTTP status codes are kept, because ``503 Service Unavailable``
and ``404 Not Found`` are different errors.

Masking runs once per distinct message (the columns are categoricals), so
grouping a million failed runs costs as much as grouping their distinct
texts.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import numpy as np
import pandas as pd

_REASONS = "|".join(sorted((re.escape(s.phrase) for s in HTTPStatus), key=len, reverse=True))

# Tried in order; the first that matches at a position wins. Status codes
# come first so that the number rule does not eat them.
_RULES: list[tuple[str, str]] = [
    (r"\b(?:HTTP|status(?: code)?)[ :]+[1-5]\d\d\b", r"\g<0>"),
    (rf"\b[1-5]\d\d (?:{_REASONS})\b", r"\g<0>"),
    (r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>)\]]+", "<url>"),
    (r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", "<email>"),
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<uuid>"),
    # Prefixed IDs of the API (fl_run_..., fl_log_..., auth_..., vlt_..., whsec_...)
    # and of anything shaped like them: a lower-case prefix and a long tail.
    (r"\b[a-z]+(?:_[a-z]+)*_(?=[0-9a-z]*\d)[0-9a-z]{10,}\b", "<id>"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "<ip>"),
    (r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", "<hex>"),
    # A number, unless it ends a word (node n3, worker w2 keep their names).
    (r"(?<![A-Za-z_\d])\d+(?:\.\d+)*", "<n>"),
]
_PATTERN = re.compile("|".join(f"({rule})" for rule, _ in _RULES))
_REPLACEMENTS = [replacement for _, replacement in _RULES]


def mask(message: str) -> str:
    """A message with its varying parts replaced by placeholders."""

    def replace(match: re.Match[str]) -> str:
        index = match.lastindex or 1
        # Each rule is one outer group; inner groups are non-capturing.
        replacement = _REPLACEMENTS[index - 1]
        return match.group(0) if replacement == r"\g<0>" else replacement

    return " ".join(_PATTERN.sub(replace, message).split())


def group_messages(
    messages: pd.Series,
    times: np.ndarray,
    labels: pd.Series | None = None,
    source: str = "",
) -> pd.DataFrame:
    """Messages grouped by their mask, most frequent first.

    Columns: ``source``, ``pattern``, ``count``, ``first_seen``, ``last_seen``
    (epoch seconds, from ``times``), ``example`` (one original message) and,
    when ``labels`` (e.g. workflow ids) are given, ``labels`` (the distinct
    ones, comma separated, at most five).
    """
    columns = ["source", "pattern", "count", "first_seen", "last_seen", "example", "labels"]
    categorical = messages.astype("category")
    codes = categorical.cat.codes.to_numpy()
    present = codes >= 0
    if not present.any():
        return pd.DataFrame(columns=columns)
    categories = categorical.cat.categories
    patterns = pd.Series([mask(str(text)) for text in categories])
    pattern_codes, pattern_names = pd.factorize(patterns)
    group = pattern_codes[codes[present]]
    frame = pd.DataFrame({"group": group, "t": np.asarray(times, dtype=float)[present], "code": codes[present]})
    if labels is not None:
        frame["label"] = np.asarray(labels.astype(str))[present]
    grouped = frame.groupby("group", sort=False)
    table = pd.DataFrame(
        {
            "count": grouped.size(),
            "first_seen": grouped["t"].min(),
            "last_seen": grouped["t"].max(),
            "example": grouped["code"].first().map(lambda code: str(categories[code])),
        }
    )
    if labels is not None:
        table["labels"] = grouped["label"].agg(_distinct_labels)
    else:
        table["labels"] = ""
    table["pattern"] = [pattern_names[g] for g in table.index]
    table["source"] = source
    table = table.sort_values(["count", "pattern"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)[columns]


def _distinct_labels(values: pd.Series, limit: int = 5) -> str:
    distinct = sorted(set(values))
    shown = ", ".join(distinct[:limit])
    return shown + (f" and {len(distinct) - limit} more" if len(distinct) > limit else "")
