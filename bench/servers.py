"""The servers under test, each in its own subprocess on 127.0.0.1, and what we read from them."""

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILES_WANTED = 65536  # 1,000 phones need 1,000+ sockets on each side of the loopback


def raise_open_files_limit() -> int:
    """Raise RLIMIT_NOFILE as far as the hard limit allows; subprocesses inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FILES_WANTED if hard == resource.RLIM_INFINITY else min(FILES_WANTED, hard)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return max(wanted, soft)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_postgres(server: str, prefix: str = "facilitate_bench") -> Iterator[str]:
    """A new PostgreSQL database on `server` (`postgresql://user@host:port`), dropped after."""
    import psycopg  # only runs that ask for PostgreSQL need it reachable

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def rss_kb(pid: int) -> int:
    """The resident memory of a process, in KB, from /proc (no psutil needed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server subprocess that can be killed (SIGKILL, as a crash) and started again."""

    name = "server"

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.data_dir / f"{self.name}.log"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # callers may add to it before start
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def urls(self) -> list[str]:
        """Where phones may connect: one address here, one per process in a `Cluster`."""
        return [self.url]

    def start(self, timeout: float = 20) -> "Server":
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start in {timeout} s")

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def open_session(self) -> dict:
        """A workshop to drive: its code and the facilitator's key."""
        return {"code": "BENCH1", "facilitator_key": "bare"}


class Facilitate(Server):
    """`python -m facilitate serve` (eventlet) on its own data folder: the embedded SQLite, or
    `database_url`. The test suite's live server too (tests/conftest.py)."""

    name = "facilitate"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        database_url: str | None = None,
        redis_url: str | None = None,
    ):
        super().__init__(data_dir, port)
        self.env["FACILITATE_DATA_DIR"] = str(self.data_dir)
        self.env["FACILITATE_SECRET_KEY"] = "bench-secret"
        if database_url:
            self.env["FACILITATE_DATABASE_URL"] = database_url
        if redis_url:
            self.env["FACILITATE_REDIS_URL"] = redis_url

    def command(self) -> list[str]:
        port = str(self.port)
        return [sys.executable, "-m", "facilitate", "serve", "--host", "127.0.0.1", "--port", port]

    def open_session(self, kit: str = "atelier-court", title: str = "Banc d'essai") -> dict:
        """Open a workshop through the HTTP API; its links and facilitator key."""
        body = json.dumps({"kit": kit, "title": title}).encode()
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + "/api/sessions", body, headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


class Bare(Server):
    """The bare Flask-SocketIO app of bench/bare.py: the same stack with no application logic."""

    name = "bare"

    def __init__(
        self, data_dir: Path, port: int | None = None, redis_url: str | None = None
    ) -> None:
        super().__init__(data_dir, port)
        self.env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        self.redis_url = redis_url

    def command(self) -> list[str]:
        queue = ["--redis", self.redis_url] if self.redis_url else []
        return [sys.executable, "-m", "bench.bare", "--port", str(self.port), *queue]


class Cluster:
    """Several processes of one server on one message queue, as behind a proxy with no sticky
    sessions: phones are dealt among `urls`. Read as one server: CPU and memory add up, and a
    crash kills them all."""

    def __init__(self, members: list[Server]) -> None:
        self.members = members
        self.name = members[0].name
        self.url = members[0].url

    @property
    def urls(self) -> list[str]:
        return [member.url for member in self.members]

    @property
    def pid(self) -> tuple[int, ...]:
        return tuple(member.pid for member in self.members)

    def start(self) -> "Cluster":
        for member in self.members:
            member.start()
        return self

    def stop(self) -> None:
        for member in self.members:
            member.stop()

    def kill(self) -> None:
        for member in self.members:
            member.kill()

    def rss_kb(self) -> int:
        return sum(member.rss_kb() for member in self.members)

    def cpu_seconds(self) -> float:
        return sum(member.cpu_seconds() for member in self.members)

    def open_session(self) -> dict:
        return self.members[0].open_session()
