"""The analysis grid through the protocol: cells as lists, tables apart, refusals, concurrency."""

import threading
import uuid

import pytest
from helpers import received


@pytest.fixture
def day2(client, connect):
    """Collective day 2: the grid phase has eight tables."""
    links = client.post("/api/sessions", json={"kit": "cluster-j2"}).get_json()
    code = links["code"]
    console = connect({"code": code, "role": "facilitator", "key": links["facilitator_key"]})
    board = connect({"code": code, "role": "board"})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(3)]
    grid_phase = next(p for p in console.ack["state"]["phases"] if p["kind"] == "grid")
    console.emit("phase_set", {"phase": grid_phase["id"]}, callback=True)
    for sio in (board, *phones):
        received(sio)
    return code, console, board, phones


def write(sio, text, row=None, column="situation", group="t1", **extra):
    payload = {"row": row, "column": column, "text": text, "group": group, **extra}
    return sio.emit("grid_set", payload, callback=True)


def test_a_row_opens_from_its_situation_and_fills_column_by_column(day2):
    _code, console, board, phones = day2
    opened = write(phones[0], "Les repas")
    assert opened["ok"] and opened["row"]
    write(phones[1], "Plateaux froids", opened["row"], "contraintes")
    write(phones[2], "Aide d'une diététicienne", opened["row"], "ressources")
    added = received(board, "grid_added")
    assert added[0][1]["row"]["table"] == "t1" and added[1][1]["row"] is None
    state = console.emit("sync", {}, callback=True)["state"]
    cells = {(c["column"], c["text"]) for c in state["grid"]["contributions"]}
    assert cells == {
        ("situation", "Les repas"),
        ("contraintes", "Plateaux froids"),
        ("ressources", "Aide d'une diététicienne"),
    }
    assert not any("author" in c or "participant" in c for c in state["grid"]["contributions"])


def test_grid_writers_are_counted_for_the_console(app, day2):
    _code, console, _board, phones = day2
    opened = write(phones[0], "Les repas")
    write(phones[0], "Plateaux froids", opened["row"], "contraintes")
    write(phones[1], "Aide d'une diététicienne", opened["row"], "ressources")
    write(console, "Ajouté par l'animation", opened["row"], "causes")  # not a phone
    app.extensions["facilitate"].pusher.flush()
    step = console.emit("sync", {}, callback=True)["state"]["phase"]
    assert received(console, "presence")[-1][1]["writers"] == {step: 2}


def test_tables_keep_their_grids_apart(day2):
    _code, console, _board, phones = day2
    row1 = write(phones[0], "Les transmissions", group="t1")["row"]
    write(phones[1], "Les familles", group="t2")
    assert write(phones[1], "Hors table", row1, "causes", group="t2")["error"]["code"] == (
        "unknown_row"
    )
    rows = console.emit("sync", {}, callback=True)["state"]["grid"]["rows"]
    assert sorted(r["table"] for r in rows) == ["t1", "t2"]


def test_many_phones_writing_one_cell_all_survive(day2):
    _code, console, _board, phones = day2
    row = write(phones[0], "Le transport des patients")["row"]
    texts = [f"Contrainte {i}" for i in range(30)]

    def send(chunk) -> None:
        for i, text in chunk:
            write(phones[i % 3], text, row, "contraintes")

    chunks = [list(enumerate(texts))[k::5] for k in range(5)]
    threads = [threading.Thread(target=send, args=(c,)) for c in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell = [
        c["text"]
        for c in console.emit("sync", {}, callback=True)["state"]["grid"]["contributions"]
        if c["column"] == "contraintes"
    ]
    assert sorted(cell) == sorted(texts)


def test_a_resend_adds_nothing(day2):
    _code, console, _board, phones = day2
    contribution = str(uuid.uuid4())
    first = write(phones[0], "Les nuits", id=contribution)
    again = write(phones[0], "Les nuits", id=contribution)
    assert first == again
    assert len(console.emit("sync", {}, callback=True)["state"]["grid"]["rows"]) == 1


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"row": None, "column": "causes", "text": "x", "group": "t1"}, "unknown_row"),
        ({"row": "nope", "column": "causes", "text": "x", "group": "t1"}, "unknown_row"),
        ({"row": None, "column": "couleur", "text": "x", "group": "t1"}, "unknown_column"),
        ({"row": None, "column": "situation", "text": "x", "group": "t99"}, "unknown_table"),
        ({"row": None, "column": "situation", "text": "x"}, "unknown_table"),
        ({"row": None, "column": "situation", "text": " ", "group": "t1"}, "text_empty"),
        ({"row": None, "column": "situation", "text": "x" * 501, "group": "t1"}, "text_too_long"),
        ({"row": None, "column": "situation", "text": "x", "phase": "regles"}, "not_a_grid"),
    ],
)
def test_grid_refusals_write_nothing(day2, payload, code):
    _code, console, _board, phones = day2
    rev = console.emit("sync", {}, callback=True)["state"]["rev"]
    assert phones[0].emit("grid_set", payload, callback=True)["error"]["code"] == code
    assert console.emit("sync", {}, callback=True)["state"]["rev"] == rev


def test_the_board_may_not_write(day2):
    _code, _console, board, _phones = day2
    assert write(board, "Non")["error"]["code"] == "forbidden"


def test_facilitator_edit_never_erases_a_newer_text(day2):
    _code, console, _board, phones = day2
    row = write(phones[0], "Les repas")["row"]
    cell = write(phones[0], "Ça pèse sur l'équipe", row, "effets")
    edit = {"id": cell["id"], "text": "Fatigue de l'équipe", "version": 1}
    assert console.emit("grid_edit", edit, callback=True)["version"] == 2
    stale = {"id": cell["id"], "text": "Autre chose", "version": 1}
    assert console.emit("grid_edit", stale, callback=True)["error"]["code"] == "edit_conflict"
    tag = console.emit("grid_tag", {"id": cell["id"], "tag": "collectif"}, callback=True)
    assert tag["ok"]
    [kept] = [
        c
        for c in console.emit("sync", {}, callback=True)["state"]["grid"]["contributions"]
        if c["id"] == cell["id"]
    ]
    assert kept["text"] == "Fatigue de l'équipe" and kept["tag"] == "collectif"
    bad = console.emit("grid_tag", {"id": cell["id"], "tag": "moral"}, callback=True)
    assert bad["error"]["code"] == "invalid_payload"
    cleared = console.emit("grid_tag", {"id": cell["id"], "tag": None}, callback=True)
    assert cleared["ok"]


def test_a_note_and_a_priority_move_into_the_grid(client, connect):
    links = client.post("/api/sessions", json={"kit": "atelier-court"}).get_json()
    code = links["code"]
    console = connect({"code": code, "role": "facilitator", "key": links["facilitator_key"]})
    phone = connect({"code": code, "role": "participant"})
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    note = phone.emit("note_add", {"text": "Les relèves"}, callback=True)["note"]
    console.emit("phase_set", {"phase": "grille"}, callback=True)
    moved = console.emit(
        "grid_import", {"note_id": note["id"], "row": None, "column": "situation"}, callback=True
    )
    assert moved["ok"], moved
    theme = console.emit("theme_create", {"title": "Le temps de transmission"}, callback=True)
    priority = console.emit(
        "grid_import",
        {"theme_id": theme["theme_id"], "row": moved["row"], "column": "pistes_action"},
        callback=True,
    )
    assert priority["row"] == moved["row"]
    contributions = console.emit("sync", {}, callback=True)["state"]["grid"]["contributions"]
    assert sorted((c["column"], c["text"]) for c in contributions) == [
        ("pistes_action", "Le temps de transmission"),
        ("situation", "Les relèves"),
    ]
    gone = console.emit(
        "grid_import", {"note_id": "nope", "row": None, "column": "situation"}, callback=True
    )
    assert gone["error"]["code"] == "unknown_item"


def test_tables_can_be_added_and_renamed_and_the_projector_view_chosen(day2):
    _code, console, board, _phones = day2
    added = console.emit("table_add", {"name": "EHPAD Les Tilleuls"}, callback=True)
    assert console.emit(
        "table_rename", {"table_id": added["table_id"], "name": "Clinique du Parc"}, callback=True
    )["ok"]
    names = [t["name"] for t in board.emit("sync", {}, callback=True)["state"]["tables"]]
    assert "Clinique du Parc" in names and "Table 8" in names
    assert console.emit("grid_view_set", {"table": "t2", "row": None}, callback=True)["ok"]
    assert received(board, "grid_view_changed")[-1][1] == {"rev": 4, "table": "t2", "row": None}
    assert console.emit("grid_view_set", {"table": "t42"}, callback=True)["error"]["code"] == (
        "unknown_table"
    )


def grid_batches(got: list) -> list[dict]:
    return [payload for name, payload in got if name == "grid_batch"]


def batch_changes(got: list) -> list[dict]:
    """The changes of the common batches among what a phone received."""
    return [c for name, payload in got if name == "batch" for c in payload["changes"]]


def test_a_table_s_grid_reaches_the_phones_at_that_table_only(app, connect, day2):
    code, _console, _board, phones = day2
    at_t1 = phones[1].emit("grid_follow", {"tables": {"grille": "t1"}}, callback=True)
    assert at_t1 == {"ok": True, "grid": {"rows": [], "contributions": []}}
    at_t2 = connect({"code": code, "role": "participant", "tables": {"grille": "t2"}})
    write(phones[0], "Les repas", group="t1")
    write(phones[0], "Les nuits", group="t2")
    assert received(phones[1], "grid_batch") == []  # batched: nothing before the tick
    app.extensions["facilitate"].pusher.flush()
    got = {phone: received(phone) for phone in (phones[1], at_t2, phones[2])}
    [batch] = grid_batches(got[phones[1]])
    assert (batch["phase"], batch["table"]) == ("grille", "t1")
    [added] = batch["changes"]
    assert added["type"] == "grid_added" and added["contribution"]["text"] == "Les repas"
    assert added["row"]["table"] == "t1"
    texts = [c["contribution"]["text"] for b in grid_batches(got[at_t2]) for c in b["changes"]]
    assert texts == ["Les nuits"]
    assert grid_batches(got[phones[2]]) == []  # sits at no table: no table's grid
    for phone_got in got.values():  # and no table's change in the common batch
        assert batch_changes(phone_got)  # the batch came (a phase, the tables...)
        assert not any(c["type"].startswith("grid_") for c in batch_changes(phone_got))


def test_a_phone_s_snapshot_holds_its_own_table_s_grid(connect, day2):
    code, _console, _board, phones = day2
    write(phones[0], "Les repas", group="t1")
    write(phones[0], "Les nuits", group="t2")

    def texts(state):
        return sorted(c["text"] for c in state["grid"]["contributions"])

    at_t2 = connect({"code": code, "role": "participant", "tables": {"grille": "t2"}})
    assert texts(at_t2.ack["state"]) == ["Les nuits"]
    assert [r["table"] for r in at_t2.ack["state"]["grid"]["rows"]] == ["t2"]
    assert texts(phones[1].emit("sync", {}, callback=True)["state"]) == []
    moved = phones[1].emit("grid_follow", {"tables": {"grille": "t1"}}, callback=True)
    assert sorted(c["text"] for c in moved["grid"]["contributions"]) == ["Les repas"]
    assert texts(phones[1].emit("sync", {}, callback=True)["state"]) == ["Les repas"]
    board = connect({"code": code, "role": "board"})
    assert texts(board.ack["state"]) == ["Les nuits", "Les repas"]  # the projector sees all


def test_a_phone_changing_table_stops_hearing_the_old_one(app, day2):
    _code, _console, _board, phones = day2
    follow = {"tables": {"grille": "t1"}}
    assert phones[1].emit("grid_follow", follow, callback=True)["ok"]
    assert phones[1].emit("grid_follow", {"tables": {"grille": "t3"}}, callback=True)["ok"]
    write(phones[0], "Les repas", group="t1")
    write(phones[0], "Le bruit", group="t3")
    app.extensions["facilitate"].pusher.flush()
    assert [b["table"] for b in grid_batches(received(phones[1]))] == ["t3"]


def test_an_edit_reaches_the_table_and_a_reorder_asks_phones_to_refresh(app, day2):
    _code, console, _board, phones = day2
    phones[1].emit("grid_follow", {"tables": {"grille": "t1"}}, callback=True)
    row = write(phones[0], "Les repas")["row"]
    first = write(phones[0], "Un", row, "causes")
    write(phones[0], "Deux", row, "causes")
    app.extensions["facilitate"].pusher.flush()
    received(phones[1])
    edit = {"id": first["id"], "text": "Un, reformulé", "version": 1}
    assert console.emit("grid_edit", edit, callback=True)["ok"]
    assert console.emit("grid_reorder", {"id": first["id"], "position": 1}, callback=True)["ok"]
    app.extensions["facilitate"].pusher.flush()
    got = received(phones[1])
    [batch] = grid_batches(got)
    assert batch["changes"][0]["type"] == "grid_changed"
    assert batch["changes"][0]["contribution"]["text"] == "Un, reformulé"
    assert batch["changes"][1:] == [{"type": "grid_refresh"}]  # only this table's phones ask
    assert not any(c["type"].startswith("grid") for c in batch_changes(got))


def test_a_grid_without_tables_reaches_every_phone_in_the_common_batch(app, connect, workshop):
    code, key = workshop["code"], workshop["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(2)]
    assert console.emit("phase_set", {"phase": "grille"}, callback=True)["ok"]
    assert phones[0].emit(
        "grid_set", {"row": None, "column": "situation", "text": "Les repas"}, callback=True
    )["ok"]
    app.extensions["facilitate"].pusher.flush()
    changes = [c for _, b in received(phones[1], "batch") for c in b["changes"]]
    assert [c["contribution"]["text"] for c in changes if c["type"] == "grid_added"] == [
        "Les repas"
    ]
    state = phones[1].emit("sync", {}, callback=True)["state"]
    assert [c["text"] for c in state["grid"]["contributions"]] == ["Les repas"]


@pytest.mark.parametrize(
    "tables",
    [
        "t1",
        ["grille"],
        {"grille": 1},
        {"grille": ""},
        {"": "t1"},
        {"grille": "t" * 65},
        {f"p{i}": "t1" for i in range(65)},
    ],
)
def test_tables_a_phone_names_must_be_short_texts(connect, day2, tables):
    code, _console, _board, phones = day2
    refused = phones[0].emit("grid_follow", {"tables": tables}, callback=True)
    assert refused["error"]["code"] == "invalid_payload"
    sio = connect()
    joined = sio.emit(
        "join", {"code": code, "role": "participant", "tables": tables}, callback=True
    )
    assert joined["error"]["code"] == "invalid_payload"
    assert phones[0].emit("sync", {}, callback=True)["ok"]  # the seat is still there


def test_only_phones_follow_tables(day2):
    _code, console, board, _phones = day2
    for screen in (console, board):
        ack = screen.emit("grid_follow", {"tables": {"grille": "t1"}}, callback=True)
        assert ack["error"]["code"] == "forbidden"


def test_facilitator_reorders_and_merges_contributions_and_rows(day2):
    _code, console, board, phones = day2
    row = write(phones[0], "Les repas")["row"]
    ids = [write(phones[0], t, row, "causes")["id"] for t in ("Un", "Deux", "Trois")]
    assert console.emit("grid_reorder", {"id": ids[2], "position": 0}, callback=True)["ok"]
    [(_, replaced)] = received(board, "grid_replaced")
    causes = [c for c in replaced["grid"]["contributions"] if c["column"] == "causes"]
    assert [c["text"] for c in causes] == ["Trois", "Un", "Deux"]
    assert console.emit("grid_merge", {"id": ids[1], "into": ids[0]}, callback=True)["ok"]
    [(_, replaced)] = received(board, "grid_replaced")
    causes = [c for c in replaced["grid"]["contributions"] if c["column"] == "causes"]
    assert [c["text"] for c in causes] == ["Trois", "Un\nDeux"]
    other = write(phones[0], "Ailleurs", row, "effets")["id"]
    cross = console.emit("grid_merge", {"id": other, "into": ids[0]}, callback=True)
    assert cross["error"]["code"] == "invalid_payload"  # never across cells

    second = write(phones[1], "Les nuits")["row"]
    assert console.emit("grid_row_reorder", {"row": second, "position": 0}, callback=True)["ok"]
    rows = console.emit("sync", {}, callback=True)["state"]["grid"]["rows"]
    assert [r["id"] for r in sorted(rows, key=lambda r: r["position"])] == [second, row]
    for payload, code in (
        ({"row": "nope", "position": 0}, "unknown_row"),
        ({"row": second, "position": "1"}, "invalid_payload"),
    ):
        assert console.emit("grid_row_reorder", payload, callback=True)["error"]["code"] == code
    assert (
        phones[0].emit("grid_merge", {"id": ids[0], "into": ids[2]}, callback=True)["error"]["code"]
        == "forbidden"
    )


def test_two_rows_of_a_table_merge_and_keep_every_contribution(day2):
    _code, console, _board, phones = day2
    first = write(phones[0], "Les repas")["row"]
    write(phones[0], "Plateaux froids", first, "contraintes")
    second = write(phones[1], "Le déjeuner")["row"]
    write(phones[1], "Pas assez d'aides", second, "contraintes")
    elsewhere = write(phones[2], "Les repas", group="t2")["row"]
    assert console.emit("grid_row_merge", {"row": second, "into": first}, callback=True)["ok"]
    grid = console.emit("sync", {}, callback=True)["state"]["grid"]
    assert sorted(r["id"] for r in grid["rows"]) == sorted([first, elsewhere])
    merged = [(c["column"], c["text"]) for c in grid["contributions"] if c["row"] == first]
    assert sorted(merged) == [
        ("contraintes", "Pas assez d'aides"),
        ("contraintes", "Plateaux froids"),
        ("situation", "Le déjeuner"),
        ("situation", "Les repas"),
    ]
    across = console.emit("grid_row_merge", {"row": elsewhere, "into": first}, callback=True)
    assert across["error"]["code"] == "invalid_payload"  # tables keep their own grids
    gone = console.emit("grid_row_merge", {"row": second, "into": first}, callback=True)
    assert gone["error"]["code"] == "unknown_row"


def test_a_batch_carries_the_list_of_tables_once(app, day2):
    _code, console, _board, phones = day2
    for name in ("Table 9", "Table 10", "Table 11"):
        assert console.emit("table_add", {"name": name}, callback=True)["ok"]
    app.extensions["facilitate"].pusher.flush()
    lists = [
        c["tables"] for c in batch_changes(received(phones[0])) if c["type"] == "tables_changed"
    ]
    assert len(lists) == 1 and [t["name"] for t in lists[0]][-3:] == [
        "Table 9",
        "Table 10",
        "Table 11",
    ]


def test_a_table_that_does_not_exist_is_followed_by_nobody(app, day2):
    _code, _console, _board, phones = day2
    write(phones[0], "Les repas", group="t1")
    made_up = {"tables": {"grille": "t99", "nowhere": "t1"}}
    assert phones[1].emit("grid_follow", made_up, callback=True)["grid"]["rows"] == []
    app.extensions["facilitate"].pusher.flush()
    assert grid_batches(received(phones[1])) == []
