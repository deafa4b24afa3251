"""A phone takes its own note back; nobody, the database included, can link two notes to it."""

import secrets

import pytest
from helpers import received
from sqlalchemy import text

from facilitate.models import NoteRow


@pytest.fixture
def notes_phase(console):
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    return console


def post(phone, words: str, secret: str | None = None) -> dict:
    payload = {"text": words} | ({"secret": secret} if secret else {})
    return phone.emit("note_add", payload, callback=True)["note"]


def test_the_writer_withdraws_its_note_and_nobody_else_can(
    notes_phase, phone, board, connect, workshop
):
    mine = secrets.token_urlsafe(24)
    note = post(phone, "Je regrette d'avoir écrit ça", mine)
    other = connect({"code": workshop["code"], "role": "participant"})
    refused = other.emit(
        "note_withdraw", {"note_id": note["id"], "secret": "x" * 32}, callback=True
    )
    assert refused["error"]["code"] == "not_your_note"
    received(board)
    assert phone.emit("note_withdraw", {"note_id": note["id"], "secret": mine}, callback=True)["ok"]
    [(_, gone)] = received(board, "note_hidden")
    assert gone["note_id"] == note["id"]
    assert board.emit("sync", {}, callback=True)["state"]["notes"] == []
    again = phone.emit("note_withdraw", {"note_id": note["id"], "secret": mine}, callback=True)
    assert again["error"]["code"] == "unknown_note"


def test_a_note_without_a_secret_cannot_be_withdrawn(notes_phase, phone):
    note = post(phone, "Sans secret")
    ack = phone.emit("note_withdraw", {"note_id": note["id"], "secret": "y" * 32}, callback=True)
    assert ack["error"]["code"] == "not_your_note"


@pytest.mark.parametrize("secret", ["court", 12, "z" * 201])
def test_a_bad_secret_is_refused_and_the_note_not_stored(notes_phase, phone, secret):
    ack = phone.emit("note_add", {"text": "x", "secret": secret}, callback=True)
    assert ack["error"]["code"] == "invalid_payload"
    assert notes_phase.emit("sync", {}, callback=True)["state"]["notes"] == []


def test_two_notes_of_one_phone_share_nothing_in_the_database(app, notes_phase, phone):
    post(phone, "Premier", secrets.token_urlsafe(24))
    post(phone, "Second", secrets.token_urlsafe(24))
    store = app.extensions["facilitate"].store
    with store.engine.connect() as db:
        rows = db.execute(text("SELECT * FROM notes")).mappings().all()
    assert set(rows[0]) == {c.name for c in NoteRow.__table__.columns}
    first, second = ({k: v for k, v in r.items() if k not in ("id", "text")} for r in rows)
    differ = {k for k in first if first[k] != second[k]}
    assert differ == {"sort_key", "withdraw_digest"}  # both drawn at random, per note
    notes_phase.emit("session_close", {}, callback=True)
    with store.engine.connect() as db:
        assert db.execute(text("SELECT withdraw_digest FROM notes")).scalars().all() == [None] * 2
