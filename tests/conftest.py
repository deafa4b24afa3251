"""Fixtures: an app per test on a real database (SQLite file and PostgreSQL), clients, phones."""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
import socketio as python_socketio
from sqlalchemy import text

from bench.servers import Facilitate, free_port, throwaway_postgres
from facilitate.app import create_app, socketio
from facilitate.models import Base

POSTGRES = os.environ.get("FACILITATE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    try:
        with throwaway_postgres(POSTGRES, "facilitate_test") as url:
            yield url
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES}: {error}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test that touches storage runs on both backends the product supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url, tmp_path):
    """A fresh app on an empty database; batches to phones only go out when a test flushes."""
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "BATCH_SECONDS": 3600,
            "TESTING": True,
        }
    )
    store = app.extensions["facilitate"].store
    if store.engine.dialect.name == "postgresql":  # one database per run: empty it per test
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with store.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield app
    store.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def workshop(client):
    """A workshop opened through the API, as a facilitator would."""
    response = client.post("/api/sessions", json={"kit": "atelier-court", "title": "Atelier test"})
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def connect(app):
    """Make Socket.IO test clients; each is disconnected at the end of the test."""
    made = []

    def make(join: dict | None = None):
        sio = socketio.test_client(app, flask_test_client=app.test_client())
        made.append(sio)
        if join is not None:
            ack = sio.emit("join", join, callback=True)
            assert ack["ok"], ack
            sio.ack = ack
            sio.get_received()
        return sio

    yield make
    for sio in made:
        if sio.is_connected():
            sio.disconnect()


@pytest.fixture
def phone(connect, workshop):
    """A participant's phone that has joined the workshop."""
    return connect({"code": workshop["code"], "role": "participant"})


@pytest.fixture
def board(connect, workshop):
    return connect({"code": workshop["code"], "role": "board"})


@pytest.fixture
def console(connect, workshop):
    key = workshop["facilitator_key"]
    return connect({"code": workshop["code"], "role": "facilitator", "key": key})


class LiveServer(Facilitate):
    """The real `facilitate serve` (eventlet) in a subprocess, on its own data folder."""

    def open_session(self, kit: str = "atelier-court", title: str = "Atelier en direct") -> dict:
        return super().open_session(kit, title)


@pytest.fixture
def live_server(tmp_path):
    """A running real server on the embedded SQLite; stopped at the end of the test."""
    server = LiveServer(tmp_path, free_port()).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_live_server(request, tmp_path):
    """A running real server on each database the product supports."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    server = LiveServer(tmp_path, free_port(), url).start()
    yield server
    server.stop()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright's own browser download cannot reach its host here."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("Chromium is missing: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(autouse=True)
def no_client_outlives_its_test(monkeypatch):
    """Stop every python-socketio client a test made, whatever happened in the test.

    A client left behind keeps trying to reconnect once its server is stopped, in a thread of
    its own that draws on `random` for its delays: it then trips Hypothesis in later tests
    ("Do not use the random module inside strategies").
    """
    made = []
    build = python_socketio.Client.__init__

    def tracked(self, *args, **kwargs):
        build(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(python_socketio.Client, "__init__", tracked)
    yield
    for client in made:
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001 - best effort: the test's outcome is already known
            pass


class FrenchFirst:
    """The browser, with pages in French unless a test asks otherwise: Playwright's Chromium
    asks for English (en-US) by default, and the product speaks the visitor's language."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("locale", "fr-FR")
        return self._browser.new_context(**options)

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser(browser):
    return FrenchFirst(browser)


@pytest.fixture
def screenshot():
    """Save a page's screenshot under test-artifacts/, to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


# axe-core, the accessibility engine, from the npm registry (pinned): fetched once into .cache/.
AXE_VERSION = "4.14.1"
AXE_DIR = Path(__file__).resolve().parent.parent / ".cache" / f"axe-core-{AXE_VERSION}"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: apt-get install -y npm (axe-core comes from it)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """`axe(page)`: the WCAG 2.1 A and AA violations of the page as it is now, serious or worse.

    Returns a list of `(rule id, impact, first offending element)`, empty when the page passes.
    The script is evaluated in the page (not added as a <script>: the pages' CSP forbids that).
    """

    def check(page, include: str | None = None) -> list[tuple[str, str, str]]:
        # A note fading in is checked at its final colours, not halfway through its fade.
        # (Polled from here: the pages' CSP forbids the eval that wait_for_function needs.)
        settled = """() => document.getAnimations().every((a) => a.playState !== "running"
            || a.effect?.getTiming().iterations === Infinity)"""
        for _ in range(50):
            if page.evaluate(settled):
                break
            page.wait_for_timeout(100)
        page.evaluate(axe_source)
        result = page.evaluate(
            """async ([include, tags]) => {
                const context = include ? { include: [include] } : document;
                return await axe.run(context, { runOnly: { type: "tag", values: tags } });
            }""",
            [include, AXE_TAGS],
        )
        return [
            (v["id"], v["impact"], v["nodes"][0]["html"][:160])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check
