"""Fixtures: an app per test on a real database (SQLite file and PostgreSQL), clients, phones."""

import os
import uuid

import psycopg
import pytest

from facilitate.app import create_app, socketio
from facilitate.store import Base

POSTGRES = os.environ.get("FACILITATE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    name = f"facilitate_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES}: {error}")
    admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@{POSTGRES.split('@', 1)[1]}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


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
        Base.metadata.drop_all(store.engine)
        Base.metadata.create_all(store.engine)
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
