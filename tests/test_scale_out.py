"""Several server processes on one Redis message queue and one PostgreSQL database."""

import os
import threading
import time

import pytest
import redis
import socketio
from conftest import LiveServer, free_port
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow]
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_servers(tmp_path, postgres_url):
    """Two real servers, as behind a proxy: same database, same queue, same secret."""
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    servers = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        server = LiveServer(folder, free_port(), postgres_url)
        server.env["FACILITATE_REDIS_URL"] = REDIS
        servers.append(server.start())
    yield servers
    for server in servers:
        server.stop()


def client(server: LiveServer, join: dict) -> socketio.Client:
    sio = socketio.Client()
    sio.connect(server.url, transports=["websocket"], wait_timeout=5)
    ack = sio.call("join", join, timeout=5)
    assert ack["ok"], ack
    sio.ack = ack
    return sio


def test_a_note_posted_on_one_process_reaches_a_projector_on_the_other(two_servers):
    a, b = two_servers
    links = a.open_session()
    code, key = links["code"], links["facilitator_key"]
    console = client(b, {"code": code, "role": "facilitator", "key": key})
    console.call("phase_set", {"phase": "idees"})
    seen = threading.Event()
    board = socketio.Client()
    board.on(
        "note_added", lambda payload: seen.set() if payload["note"]["text"] == "Via A" else None
    )
    board.connect(b.url, transports=["websocket"])
    assert board.call("join", {"code": code, "role": "board"}, timeout=5)["ok"]
    phone = client(a, {"code": code, "role": "participant"})
    assert phone.call("note_add", {"text": "Via A"}, timeout=5)["ok"]
    assert seen.wait(5), "the board on process B never heard of the note posted on A"
    for sio in (console, board, phone):
        sio.disconnect()


def test_votes_cast_on_both_processes_add_up_exactly(two_servers):
    a, b = two_servers
    links = a.open_session()
    code, key = links["code"], links["facilitator_key"]
    console = client(a, {"code": code, "role": "facilitator", "key": key})
    console.call("phase_set", {"phase": "idees"})
    writer = client(b, {"code": code, "role": "participant"})
    note_id = writer.call("note_add", {"text": "Des pauses"}, timeout=5)["note"]["id"]
    console.call("phase_set", {"phase": "gommettes"})
    phones = [client(server, {"code": code, "role": "participant"}) for server in (a, b) * 3]
    threads = [
        threading.Thread(
            target=lambda p=p: [p.call("vote_cast", {"note_id": note_id}) for _ in range(4)]
        )
        for p in phones
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    reveal = console.call("votes_reveal", {}, timeout=5)
    assert reveal["voters"] == 6
    assert reveal["ranking"] == [{"note_id": note_id, "text": "Des pauses", "rank": 1, "votes": 18}]
    for sio in (console, writer, *phones):
        sio.disconnect()


def test_a_vote_on_one_process_reaches_the_board_and_the_console_on_the_other(two_servers):
    """What the two screens see alike goes out as one packet to both rooms, through Redis."""
    a, b = two_servers
    links = a.open_session()
    code, key = links["code"], links["facilitator_key"]
    heard = {"board": threading.Event(), "facilitator": threading.Event()}
    screens = []
    for role, extra in (("facilitator", {"key": key}), ("board", {})):
        screen = socketio.Client()
        screen.on("votes_progress", lambda p, role=role: p["voters"] == 1 and heard[role].set())
        screen.connect(b.url, transports=["websocket"])
        assert screen.call("join", {"code": code, "role": role, **extra}, timeout=5)["ok"]
        screens.append(screen)
    console = screens[0]
    console.call("phase_set", {"phase": "idees"})
    phone = client(a, {"code": code, "role": "participant"})
    note_id = phone.call("note_add", {"text": "Des pauses"}, timeout=5)["note"]["id"]
    console.call("phase_set", {"phase": "gommettes"})
    assert phone.call("vote_cast", {"note_id": note_id}, timeout=5)["ok"]
    assert heard["board"].wait(5) and heard["facilitator"].wait(5)
    for sio in (*screens, phone):
        sio.disconnect()


def test_phones_hear_of_changes_committed_on_the_other_process(two_servers):
    a, b = two_servers
    links = a.open_session()
    code, key = links["code"], links["facilitator_key"]
    console = client(a, {"code": code, "role": "facilitator", "key": key})
    console.call("phase_set", {"phase": "grille"})
    batches = []
    listener = socketio.Client()
    listener.on("batch", batches.append)
    listener.connect(a.url, transports=["websocket"])
    assert listener.call("join", {"code": code, "role": "participant"}, timeout=5)["ok"]
    writer = client(b, {"code": code, "role": "participant"})
    cell = {"row": None, "column": "situation", "text": "Écrit sur B"}
    assert writer.call("grid_set", cell, timeout=5)["ok"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
        c.get("contribution", {}).get("text") == "Écrit sur B"
        for p in batches
        for c in p["changes"]
    ):
        time.sleep(0.05)
    [from_b] = [p for p in batches if p["changes"] and p["changes"][0]["type"] == "grid_added"]
    assert from_b["process"] and from_b["since"] < from_b["rev"]
    for sio in (console, listener, writer):
        sio.disconnect()


def test_a_table_on_one_process_hears_what_is_written_there_on_the_other(two_servers):
    a, b = two_servers
    links = a.open_session("cluster-j2")
    code, key = links["code"], links["facilitator_key"]
    console = client(a, {"code": code, "role": "facilitator", "key": key})
    assert console.call("phase_set", {"phase": "grille"}, timeout=5)["ok"]
    heard = []
    listener = socketio.Client()
    listener.on("grid_batch", heard.append)
    listener.connect(a.url, transports=["websocket"])
    join = {"code": code, "role": "participant", "tables": {"grille": "t2"}}
    assert listener.call("join", join, timeout=5)["ok"]
    writer = client(b, {"code": code, "role": "participant"})
    for table, text in (("t1", "Autre table"), ("t2", "Écrit sur B, table 2")):
        cell = {"row": None, "column": "situation", "text": text, "group": table}
        assert writer.call("grid_set", cell, timeout=5)["ok"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not heard:
        time.sleep(0.05)
    time.sleep(1.2)  # a later tick would bring the other table's change, if it were sent
    texts = [c["contribution"]["text"] for p in heard for c in p["changes"]]
    assert texts == ["Écrit sur B, table 2"]
    assert heard[0]["table"] == "t2" and heard[0]["process"]
    for sio in (console, listener, writer):
        sio.disconnect()


@pytest.mark.browser
def test_a_projector_counts_the_phones_of_every_process(two_servers, browser):
    a, b = two_servers
    links = a.open_session()
    board = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    board.goto(links["board_url"])
    phones = []
    for server in (a, b):
        phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        phone.goto(f"{server.url}/j/{links['code']}")
        phones.append(phone)
    expect(board.get_by_text("2 participants connectés")).to_be_visible(timeout=10_000)
    console = client(
        b, {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    )
    console.call("phase_set", {"phase": "idees"})
    for phone in phones:  # the step changed on B reaches a phone on A at once
        expect(phone.get_by_text("Ce que nous vivons au travail").first).to_be_visible()
    console.disconnect()
