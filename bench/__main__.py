"""python -m bench --phones N [N ...] --scenario all|join|notes|votes|grid|reconnect [--json OUT]

For each N, starts facilitate and the bare server in turn (subprocesses on free ports, a temporary
data folder each), runs the scenarios against both, prints the figures and facilitate/bare.
With --processes K > 1, each is K processes on one Redis queue (facilitate on a throwaway
PostgreSQL database) and the phones are dealt among them.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from . import report, scenarios
from .servers import Bare, Cluster, Facilitate, raise_open_files_limit, throwaway_postgres

ORDER = ("join", "notes", "votes", "grid", "reconnect")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--phones", type=int, nargs="+", default=[50], help="N, one run each")
    parser.add_argument("--scenario", choices=("all", *ORDER), default="all")
    parser.add_argument("--sample", type=int, default=5, help="phones that log their batches")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds the join storm spans")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds allowed per step")
    parser.add_argument(
        "--table-size", type=int, default=10, help="phones per table in the grid (0: one grid)"
    )
    parser.add_argument("--servers", default="facilitate,bare", help="which servers to drive")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes on one Redis queue"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        help="facilitate's database (sqlite for one process, else postgresql)",
    )
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--svg", type=Path, help="plot projector p99 against N to this file")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    if args.processes > 1 and args.database == "sqlite":
        parser.error("several processes share a PostgreSQL database, not SQLite")
    args.database = args.database or ("postgresql" if args.processes > 1 else "sqlite")
    return args


def chosen(scenario: str) -> list[str]:
    """The join storm always runs: it is how the phones get into the room."""
    return (
        list(ORDER) if scenario == "all" else ["join", scenario] if scenario != "join" else ["join"]
    )


async def drive(server, args, phones: int) -> dict:
    """Run the chosen scenarios on one running server."""
    sample = min(args.sample, phones)
    run = scenarios.Run(server, phones, sample, args.ramp, args.budget, args.table_size)
    results = {}
    try:
        await run.open()
        for name in chosen(args.scenario):
            print(f"  {server.name}: {name}...", file=sys.stderr, flush=True)
            pid, cpu = server.pid, server.cpu_seconds()
            try:
                results[name] = await scenarios.SCENARIOS[name](run)
                if server.pid == pid:  # the reconnect storm restarts the server: no figure
                    _cpu_per_write(results[name], server.cpu_seconds() - cpu)
            except Exception as error:  # noqa: BLE001  keep the figures of the other scenarios
                results[name] = {"failed": repr(error)}
    finally:
        await run.close()
    return results


def _cpu_per_write(result: dict, cpu: float) -> None:
    """The server's CPU time over the scenario (settling included), per write sent."""
    writes = result.get("sent") or result.get("joined")
    if writes and "server_cpu_ms_per_write" not in result:  # a scenario may measure its own
        result["server_cpu_ms_per_write"] = round(cpu * 1000 / writes, 3)


def bench_one(kind, args, phones: int) -> dict:
    with ExitStack() as stack:
        folder = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{kind.name}-"))
        )
        server = _servers(kind, args, folder, stack).start()
        try:
            return asyncio.run(drive(server, args, phones))
        finally:
            server.stop()


def _servers(kind, args, folder: Path, stack: ExitStack):
    """One server, or `--processes` of them on one queue (and, for facilitate, one database)."""
    options = {"redis_url": args.redis} if args.processes > 1 else {}
    if kind is Facilitate and args.database == "postgresql":
        options["database_url"] = stack.enter_context(throwaway_postgres(args.postgres))
    members = []
    for i in range(args.processes):
        (folder / str(i)).mkdir()
        members.append(kind(folder / str(i), **options))
    return members[0] if args.processes == 1 else Cluster(members)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    limit = raise_open_files_limit()
    kinds = [k for k in (Facilitate, Bare) if k.name in args.servers.split(",")]
    runs = []
    for phones in args.phones:
        print(f"N = {phones} phones (open files limit {limit})", file=sys.stderr, flush=True)
        run = {"phones": phones, "servers": {k.name: bench_one(k, args, phones) for k in kinds}}
        run |= {"processes": args.processes, "database": args.database}
        runs.append(run)
        print(report.table(run), flush=True)
    output = {"machine": report.machine(), "runs": runs}
    if args.json:
        args.json.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n")
    if args.svg:
        args.svg.write_text(report.svg(runs))
    return 0 if report.clean(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
