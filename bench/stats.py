"""Small numbers helpers: percentiles in milliseconds, and a latency summary."""

import math


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile `q` (0-100) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(seconds: list[float]) -> dict:
    """p50, p95, p99 and max in ms, and how many samples they come from."""
    ms = [s * 1000 for s in seconds]
    out = {"count": len(ms)}
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        value = percentile(ms, q)
        out[name] = None if value is None else round(value, 1)
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is zero."""
    if a is None or not b:
        return None
    return round(a / b, 2)
