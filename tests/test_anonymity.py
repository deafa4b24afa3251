"""Anonymity, from every side: what each role receives during a whole scripted session, and what
the database still holds once the session is closed."""

import json
import re
import secrets

import pytest
from sqlalchemy import inspect, text

from facilitate.models import Base

# Keys that would tell who, when or from where; "timer" carries seconds left, never a clock.
TELLING_KEYS = {
    "author",
    "participant",
    "participant_id",
    "user",
    "ip",
    "address",
    "user_agent",
    "created",
    "created_at",
    "time",
    "timestamp",
    "ends_at",
    "sort_key",
    "withdraw_digest",
    "secret",
}


def walk(value):
    """Every (key, value) pair at any depth."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


class Recorder:
    """A test client whose every ack and every message received is kept, per role."""

    def __init__(self, sio, role: str) -> None:
        self.sio, self.role, self.seen = sio, role, []

    def emit(self, event: str, payload: dict) -> dict:
        ack = self.sio.emit(event, payload, callback=True)
        self.seen.append((f"ack:{event}", ack))
        self.collect()
        return ack

    def collect(self) -> None:
        for message in self.sio.get_received():
            self.seen.append((message["name"], message["args"][0] if message["args"] else None))


@pytest.fixture
def scripted(app, client, connect):
    """A session from the first note to the published minutes, every screen recorded."""
    links = client.post("/api/sessions", json={"kit": "atelier-court", "title": "Nuit"}).get_json()
    code, key = links["code"], links["facilitator_key"]
    console = Recorder(connect(), "facilitator")
    board = Recorder(connect(), "board")
    phones = [Recorder(connect(), "participant") for _ in range(3)]
    console.emit("join", {"code": code, "role": "facilitator", "key": key})
    board.emit("join", {"code": code, "role": "board"})
    tokens = [p.emit("join", {"code": code, "role": "participant"})["token"] for p in phones]
    pusher = app.extensions["facilitate"].pusher
    everyone = [console, board, *phones]

    def tick():
        pusher.flush()
        for screen in everyone:
            screen.collect()

    console.emit("phase_set", {"phase": "idees"})
    console.emit("notes_hold_set", {"hold": True})
    ids = []
    for n, phone in enumerate(phones):
        note = {"text": f"Idée {n}", "secret": secrets.token_urlsafe(24)}
        ids.append(phone.emit("note_add", note)["note"]["id"])
    tick()
    console.emit("notes_reveal", {})
    console.emit("phase_set", {"phase": "themes"})
    console.emit("theme_create", {"title": "Le temps", "note_ids": ids[:2]})
    console.emit("phase_set", {"phase": "gommettes"})
    for phone in phones:
        phone.emit("vote_cast", {"note_id": ids[2]})
    tick()
    before_reveal = {id(s): len(s.seen) for s in everyone}
    console.emit("votes_reveal", {})
    console.emit("phase_set", {"phase": "grille"})
    row = phones[0].emit("grid_set", {"row": None, "column": "situation", "text": "Relève"})
    phones[1].emit("grid_set", {"row": row["row"], "column": "effets", "text": "Fatigue"})
    console.emit("action_save", {"what": "Tester", "owner": "le trinôme"})
    tick()
    console.emit("session_close", {})
    console.emit("minutes_publish", {})
    tick()
    return {
        "screens": everyone,
        "phones": phones,
        "tokens": tokens,
        "before_reveal": before_reveal,
        "store": app.extensions["facilitate"].store,
        "minutes": client.get(f"/api/sessions/{code}/minutes.json").get_json(),
    }


def test_no_screen_receives_a_telling_key_or_a_clock(scripted):
    for screen in scripted["screens"]:
        assert screen.seen, screen.role
        for name, payload in screen.seen:
            for key, value in walk(payload):
                assert key not in TELLING_KEYS, (screen.role, name, key)
                # A number that looks like a clock (seconds since 1970) would date a contribution.
                if isinstance(value, int | float) and not isinstance(value, bool):
                    assert abs(value) < 1_000_000_000, (screen.role, name, key, value)


def test_a_phones_token_goes_to_that_phone_alone_and_only_once(scripted):
    for token, phone in zip(scripted["tokens"], scripted["phones"], strict=True):
        for screen in scripted["screens"]:
            mentions = [name for name, p in screen.seen if token in json.dumps(p)]
            assert mentions == (["ack:join"] if screen is phone else []), screen.role


def test_before_the_reveal_no_screen_holds_a_count(scripted):
    for screen in scripted["screens"]:
        for name, payload in screen.seen[: scripted["before_reveal"][id(screen)]]:
            keys = {key for key, _ in walk(payload)}
            assert not keys & {"votes", "tally", "counts", "ranking"}, (screen.role, name)


def test_after_the_close_nothing_in_the_database_ties_anything_to_a_phone(scripted):
    store = scripted["store"]
    names = {t.name for t in Base.metadata.sorted_tables}
    assert set(inspect(store.engine).get_table_names()) >= names
    with store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM participants")).scalar() == 0
        assert db.execute(text("SELECT count(*) FROM dots")).scalar() == 0
        digests = db.execute(text("SELECT withdraw_digest FROM notes")).scalars().all()
        assert digests == [None] * 3
        rows = {name: db.execute(text(f"SELECT * FROM {name}")).mappings().all() for name in names}
    for token in scripted["tokens"]:
        assert token not in json.dumps(rows, default=str)
    # What is left has no column that could point at a person or a moment.
    columns = {c["name"] for name in names for c in inspect(store.engine).get_columns(name)}
    suspicious = {c for c in columns if re.search(r"author|user|ip\b|agent|created|_at$", c)}
    assert suspicious == {"timer_ends_at"}  # the phase timer's end, only while it runs
    assert [w["timer_ends_at"] for w in rows["workshops"]] == [None]
    assert scripted["minutes"]["participants"] == 3  # the count survives, nothing else


def test_no_page_or_event_keeps_a_session_of_the_browser(app, client, workshop, phone):
    """Flask's session is never opened: no signed cookie follows a phone from page to page."""
    import flask

    for path in ("/", f"/j/{workshop['code']}", f"/b/{workshop['code']}"):
        response = client.get(path)
        assert response.status_code == 200
        assert "session=" not in response.headers.get("Set-Cookie", "")
    assert phone.emit("note_add", {"text": "Une idée"}, callback=True)["ok"]
    with app.test_request_context("/"), pytest.raises(RuntimeError):
        flask.session["who"] = "anyone"  # a write would fail loudly, not set a cookie
