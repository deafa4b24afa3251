"""The load generator works end to end at a small N: every scenario, both servers.

Not a timed test: it asserts that the bench measures and that nothing is lost or duplicated,
never how fast anything is.
"""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench import report, stats

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow]

PHONES = 10
SCENARIOS = ("join", "notes", "votes", "grid", "reconnect")


@pytest.fixture(scope="module", params=[1, 2], ids=["one-process", "two-processes"])
def figures(request, tmp_path_factory):
    """One real run of `python -m bench` on every scenario, against facilitate and bare: one
    process on SQLite, then two on the machine's Redis and a throwaway PostgreSQL database."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    command = [sys.executable, "-m", "bench", "--phones", str(PHONES), "--json", str(out)]
    command += ["--processes", str(request.param)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio" in done.stdout  # the table was printed, with facilitate/bare
    figures = json.loads(out.read_text())
    [run] = figures["runs"]
    assert (run["processes"], run["database"]) == (
        (1, "sqlite") if request.param == 1 else (2, "postgresql")
    )
    return figures


def results(figures: dict, server: str) -> dict:
    [run] = figures["runs"]
    assert run["phones"] == PHONES
    return run["servers"][server]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_facilitate_loses_and_duplicates_nothing(figures, scenario):
    r = results(figures, "facilitate")[scenario]
    assert r["projector"]["count"] > 0 and r["projector"]["p99"] is not None
    assert r["ack"]["p99"] is not None
    if scenario == "join":
        assert r["joined"] == PHONES and r["errors"] == {}
        assert r["rss_after_kb"] > 0 and r["kb_per_phone"] is not None
        return
    assert r["acked"] == r["sent"]
    assert r["lost"] == 0 and r["duplicated"] == 0
    assert r["throughput"] > 0
    if scenario == "reconnect":  # after the crash a phone may be told to join again, no more
        assert set(r["errors"]) <= {"not_joined"}
        assert r["recovered_phones"] == PHONES and r["recovery_s"] > 0
        assert r["new_tokens"] == 0  # every phone kept its identity
    else:
        assert r["errors"] == {}
        assert r["unseen"] == 0 and r["duplicated_on_projector"] == 0
    if scenario == "votes":
        assert r["voters_counted"] == r["voters_expected"] == PHONES
    if scenario == "grid":
        assert r["phones"]["count"] > 0  # the sampled phones got the entries in their batches


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_bare_server_runs_the_same_scenarios(figures, scenario):
    r = results(figures, "bare")[scenario]
    assert r["ack"]["count"] > 0 and r["errors"] == {}
    if scenario in ("notes", "votes", "grid"):
        assert r["acked"] == r["sent"] and r["projector"]["count"] == r["acked"]


def test_the_plot_is_an_svg_with_both_servers(figures):
    svg = report.svg(figures["runs"])
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "facilitate" in svg and "bare" in svg


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]  # 1 ms to 100 ms
    s = stats.summary(values)
    assert (s["p50"], s["p95"], s["p99"], s["max"], s["count"]) == (50, 95, 99, 100, 100)
    assert stats.summary([])["p99"] is None
    assert stats.ratio(3, 0) is None and stats.ratio(3, 2) == 1.5
