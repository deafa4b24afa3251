"""Rate limits: a flood is told to slow down, others carry on, and nothing accepted is lost."""

import time

import pytest


@pytest.fixture
def database_url(tmp_path):
    """Limits live in memory: one backend is enough here."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def test_a_flooding_phone_is_slowed_down_and_keeps_what_was_accepted(connect, workshop, console):
    code = workshop["code"]
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    flood, calm = (connect({"code": code, "role": "participant"}) for _ in range(2))
    acks = [flood.emit("note_add", {"text": f"n{i}"}, callback=True) for i in range(40)]
    accepted = [a for a in acks if a["ok"]]
    refused = [a for a in acks if not a["ok"]]
    assert len(accepted) == 30 and {a["error"]["code"] for a in refused} == {"slow_down"}
    assert "Réessayez" in refused[0]["error"]["message"]
    assert calm.emit("note_add", {"text": "Moi, j'écris calmement"}, callback=True)["ok"]
    notes = console.emit("sync", {}, callback=True)["state"]["notes"]
    assert len(notes) == 31  # every accepted note, and none of the refused ones


def test_the_same_phone_on_a_new_connection_is_still_counted(connect, workshop, console):
    code = workshop["code"]
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    first = connect({"code": code, "role": "participant"})
    for i in range(30):
        assert first.emit("note_add", {"text": f"n{i}"}, callback=True)["ok"]
    again = connect({"code": code, "role": "participant", "token": first.ack["token"]})
    assert again.emit("note_add", {"text": "encore"}, callback=True)["error"]["code"] == "slow_down"


def test_a_phone_that_wrote_its_fill_still_reads_and_a_read_loop_is_slowed(
    connect, workshop, console
):
    code = workshop["code"]
    console.emit("phase_set", {"phase": "grille"}, callback=True)
    assert console.emit("table_add", {"name": "Table 1"}, callback=True)["ok"]
    table_id = console.emit("sync", {}, callback=True)["state"]["tables"][0]["id"]
    phone = connect({"code": code, "role": "participant"})
    for i in range(30):  # its whole budget of writes
        cell = {"row": None, "column": "situation", "text": f"s{i}", "group": table_id}
        assert phone.emit("grid_set", cell, callback=True)["ok"]
    cell = {"row": None, "column": "situation", "text": "de trop", "group": table_id}
    assert phone.emit("grid_set", cell, callback=True)["error"]["code"] == "slow_down"
    follow = phone.emit("grid_follow", {"tables": {"grille": table_id}}, callback=True)
    assert follow["ok"] and len(follow["grid"]["rows"]) == 30  # it still gets its table's grid
    reads = [phone.emit("sync", {}, callback=True) for _ in range(60)]
    assert [r["ok"] for r in reads] == [True] * 59 + [False]  # 60 reads in 10 s, the follow too
    assert reads[-1]["error"]["code"] == "slow_down"


def test_human_speed_is_never_refused(connect, workshop, console):
    """Five grid cells in a row, dots placed and taken back, a note or two."""
    code = workshop["code"]
    phone = connect({"code": code, "role": "participant"})
    console.emit("phase_set", {"phase": "grille"}, callback=True)
    row = phone.emit(
        "grid_set", {"row": None, "column": "situation", "text": "Repas"}, callback=True
    )
    for column in ("contraintes", "ressources", "causes", "effets", "pistes_action"):
        cell = {"row": row["row"], "column": column, "text": "x"}
        assert phone.emit("grid_set", cell, callback=True)["ok"]


def test_join_attempts_are_limited_per_connection(connect, workshop):
    sio = connect()
    acks = [sio.emit("join", {"code": "ZZZZZZ", "role": "board"}, callback=True) for _ in range(12)]
    codes = [a["error"]["code"] for a in acks]
    assert codes[:10] == ["unknown_session"] * 10 and codes[10:] == ["slow_down"] * 2
    other = connect()
    assert other.emit("join", {"code": workshop["code"], "role": "board"}, callback=True)["ok"]


def test_a_rain_of_wrong_codes_slows_every_guess_down(connect, workshop):
    guessers = [connect() for _ in range(6)]
    for sio in guessers:
        for _ in range(9):
            sio.emit("join", {"code": "ZZZZZZ", "role": "board"}, callback=True)
    late = connect().emit("join", {"code": workshop["code"], "role": "board"}, callback=True)
    assert late["error"]["code"] == "slow_down"  # for a second, at most
    time.sleep(1.1)
    assert connect().emit("join", {"code": workshop["code"], "role": "board"}, callback=True)["ok"]


def test_the_window_slides_and_forgets_old_keys():
    from facilitate.errors import Refusal
    from facilitate.throttle import Throttle

    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(30):
        throttle.write("sid", "token")
    with pytest.raises(Refusal):
        throttle.write("sid", "token")
    now[0] += 10.5  # the short window has passed: writing again is fine
    throttle.write("sid", "token")
    now[0] += 601  # long gone: the next write sweeps the old keys away
    throttle.write("other", "phone")
    assert set(throttle.hits) == {("sid", "other"), ("token", "phone")}
