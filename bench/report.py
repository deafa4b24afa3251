"""Printing the figures: a text table per N, the machine, and an SVG plot of projector p99."""

import os
import platform
import sys
from html import escape

from .stats import ratio


def machine() -> dict:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
    }


def _triple(s: dict | None) -> str:
    if not s or not s.get("count"):
        return "-"
    return f"{s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}"


def _errors(errors: dict) -> str:
    return ",".join(f"{k}:{v}" for k, v in sorted(errors.items())) or "0"


def _lost_dup(r: dict) -> str:
    if "lost" not in r:
        return "-"
    return f"{r['lost']}/{r['duplicated']}"


def row(scenario: str, server: str, r: dict) -> str:
    if "failed" in r:
        return f"{scenario:<10}{server:<11}FAILED: {r['failed']}"
    extra = []
    if "join_total_s" in r:
        extra.append(f"all joined in {r['join_total_s']} s, {r['kb_per_phone']} KB/phone")
    if "recovery_s" in r:
        extra.append(f"recovered in {r['recovery_s']} s, new tokens {r['new_tokens']}")
    if r.get("tables"):
        extra.append(f"{r['tables']} tables")
    if "server_cpu_ms_per_write" in r:
        extra.append(f"server CPU {r['server_cpu_ms_per_write']} ms/write")
    if r.get("unseen"):
        extra.append(f"unseen on projector {r['unseen']}")
    return (
        f"{scenario:<10}{server:<11}{_triple(r.get('projector')):>18}{_triple(r.get('phones')):>18}"
        f"{_triple(r.get('ack')):>18}{r.get('throughput') or '-':>9}  {_lost_dup(r):>8}  "
        f"{_errors(r.get('errors', {}))}  {'; '.join(extra)}"
    )


def p99(result: dict | None, key: str = "projector") -> float | None:
    return ((result or {}).get(key) or {}).get("p99")


def table(run: dict) -> str:
    """One N: a line per scenario and server, then the ratio facilitate/bare of projector p99."""
    processes = run.get("processes", 1)
    where = f" on {processes} processes" if processes > 1 else ""
    where += (
        f", facilitate on {run['database']}" if run.get("database", "sqlite") != "sqlite" else ""
    )
    head = (
        f"\nN = {run['phones']} phones{where}; latencies p50/p95/p99 in ms\n"
        f"{'scenario':<10}{'server':<11}{'projector':>18}{'phones':>18}{'ack':>18}"
        f"{'writes/s':>9}  {'lost/dup':>8}  errors"
    )
    lines = [head]
    servers = run["servers"]
    for scenario in next(iter(servers.values())):
        for name, results in servers.items():
            lines.append(row(scenario, name, results[scenario]))
        fac, bare = servers.get("facilitate", {}), servers.get("bare", {})
        key = "ack" if scenario == "join" else "projector"
        r = ratio(p99(fac.get(scenario), key), p99(bare.get(scenario), key))
        if r is not None:
            lines.append(f"{'':<10}{'ratio':<11}{key} p99 facilitate/bare = {r}")
    return "\n".join(lines)


def clean(runs: list[dict]) -> bool:
    """Whether facilitate lost and duplicated nothing anywhere."""
    for run in runs:
        for result in run["servers"].get("facilitate", {}).values():
            if "failed" in result or result.get("lost") or result.get("duplicated"):
                return False
    return True


def svg(runs: list[dict], scenario: str = "notes", width: int = 640, height: int = 400) -> str:
    """Projector p99 against N for each server, as a small hand-made SVG line chart."""
    series = {}
    for run in runs:
        for name, results in run["servers"].items():
            value = p99(results.get(scenario))
            if value is not None:
                series.setdefault(name, []).append((run["phones"], value))
    left, right, top, bottom = 70, 20, 40, 50
    xs = [n for points in series.values() for n, _ in points] or [1]
    ys = [v for points in series.values() for _, v in points] or [1]
    x_max, y_max = max(xs), max(ys) * 1.1 or 1

    def x(n: float) -> float:
        return left + (width - left - right) * n / x_max

    def y(v: float) -> float:
        return height - bottom - (height - top - bottom) * v / y_max

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">'
        f"Projector p99 latency, {escape(scenario)} scenario (ms) against phones</text>",
        f'<line x1="{left}" y1="{y(0)}" x2="{width - right}" y2="{y(0)}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0)}" stroke="black"/>',
    ]
    for i in range(6):  # horizontal grid lines and their labels
        v = y_max * i / 5
        parts.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">'
            f"{v:.0f}</text>"
        )
    for n in sorted(set(xs)):
        parts.append(f'<text x="{x(n):.1f}" y="{y(0) + 18}" text-anchor="middle">{n}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle">phones (N)</text>')
    colours = {"facilitate": "#c0392b", "bare": "#2471a3"}
    for k, (name, points) in enumerate(sorted(series.items())):
        colour = colours.get(name, "#555")
        path = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in sorted(points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, v in points:
            parts.append(
                f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
                f'<text x="{x(n) + 5:.1f}" y="{y(v) - 6:.1f}" fill="{colour}">{v:.0f}</text>'
            )
        parts.append(
            f'<text x="{left + 10}" y="{top + 15 + 16 * k}" fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
