"""The Universal Scalability Law (Gunther): throughput against concurrency.

    X(N) = λ·N / (1 + σ·(N − 1) + κ·N·(N − 1))

λ is the throughput of one unit of concurrency, σ the contention (the
serial fraction: what Amdahl's law caps), κ the coherency cost (what makes
throughput fall again past a peak). Fitted by bounded non-linear least
squares on the capacity steps' (runs in flight, completion throughput).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

MIN_POINTS = 3


@dataclass(frozen=True)
class UslFit:
    lambda_: float
    sigma: float
    kappa: float
    r_squared: float
    points: int

    def throughput(self, concurrency: np.ndarray | float) -> np.ndarray | float:
        return usl(np.asarray(concurrency, dtype=float), self.lambda_, self.sigma, self.kappa)

    @property
    def peak_concurrency(self) -> float | None:
        """N* = sqrt((1 − σ) / κ); None when κ is 0 (throughput only levels off)."""
        if self.kappa <= 0:
            return None
        return math.sqrt(max(0.0, 1 - self.sigma) / self.kappa)

    @property
    def peak_throughput(self) -> float | None:
        """X(N*), or the asymptote λ/σ when κ is 0, or None when neither bounds it."""
        peak = self.peak_concurrency
        if peak is not None:
            return float(self.throughput(peak))
        return self.lambda_ / self.sigma if self.sigma > 0 else None

    def to_json(self) -> dict[str, float | int | None]:
        return {
            "lambda": self.lambda_,
            "sigma": self.sigma,
            "kappa": self.kappa,
            "r_squared": self.r_squared,
            "points": self.points,
            "peak_concurrency": self.peak_concurrency,
            "peak_throughput": self.peak_throughput,
        }


def usl(n: np.ndarray, lambda_: float, sigma: float, kappa: float) -> np.ndarray:
    return lambda_ * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def fit_usl(concurrency: np.ndarray, throughput: np.ndarray) -> UslFit | None:
    """The least-squares fit, or None with fewer than ``MIN_POINTS`` usable points."""
    n = np.asarray(concurrency, dtype=float)
    x = np.asarray(throughput, dtype=float)
    usable = (n > 0) & (x > 0) & np.isfinite(n) & np.isfinite(x)
    n, x = n[usable], x[usable]
    if n.size < MIN_POINTS:
        return None
    start = (float(np.max(x / np.maximum(n, 1.0))), 0.05, 0.0001)
    try:
        (lambda_, sigma, kappa), _ = curve_fit(
            usl, n, x, p0=start, bounds=([1e-9, 0.0, 0.0], [np.inf, 1.0, 1.0]), maxfev=20000
        )
    except (RuntimeError, ValueError):
        return None
    residual = float(np.sum((x - usl(n, lambda_, sigma, kappa)) ** 2))
    total = float(np.sum((x - x.mean()) ** 2))
    r_squared = 1 - residual / total if total > 0 else 1.0
    return UslFit(float(lambda_), float(sigma), float(kappa), r_squared, int(n.size))
