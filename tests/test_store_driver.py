"""The hot paths run directly (store_driver.py) behave as through SQLAlchemy, on both backends."""

import threading

import psycopg
import pytest
from sqlalchemy import DateTime, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from facilitate.store_core import (
    DOTS,
    INSERT_DOT,
    INSERT_PARTICIPANT,
    PARTICIPANTS,
    WORKSHOP_STATE,
    WORKSHOPS,
)
from facilitate.store_driver import Prepared


def _store(app):
    return app.extensions["facilitate"].store


def test_rows_read_directly_are_those_sqlalchemy_reads(app, workshop):
    store = _store(app)
    with store.driver.connect() as db:
        direct = db.execute(WORKSHOP_STATE, {"code": workshop["code"]}).one_or_none()
    with store.engine.connect() as db:
        through = db.execute(WORKSHOP_STATE, {"code": workshop["code"]}).one()
    assert tuple(direct) == tuple(through)
    assert direct.closed is False  # a bool, though SQLite keeps an integer


def test_a_phone_that_rejoins_reads_its_choice_back_as_a_boolean(connect, workshop):
    phone = connect({"code": workshop["code"], "role": "participant"})
    assert phone.emit("volunteer_set", {"volunteer": True}, callback=True)["ok"]
    again = connect({"code": workshop["code"], "role": "participant", "token": phone.ack["token"]})
    assert again.ack["volunteer"] is True


def test_a_second_insert_of_one_key_raises_sqlalchemys_integrity_error(app, workshop, phone):
    store = _store(app)
    with store.driver.connect() as db:
        state = db.execute(WORKSHOP_STATE, {"code": workshop["code"]}).one()
        participant = db.execute(select(PARTICIPANTS.c.id), {}).scalar_one()
    dot = {
        "workshop_id": state.id,
        "id": "d1",
        "phase": "gommettes",
        "participant_id": participant,
        "target": "note:x",
    }
    with store.driver.begin() as db:
        db.execute(INSERT_DOT, dot)
    with pytest.raises(IntegrityError), store.driver.begin() as db:
        db.execute(INSERT_DOT, {**dot, "target": "note:y"})
    with store.driver.connect() as db:  # the refused transaction changed nothing
        assert db.execute(select(DOTS.c.target), {}).all() == [("note:x",)]


def test_a_count_reads_as_a_number_and_no_row_as_none(app, workshop):
    with _store(app).driver.connect() as db:
        assert db.execute(select(func.count()).select_from(WORKSHOPS), {}).scalar_one() == 1
        assert db.execute(WORKSHOP_STATE, {"code": "NOPE42"}).one_or_none() is None


def test_a_statement_whose_values_need_converting_is_refused_when_compiled(app):
    needs_converting = select(WORKSHOPS.c.id).where(
        WORKSHOPS.c.id == bindparam("at", type_=DateTime())
    )
    with pytest.raises(TypeError, match="SQLAlchemy's own execution"):
        Prepared(needs_converting, _store(app).engine.dialect, ())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_note_after_postgresql_dropped_every_connection_is_stored(
    app, database_url, workshop, phone
):
    """PostgreSQL restarted, or a proxy cut idle connections: the pool's ping replaces them."""
    server, database = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        cut = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    assert cut  # the app's pooled connections were there, and are gone
    ack = phone.emit("note_add", {"text": "Après la coupure", "phase": "idees"}, callback=True)
    assert ack["ok"] is True
    assert [n.text for n in _store(app).snapshot(workshop["code"]).notes] == ["Après la coupure"]


def test_each_statement_of_a_connect_block_commits_on_its_own(app, workshop):
    """A `connect` block runs without a transaction: what it writes is there at once, for
    everyone, and the pooled connection goes back to transactions afterwards."""
    store = _store(app)
    with store.driver.connect() as db:
        at = {
            "workshop_id": db.execute(WORKSHOP_STATE, {"code": workshop["code"]}).one().id,
            "volunteer": False,
        }
        db.execute(INSERT_PARTICIPANT, {**at, "token_digest": "seen-at-once"})
        with store.engine.connect() as other:  # another connection, before the block ends
            digests = other.execute(select(PARTICIPANTS.c.token_digest)).scalars().all()
            assert "seen-at-once" in digests
    with pytest.raises(RuntimeError), store.driver.begin() as db:
        db.execute(INSERT_PARTICIPANT, {**at, "token_digest": "rolled-back"})
        raise RuntimeError("the block fails")
    with store.engine.connect() as other:
        digests = other.execute(select(PARTICIPANTS.c.token_digest)).scalars().all()
    assert "rolled-back" not in digests


def test_a_phone_takes_its_seat_while_another_write_holds_the_lock_on_postgresql_only(
    app, database_url, workshop
):
    """A join changes no screen: in PostgreSQL it does not queue behind the writes (which hold
    the store's lock to push in order); SQLite allows one writer at a time, so there it waits."""
    store, done = _store(app), threading.Event()

    def join() -> None:
        store.join_participant(workshop["code"], None)
        done.set()

    with store.lock:
        threading.Thread(target=join, daemon=True).start()
        joined_under_the_lock = done.wait(3)
    assert done.wait(5)
    assert joined_under_the_lock is database_url.startswith("postgresql")
