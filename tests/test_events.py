"""The Socket.IO protocol through the test client, on SQLite and PostgreSQL."""

import uuid

import pytest
from helpers import received

from facilitate.app import create_app, socketio


def note(sio, text="Les transmissions du soir sont trop courtes", note_id=None):
    payload = {"text": text, "id": note_id or str(uuid.uuid4())}
    return sio.emit("note_add", payload, callback=True)


def test_participant_join_gives_snapshot_and_token(phone):
    ack = phone.ack
    assert ack["token"] and ack["state"]["rev"] == 0
    state = ack["state"]
    assert state["title"] == "Atelier test" and state["phase"] == "regles"
    kinds = {p["kind"] for p in state["phases"]}
    assert {"vote", "grid", "notes"} <= kinds
    assert state["notes"] == []


def test_rejoin_with_token_keeps_it(connect, workshop, phone):
    token = phone.ack["token"]
    again = connect({"code": workshop["code"], "role": "participant", "token": token})
    assert again.ack["token"] == token
    stranger = connect({"code": workshop["code"], "role": "participant", "token": "made-up"})
    assert stranger.ack["token"] not in (token, "made-up")


def test_code_is_case_insensitive(connect, workshop):
    sio = connect({"code": f" {workshop['code'].lower()} ", "role": "board"})
    assert sio.ack["state"]["code"] == workshop["code"]


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"code": "ZZZZZZ", "role": "participant"}, "unknown_session"),
        ({"code": "nope", "role": "participant"}, "unknown_session"),
        ({"code": 12, "role": "participant"}, "invalid_payload"),
        ({"role": "participant"}, "invalid_payload"),
        ({"code": None, "role": "board"}, "invalid_payload"),
        ("a string", "invalid_payload"),
        ([1, 2], "invalid_payload"),
        ({"code": "WORKSHOP", "role": "admin"}, "bad_role"),
        ({"code": "WORKSHOP", "role": "facilitator"}, "bad_key"),
        ({"code": "WORKSHOP", "role": "facilitator", "key": "wrong"}, "bad_key"),
        ({"code": "WORKSHOP", "role": "facilitator", "key": 5}, "bad_key"),
    ],
)
def test_join_refusals(connect, workshop, payload, code):
    if isinstance(payload, dict) and payload.get("code") == "WORKSHOP":
        payload = {**payload, "code": workshop["code"]}
    sio = connect()
    ack = sio.emit("join", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert ack["error"]["message"]  # a French sentence for the phone to show
    assert sio.emit("sync", {}, callback=True)["error"]["code"] == "not_joined"


def test_note_reaches_board_and_console_not_phones(phone, board, console, connect, workshop):
    other = connect({"code": workshop["code"], "role": "participant"})
    ack = note(phone, "  Trop d'interruptions pendant les soins  ")
    assert ack["ok"] and ack["note"]["text"] == "Trop d'interruptions pendant les soins"
    [(_, seen)] = received(board, "note_added")
    assert seen == {"rev": 1, "note": ack["note"]}
    [(_, seen)] = received(console, "note_added")
    assert seen["note"]["held"] is False and seen["rev"] == 1
    assert received(other) == []  # other phones never see a note arrive


def test_resend_with_same_id_stores_one_note(phone, board, console):
    note_id = str(uuid.uuid4())
    first, second = note(phone, "Pause", note_id), note(phone, "Pause", note_id)
    assert first == second and first["note"]["id"] == note_id
    assert len(received(board, "note_added")) == 1
    assert len(console.emit("sync", {}, callback=True)["state"]["notes"]) == 1


def test_same_id_with_other_text_is_refused(phone):
    note_id = str(uuid.uuid4())
    note(phone, "Premier texte", note_id)
    assert note(phone, "Autre texte", note_id)["error"]["code"] == "note_id_taken"


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"text": ""}, "text_empty"),
        ({"text": "   \n\t "}, "text_empty"),
        ({"text": "x" * 501}, "text_too_long"),
        ({"text": 42}, "invalid_payload"),
        ({"text": None}, "invalid_payload"),
        ({}, "invalid_payload"),
        ({"text": "ok", "id": "not-a-uuid"}, "invalid_payload"),
        ({"text": "ok", "id": 7}, "invalid_payload"),
        ("texte seul", "invalid_payload"),
    ],
)
def test_note_refusals_write_nothing(phone, console, payload, code):
    ack = phone.emit("note_add", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    assert set(ack["error"]) <= {"code", "message", "details"}
    assert received(console, "note_added") == []
    assert console.emit("sync", {}, callback=True)["state"]["rev"] == 0


def test_five_hundred_characters_is_fine(phone):
    assert note(phone, "é" * 500)["ok"]


@pytest.mark.parametrize("event", ["note_hide", "phase_set", "notes_hold_set", "notes_reveal"])
def test_facilitator_events_refused_to_phone_and_board(phone, board, event):
    for sio in (phone, board):
        ack = sio.emit(event, {"phase": "idees", "note_id": "x", "hold": True}, callback=True)
        assert ack["error"]["code"] == "forbidden"


def test_board_may_not_post(board):
    assert note(board)["error"]["code"] == "forbidden"


def test_unknown_event_gets_a_refusal(phone):
    ack = phone.emit("drop_tables", {"x": 1}, callback=True)
    assert ack["error"]["code"] == "unknown_event"


def test_phase_set_reaches_everyone(app, phone, board, console):
    ack = console.emit("phase_set", {"phase": "idees"}, callback=True)
    assert ack == {"ok": True, "phase": "idees"}
    timer = {"running": False, "remaining": 15 * 60}
    expected = {"rev": 1, "phase": "idees", "in_view": "idees", "hold": False, "timer": timer}
    assert received(phone, "phase_changed") == [("phase_changed", expected)]
    for sio in (board, console):
        assert received(sio, "phase_changed") == [("phase_changed", {**expected, "notes": []})]
    app.extensions["facilitate"].pusher.flush()
    [(_, batch)] = received(phone, "batch")
    change = {"type": "phase", "phase": "idees", "in_view": "idees", "hold": False}
    process = app.extensions["facilitate"].pusher.process
    assert batch == {"since": 0, "rev": 1, "changes": [change], "process": process}
    bad = console.emit("phase_set", {"phase": "nowhere"}, callback=True)
    assert bad["error"]["code"] == "unknown_phase"


def test_hide_note_leaves_every_screen(app, phone, board, console, connect, workshop):
    kept, gone = note(phone, "Garder")["note"], note(phone, "Retirer")["note"]
    received(board)
    assert console.emit("note_hide", {"note_id": gone["id"]}, callback=True)["ok"]
    [(_, hidden)] = received(board, "note_hidden")
    assert hidden["note_id"] == gone["id"] and hidden["rev"] == 3
    for role, key in (("board", None), ("facilitator", workshop["facilitator_key"])):
        fresh = connect({"code": workshop["code"], "role": role, "key": key})
        assert [n["id"] for n in fresh.ack["state"]["notes"]] == [kept["id"]]
    again = console.emit("note_hide", {"note_id": gone["id"]}, callback=True)
    assert again["error"]["code"] == "unknown_note"
    app.extensions["facilitate"].pusher.flush()
    [(_, batch)] = received(phone, "batch")
    assert {"type": "note_hidden", "note_id": gone["id"]} in batch["changes"]


def test_hold_keeps_notes_off_the_board_until_revealed(phone, board, console, connect, workshop):
    assert console.emit("notes_hold_set", {"hold": True}, callback=True)["ok"]
    received(board), received(console)
    texts = [f"Idée {i}" for i in range(6)]
    for text in texts:
        note(phone, text)
    on_board = received(board)
    assert {name for name, _ in on_board} == {"notes_pending"}
    assert on_board[-1][1]["pending"] == 6
    assert all("text" not in str(payload) for _, payload in on_board)
    assert all(p["note"]["held"] for _, p in received(console, "note_added"))
    late = connect({"code": workshop["code"], "role": "board"})
    assert late.ack["state"]["notes"] == [] and late.ack["state"]["pending"] == 6

    ack = console.emit("notes_reveal", {}, callback=True)
    assert ack == {"ok": True, "revealed": 6}
    [(_, revealed)] = received(board, "notes_revealed")
    assert sorted(n["text"] for n in revealed["notes"]) == texts
    assert set(revealed["notes"][0]) == {"id", "text", "phase"}


def test_turning_hold_off_reveals_held_notes(phone, board, console):
    console.emit("notes_hold_set", {"hold": True}, callback=True)
    note(phone, "Tenue")
    received(board)
    console.emit("notes_hold_set", {"hold": False}, callback=True)
    [(_, changed)] = received(board, "notes_hold_changed")
    assert changed["hold"] is False and [n["text"] for n in changed["notes"]] == ["Tenue"]


def test_board_order_is_not_arrival_order(phone, connect, workshop):
    texts = [f"Post-it numéro {i:02d}" for i in range(30)]
    for text in texts:
        note(phone, text)
    board = connect({"code": workshop["code"], "role": "board"})
    shown = [n["text"] for n in board.ack["state"]["notes"]]
    assert sorted(shown) == texts and shown != texts  # 1 chance in 30! of a false failure


def test_rev_grows_by_one_per_change(phone, console):
    revs = []
    for i in range(3):
        note(phone, f"n{i}")
        revs += [p["rev"] for _, p in received(console, "note_added")]
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    revs += [p["rev"] for _, p in received(console, "phase_changed")]
    assert revs == [1, 2, 3, 4]


def test_presence_counts_phones(app, workshop, board, console, connect):
    phones = [connect({"code": workshop["code"], "role": "participant"}) for _ in range(3)]
    phones[0].disconnect()
    app.extensions["facilitate"].pusher.flush()
    process = app.extensions["facilitate"].pusher.process
    heard = received(board, "presence")[-1][1]
    assert heard == {"participants": 2, "writers": {}, "process": process}
    assert (
        connect(
            {"code": workshop["code"], "role": "facilitator", "key": workshop["facilitator_key"]}
        ).ack["state"]["participants"]
        == 2
    )


def test_the_console_hears_how_many_phones_wrote_in_each_step(app, workshop, console, connect):
    pusher = app.extensions["facilitate"].pusher
    phones = [connect({"code": workshop["code"], "role": "participant"}) for _ in range(3)]
    note(phones[0], "Premier")
    note(phones[0], "Deuxième du même téléphone")
    resent = str(uuid.uuid4())
    note(phones[1], "Une fois", resent)
    note(phones[1], "Une fois", resent)  # a resend is not a second writer
    pusher.flush()
    step = console.ack["state"]["phase"]
    counts = received(console, "presence")[-1][1]
    assert counts["participants"] == 3 and counts["writers"] == {step: 2}
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    note(phones[2], "À l'étape suivante")
    pusher.flush()
    assert received(console, "presence")[-1][1]["writers"] == {step: 2, "idees": 1}
    console.emit("session_close", {}, callback=True)
    assert pusher._writer_counts(workshop["code"]) == {}


def test_handlers_exist_in_a_second_app(app, tmp_path):
    other = create_app({"DATA_DIR": str(tmp_path / "second"), "SECRET_KEY": "x"})
    sio = socketio.test_client(other)
    ack = sio.emit("join", {"code": "ZZZZZZ", "role": "board"}, callback=True)
    assert ack["error"]["code"] == "unknown_session"
    sio.disconnect()


def test_a_kit_phase_holds_notes_and_the_next_phase_reveals_them(client, connect):
    links = client.post("/api/sessions", json={"kit": "espace-discussion"}).get_json()
    code, key = links["code"], links["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    board = connect({"code": code, "role": "board"})
    phone = connect({"code": code, "role": "participant"})
    console.emit("phase_set", {"phase": "ressentis"}, callback=True)
    assert received(board, "phase_changed")[0][1]["hold"] is True
    ack = phone.emit(
        "note_add", {"text": "Je me sens seule la nuit", "lane": "Ce qui a pesé"}, callback=True
    )
    assert ack["ok"] and ack["note"]["lane"] == "Ce qui a pesé"
    assert received(board, "note_added") == []
    console.emit("phase_set", {"phase": "situations"}, callback=True)
    [(_, changed)] = received(board, "phase_changed")
    assert changed["hold"] is False
    assert [n["text"] for n in changed["notes"]] == ["Je me sens seule la nuit"]


@pytest.fixture
def espace(client, connect):
    """A discussion space: notes in lanes, a hold, a vote, a grid."""
    links = client.post("/api/sessions", json={"kit": "espace-discussion"}).get_json()
    code = links["code"]
    console = connect({"code": code, "role": "facilitator", "key": links["facilitator_key"]})
    return code, console, connect({"code": code, "role": "participant"})


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"text": "x", "lane": "Matin"}, "unknown_lane"),  # current phase (rules) has no lanes
        ({"text": "x", "phase": "journee-hier"}, "unknown_lane"),  # lanes required there
        ({"text": "x", "phase": "journee-hier", "lane": "Minuit"}, "unknown_lane"),
        ({"text": "x", "phase": "journee-hier", "lane": 3}, "unknown_lane"),
        ({"text": "x", "phase": "nulle-part"}, "unknown_phase"),
        ({"text": "x", "phase": ["regles"]}, "unknown_phase"),
    ],
)
def test_lane_and_phase_refusals(espace, payload, code):
    _code, console, phone = espace
    assert phone.emit("note_add", payload, callback=True)["error"]["code"] == code
    assert console.emit("sync", {}, callback=True)["state"]["rev"] == 0


def test_a_late_note_lands_in_the_round_it_was_written_in(espace):
    _code, console, phone = espace
    console.emit("phase_set", {"phase": "pistes"}, callback=True)
    payload = {"text": "Écrit avant la coupure", "phase": "journee-hier", "lane": "Matin"}
    ack = phone.emit("note_add", payload, callback=True)
    assert ack["note"] == {**ack["note"], "phase": "journee-hier", "lane": "Matin"}


def test_notes_in_view_follow_the_last_round(espace):
    _code, console, _phone = espace
    for phase, in_view in [
        ("journee-hier", "journee-hier"),
        ("ressentis", "ressentis"),
        ("choix", "ressentis"),
        ("regles", "regles"),
    ]:
        console.emit("phase_set", {"phase": phase}, callback=True)
        assert console.emit("sync", {}, callback=True)["state"]["in_view"] == in_view


def test_timer_start_pause_extend_reset(espace, connect):
    code, console, phone = espace
    board = connect({"code": code, "role": "board"})
    assert board.ack["state"]["timer"] == {"running": False, "remaining": 10 * 60}
    started = console.emit("timer_set", {"action": "start"}, callback=True)
    assert started["timer"]["running"] and started["timer"]["remaining"] <= 600
    for sio in (board, phone):
        [(_, seen)] = received(sio, "timer_changed")
        assert seen["timer"]["running"] is True
    extended = console.emit("timer_set", {"action": "extend", "minutes": 5}, callback=True)
    assert 840 < extended["timer"]["remaining"] <= 900
    paused = console.emit("timer_set", {"action": "pause"}, callback=True)["timer"]
    assert paused["running"] is False
    assert console.emit("sync", {}, callback=True)["state"]["timer"] == paused
    reset = console.emit("timer_set", {"action": "reset"}, callback=True)["timer"]
    assert reset == {"running": False, "remaining": 600}
    console.emit("phase_set", {"phase": "journee-hier"}, callback=True)
    assert received(board, "phase_changed")[-1][1]["timer"] == {"running": False, "remaining": 1500}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"action": "stop"},
        {"action": "extend", "minutes": 0},
        {"action": "extend", "minutes": 500},
        {"action": "extend", "minutes": "5"},
        {"action": "extend", "minutes": True},
    ],
)
def test_timer_refusals(espace, payload):
    _code, console, phone = espace
    assert console.emit("timer_set", payload, callback=True)["error"]["code"] == "invalid_payload"
    assert (
        phone.emit("timer_set", {"action": "start"}, callback=True)["error"]["code"] == "forbidden"
    )


def test_volunteers_are_counted_never_named(client, connect):
    links = client.post("/api/sessions", json={"kit": "restitution-copil"}).get_json()
    code = links["code"]
    console = connect({"code": code, "role": "facilitator", "key": links["facilitator_key"]})
    board = connect({"code": code, "role": "board"})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(3)]
    for sio in phones[:2]:
        assert sio.emit("volunteer_set", {"volunteer": True}, callback=True)["volunteer"] is True
    phones[0].emit("volunteer_set", {"volunteer": True}, callback=True)  # a double tap
    assert [p["volunteers"] for _, p in received(board, "volunteers_changed")] == [1, 2]
    assert console.emit("sync", {}, callback=True)["state"]["volunteers"] == 2
    again = connect({"code": code, "role": "participant", "token": phones[0].ack["token"]})
    assert again.ack["volunteer"] is True
    phones[0].emit("volunteer_set", {"volunteer": False}, callback=True)
    assert received(console, "volunteers_changed")[-1][1]["volunteers"] == 1
    bad = phones[2].emit("volunteer_set", {"volunteer": "oui"}, callback=True)
    assert bad["error"]["code"] == "invalid_payload"
    assert board.emit("volunteer_set", {"volunteer": True}, callback=True)["error"]["code"] == (
        "forbidden"
    )


def test_the_facilitator_blanks_the_projector_and_a_reloaded_board_stays_blank(
    console, board, connect, workshop
):
    ack = console.emit("board_blank", {"blank": True}, callback=True)
    assert ack == {"ok": True, "blank": True}
    [(_, blanked)] = received(board, "board_blanked")
    assert blanked["blank"] is True and blanked["rev"] == 1
    reloaded = connect({"code": workshop["code"], "role": "board"})
    assert reloaded.ack["state"]["blank"] is True
    console.emit("session_close", {}, callback=True)
    assert console.emit("board_blank", {"blank": False}, callback=True)["ok"]  # after close too
    assert board.emit("sync", {}, callback=True)["state"]["blank"] is False
    assert console.emit("board_blank", {"blank": "oui"}, callback=True)["error"]["code"] == (
        "invalid_payload"
    )


def test_the_kept_snapshot_follows_the_writes_as_a_fresh_read_would(app, client, connect):
    """Notes, first dots and grid cells advance the kept snapshot instead of a new read."""
    links = client.post("/api/sessions", json={"kit": "atelier-court"}).get_json()
    code = links["code"]
    console = connect({"code": code, "role": "facilitator", "key": links["facilitator_key"]})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(3)]
    phases = {p["kind"]: p["id"] for p in console.ack["state"]["phases"]}
    store = app.extensions["facilitate"].store

    reads = []
    read = store._read_snapshot
    store._read_snapshot = lambda tx, c: reads.append(c) or read(tx, c)

    def same_as_fresh() -> None:
        reads.clear()
        kept = store.snapshot(code)
        assert reads == []  # advanced, not read again
        with store.unit() as tx:
            fresh = store._read_snapshot(tx, code)
        assert kept.workshop == fresh.workshop and kept.notes == fresh.notes
        assert kept.voters == fresh.voters and set(kept.grid_rows) == set(fresh.grid_rows)
        assert sorted(kept.contributions, key=lambda c: (c.row, c.column, c.position)) == sorted(
            fresh.contributions, key=lambda c: (c.row, c.column, c.position)
        )

    console.emit("phase_set", {"phase": phases["notes"]}, callback=True)
    store.snapshot(code)  # kept from here on
    ids = [note(p, f"Post-it {i}")["note"]["id"] for i, p in enumerate(phones)]
    same_as_fresh()
    console.emit("phase_set", {"phase": phases["vote"]}, callback=True)
    store.snapshot(code)
    for phone, note_id in zip(phones, ids, strict=True):
        dot = {"note_id": note_id, "id": str(uuid.uuid4())}
        assert phone.emit("vote_cast", dot, callback=True)["ok"]
    same_as_fresh()
    console.emit("phase_set", {"phase": phases["grid"]}, callback=True)
    store.snapshot(code)
    opened = phones[0].emit(
        "grid_set",
        {"row": None, "column": "situation", "text": "Repas", "id": str(uuid.uuid4())},
        callback=True,
    )
    for i, phone in enumerate(phones):
        cell = {"row": opened["row"], "column": "causes", "text": f"c{i}", "id": str(uuid.uuid4())}
        assert phone.emit("grid_set", cell, callback=True)["ok"]
    assert store._snapshots[code].workshop.rev == store.snapshot(code).workshop.rev
    same_as_fresh()


def test_events_leave_no_garbage_cycle_behind(phone, console):
    """An event's request context is freed when the event ends, not by the cycle collector: a
    thousand phones' events would otherwise keep it busy (docs/performance.md)."""
    import gc

    from flask.ctx import RequestContext

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for i in range(5):
            assert phone.emit("note_add", {"text": f"Idée {i}"}, callback=True)["ok"]
            assert console.emit("sync", {}, callback=True)["ok"]
        assert phone.emit("note_add", {"text": ""}, callback=True)["ok"] is False  # a refusal
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, RequestContext | BaseException)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
