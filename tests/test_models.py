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
