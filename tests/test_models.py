"""The schema: a data folder made by an earlier version is upgraded, and keeps its sessions."""

from sqlalchemy import inspect, text

from facilitate.store import Store


def test_an_earlier_database_gains_the_new_columns_and_keeps_its_sessions(app, client, workshop):
    store = app.extensions["facilitate"].store
    with store.engine.begin() as connection:  # as the schema was before the minutes' columns
        for column in ("published", "story_json"):
            connection.execute(text(f"ALTER TABLE workshops DROP COLUMN {column}"))
    assert "published" not in {c["name"] for c in inspect(store.engine).get_columns("workshops")}
    upgraded = Store(app.config["DATABASE_URL"], "test-secret")
    upgraded.create_schema()
    snapshot = upgraded.snapshot(workshop["code"])
    assert snapshot.workshop.title == "Atelier test" and snapshot.workshop.published is False
    assert snapshot.story is None
    upgraded.create_schema()  # a second start changes nothing
    upgraded.engine.dispose()


def test_an_earlier_database_gains_the_new_indexes(app, client, workshop):
    store = app.extensions["facilitate"].store
    with store.engine.begin() as connection:  # as the schema was before the held notes' index
        connection.execute(text("DROP INDEX ix_notes_pending"))
    upgraded = Store(app.config["DATABASE_URL"], "test-secret")
    upgraded.create_schema()
    indexes = {i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("notes")}
    assert indexes["ix_notes_pending"] == ["workshop_id", "revealed", "hidden"]
    assert upgraded.snapshot(workshop["code"]).workshop.title == "Atelier test"
    upgraded.engine.dispose()


def test_sessions_past_the_retention_period_are_deleted_with_all_they_hold(
    app, client, connect, monkeypatch
):
    import datetime

    from facilitate import workshop as rules

    store = app.extensions["facilitate"].store
    monkeypatch.setattr(rules, "today", lambda: datetime.date(2024, 12, 1))
    old = client.post("/api/sessions", json={"kit": "atelier-court"}).get_json()
    console = connect({"code": old["code"], "role": "facilitator", "key": old["facilitator_key"]})
    console.emit("action_save", {"what": "Ancienne", "owner": "le COPIL"}, callback=True)
    monkeypatch.setattr(rules, "today", lambda: datetime.date(2026, 1, 10))
    recent = client.post("/api/sessions", json={"kit": "atelier-court"}).get_json()
    assert store.purge(0) == 0  # 0 keeps everything
    assert store.purge(365) == 1
    assert client.get(f"/j/{old['code']}").status_code == 404
    assert client.get(f"/j/{recent['code']}").status_code == 200
    with store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM actions")).scalar() == 0
