"""The HTTP level: every request, by status code and route.

HTTP failures are kept apart from run failures (a 503 on a poll does not fail
the run; the run may still complete) and 429s apart from both, because rate
limiting is the published behaviour of the API under load, not an error.
Latency figures per route cover answered requests with a 2xx status; the
others are counted, not timed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats import Proportion, Sample

ALL_REQUESTS = "requests"


@dataclass(frozen=True)
class RouteStats:
    route: str
    method: str
    requests: int
    by_status_code: dict[str, int]
    errors: Proportion
    rate_limited: int
    latency: Sample


@dataclass(frozen=True)
class HttpStats:
    requests: int
    by_status_code: dict[str, int]
    routes: list[RouteStats]
    rates: dict[str, Proportion]

    def route(self, route: str, method: str) -> RouteStats | None:
        return next((r for r in self.routes if r.route == route and r.method == method), None)


def classify(status: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks of the HTTP failure kinds, over an array of status codes."""
    return {
        "http_errors": (status == 0) | ((status >= 400) & (status != 429)),
        "http_5xx": (status >= 500) & (status < 600),
        "http_4xx": (status >= 400) & (status < 500) & (status != 429),
        "http_429": status == 429,
        "http_no_response": status == 0,
    }


def status_counts(status: np.ndarray) -> dict[str, int]:
    codes, counts = np.unique(status, return_counts=True)
    return {str(int(code)): int(count) for code, count in zip(codes, counts, strict=True)}


def http_stats(requests: pd.DataFrame) -> HttpStats:
    status = requests["status"].to_numpy(dtype=float, na_value=-1).astype(np.int64)
    ms = requests["ms"].to_numpy(dtype=float, na_value=np.nan)
    total = int(status.size)
    rates = {
        name: Proportion(name, "http", int(mask.sum()), total, ALL_REQUESTS) for name, mask in classify(status).items()
    }
    return HttpStats(
        requests=total,
        by_status_code=status_counts(status),
        routes=_per_route(requests, status, ms),
        rates=rates,
    )


def _per_route(requests: pd.DataFrame, status: np.ndarray, ms: np.ndarray) -> list[RouteStats]:
    # Few routes, many rows: one boolean pass per route beats sorting ten
    # million rows by route.
    route = requests["route"].astype("category")
    method = requests["method"].astype("category")
    methods = len(method.cat.categories) + 1
    key = (route.cat.codes.to_numpy(np.int64) + 1) * methods + method.cat.codes.to_numpy(np.int64) + 1
    routes = []
    for value in np.flatnonzero(np.bincount(key)) if key.size else []:
        rows = np.flatnonzero(key == value)
        route_code, method_code = divmod(int(value), methods)
        route_status = status[rows]
        ok = (route_status >= 200) & (route_status < 300)
        errors = int(classify(route_status)["http_errors"].sum())
        routes.append(
            RouteStats(
                route=_category(route, route_code - 1),
                method=_category(method, method_code - 1),
                requests=int(rows.size),
                by_status_code=status_counts(route_status),
                errors=Proportion("http_errors", "http", errors, int(rows.size), ALL_REQUESTS),
                rate_limited=int((route_status == 429).sum()),
                latency=Sample(ms[rows[ok]]),
            )
        )
    routes.sort(key=lambda r: (-r.requests, r.route, r.method))
    return routes


def _category(series: pd.Series, code: int) -> str:
    return "(none)" if code < 0 else str(series.cat.categories[code])
