"""Themes and dot votes through the protocol, on SQLite and PostgreSQL."""

import threading
import uuid

import pytest
from helpers import received

from facilitate.models import DotRow, ParticipantRow, VoteRoundRow
from facilitate.store import Store


class Room:
    """A workshop of the short kit with a console, a board and phones, notes already posted."""

    def __init__(self, app, connect, workshop, phones: int = 3) -> None:
        self.app, self.code = app, workshop["code"]
        key = workshop["facilitator_key"]
        self.console = connect({"code": self.code, "role": "facilitator", "key": key})
        self.board = connect({"code": self.code, "role": "board"})
        self.phones = [connect({"code": self.code, "role": "participant"}) for _ in range(phones)]
        self.step("idees")
        self.notes = {}
        for text in ("Relèves trop courtes", "Pas de pause", "Logiciel lent", "Bruit"):
            ack = self.phones[0].emit("note_add", {"text": text}, callback=True)
            self.notes[text] = ack["note"]["id"]

    def step(self, phase: str) -> dict:
        ack = self.console.emit("phase_set", {"phase": phase}, callback=True)
        assert ack["ok"], ack
        return ack

    def fac(self, event: str, payload: dict) -> dict:
        return self.console.emit(event, payload, callback=True)

    def vote(self, phone, note: str, dot_id: str | None = None) -> dict:
        payload = {"note_id": self.notes[note], "id": dot_id or str(uuid.uuid4())}
        return phone.emit("vote_cast", payload, callback=True)

    @property
    def store(self) -> Store:
        return self.app.extensions["facilitate"].store


@pytest.fixture
def room(app, connect, workshop):
    return Room(app, connect, workshop)


def test_themes_group_rename_merge_and_undo(room):
    a = room.fac("theme_create", {"title": "Temps", "note_ids": [room.notes["Pas de pause"]]})
    b = room.fac("theme_create", {"title": "Outils", "note_ids": [room.notes["Logiciel lent"]]})
    assert room.fac("theme_rename", {"theme_id": a["theme_id"], "title": "Le temps"})["ok"]
    assert room.fac("note_move", {"note_id": room.notes["Bruit"], "theme_id": b["theme_id"]})["ok"]
    assert room.fac("theme_merge", {"theme_id": b["theme_id"], "into": a["theme_id"]})["ok"]
    state = room.console.emit("sync", {}, callback=True)["state"]
    assert [t["title"] for t in state["themes"]] == ["Le temps"]
    grouped = {n["text"] for n in state["notes"] if n.get("theme") == a["theme_id"]}
    assert grouped == {"Pas de pause", "Logiciel lent", "Bruit"}
    *_, (_, last) = received(room.board, "themes_changed")
    assert last["grouping"][room.notes["Bruit"]] == a["theme_id"]
    assert room.fac("theme_delete", {"theme_id": a["theme_id"]})["ok"]
    state = room.board.emit("sync", {}, callback=True)["state"]
    assert state["themes"] == [] and not any("theme" in n for n in state["notes"])


@pytest.mark.parametrize(
    "event, payload, code",
    [
        ("theme_create", {"title": ""}, "text_empty"),
        ("theme_create", {"title": "x" * 121}, "text_too_long"),
        ("theme_create", {"title": "T", "note_ids": "abc"}, "invalid_payload"),
        ("theme_create", {"title": "T", "note_ids": ["nope"]}, "unknown_note"),
        ("theme_rename", {"theme_id": "nope", "title": "T"}, "unknown_theme"),
        ("theme_merge", {"theme_id": "nope", "into": "nope"}, "unknown_theme"),
        ("theme_delete", {"theme_id": 4}, "invalid_payload"),
        ("note_move", {"note_id": "nope", "theme_id": None}, "unknown_note"),
    ],
)
def test_theme_refusals_write_nothing(room, event, payload, code):
    rev = room.console.emit("sync", {}, callback=True)["state"]["rev"]
    assert room.fac(event, payload)["error"]["code"] == code
    assert room.console.emit("sync", {}, callback=True)["state"]["rev"] == rev


def test_participants_may_not_group(room):
    ack = room.phones[0].emit("theme_create", {"title": "T"}, callback=True)
    assert ack["error"]["code"] == "forbidden"


def test_budget_holds_and_resends_place_nothing_more(room):
    room.step("gommettes")
    phone = room.phones[0]
    dot = str(uuid.uuid4())
    assert room.vote(phone, "Bruit", dot)["remaining"] == 2
    assert room.vote(phone, "Bruit", dot)["remaining"] == 2  # lost ack, resent
    assert room.vote(phone, "Bruit")["remaining"] == 1  # several dots on one item: allowed
    assert room.vote(phone, "Pas de pause")["remaining"] == 0
    assert room.vote(phone, "Logiciel lent")["error"]["code"] == "no_dots_left"
    back = phone.emit("vote_retract", {"note_id": room.notes["Bruit"], "id": dot}, callback=True)
    assert back["remaining"] == 1
    again = phone.emit("vote_retract", {"note_id": room.notes["Bruit"], "id": dot}, callback=True)
    assert again["remaining"] == 1  # a resend takes nothing more
    assert room.vote(phone, "Logiciel lent")["remaining"] == 0


def test_rejoining_phone_keeps_its_dots(room, connect):
    room.step("gommettes")
    phone = room.phones[1]
    ack = room.vote(phone, "Bruit")
    again = connect({"code": room.code, "role": "participant", "token": phone.ack["token"]})
    assert again.ack["state"]["my_dots"] == [{"id": ack["id"], "note_id": room.notes["Bruit"]}]
    assert room.vote(again, "Bruit")["remaining"] == 1  # the same budget


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"note_id": "inconnue"}, "unknown_item"),
        ({"theme_id": "inconnu"}, "unknown_item"),
        ({"note_id": 3}, "invalid_payload"),
        ({}, "invalid_payload"),
        ({"note_id": "x", "id": "pas-un-uuid"}, "invalid_payload"),
    ],
)
def test_vote_refusals(room, payload, code):
    room.step("gommettes")
    assert room.phones[0].emit("vote_cast", payload, callback=True)["error"]["code"] == code


def test_no_vote_outside_a_vote_phase_or_after_the_reveal(room):
    assert room.vote(room.phones[0], "Bruit")["error"]["code"] == "vote_closed"
    room.step("gommettes")
    room.fac("votes_reveal", {})
    assert room.vote(room.phones[0], "Bruit")["error"]["code"] == "vote_closed"
    assert room.fac("votes_reveal", {})["error"]["code"] == "vote_closed"


def test_no_screen_gets_a_count_before_the_reveal(room):
    room.step("gommettes")
    for sio in (room.console, room.board, *room.phones):
        received(sio)
    for phone in room.phones:
        room.vote(phone, "Bruit")
        room.vote(phone, "Pas de pause")
    seen = []
    for sio in (room.console, room.board, *room.phones):
        seen += received(sio)
        seen.append(("sync", sio.emit("sync", {}, callback=True)["state"]))
    assert seen and all("votes" not in str(payload) for _, payload in seen)
    progress = [p["voters"] for name, p in seen if name == "votes_progress"]
    assert progress and max(progress) == 3
    revealed = room.fac("votes_reveal", {})
    assert revealed["counts_shown"] is True
    assert [(r["text"], r["votes"], r["rank"]) for r in revealed["ranking"]] == [
        ("Bruit", 3, 1),
        ("Pas de pause", 3, 1),
    ]
    for phone in room.phones:
        [(_, got)] = received(phone, "votes_revealed")
        assert got["ranking"] == revealed["ranking"]


def test_phones_get_the_first_priorities_and_the_board_the_whole_ranking(room, connect):
    from facilitate.views import PHONE_RANKING

    room.step("idees")
    writer = room.phones[1]
    texts = [f"Idée {i}" for i in range(PHONE_RANKING + 2)]
    for text in texts:
        room.notes[text] = writer.emit("note_add", {"text": text}, callback=True)["note"]["id"]
    room.step("gommettes")
    for phone in room.phones:
        received(phone)
    for first in range(0, len(texts), 3):  # every idea gets a dot; a phone has three
        voter = connect({"code": room.code, "role": "participant"})
        for text in texts[first : first + 3]:
            assert room.vote(voter, text)["ok"]
    whole = room.fac("votes_reveal", {})["ranking"]
    assert len(whole) == PHONE_RANKING + 2
    [(_, revealed)] = received(room.phones[0], "votes_revealed")
    assert revealed["ranking"] == whole[:PHONE_RANKING] and revealed["more"] == 2
    assert revealed["more_rank"] == whole[PHONE_RANKING]["rank"] == 1  # one dot each: all tied
    rejoined = connect({"code": room.code, "role": "participant"}).ack["state"]
    assert rejoined["rankings"]["gommettes"]["ranking"] == whole[:PHONE_RANKING]
    assert rejoined["rankings"]["gommettes"]["more"] == 2
    assert rejoined["rankings"]["gommettes"]["more_rank"] == 1
    board = room.board.emit("sync", {}, callback=True)["state"]["rankings"]["gommettes"]
    assert board["ranking"] == whole and "more" not in board and "more_rank" not in board


def test_fewer_than_three_voters_see_no_count(room):
    room.step("gommettes")
    room.vote(room.phones[0], "Bruit")
    room.vote(room.phones[1], "Bruit")
    room.vote(room.phones[1], "Logiciel lent")
    revealed = room.fac("votes_reveal", {})
    assert revealed["counts_shown"] is False and revealed["voters"] == 2
    assert [r["text"] for r in revealed["ranking"]] == ["Bruit", "Logiciel lent"]
    assert all("votes" not in r for r in revealed["ranking"])
    state = room.board.emit("sync", {}, callback=True)["state"]
    assert "votes" not in str(state["rankings"])


def test_one_dot_per_item_when_the_kit_says_so(client, connect):
    links = client.post("/api/sessions", json={"kit": "cluster-j1"}).get_json()
    code, key = links["code"], links["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    phone = connect({"code": code, "role": "participant"})
    votes = [p for p in console.ack["state"]["phases"] if p["kind"] == "vote"]
    assert votes[0]["multiple"] is False
    console.emit("phase_set", {"phase": votes[0]["id"]}, callback=True)
    theme = console.emit("theme_create", {"title": "Contenu A"}, callback=True)["theme_id"]
    assert phone.emit("sync", {}, callback=True)["state"]["ballot"] == [
        {"theme_id": theme, "text": "Contenu A"}
    ]
    assert phone.emit("vote_cast", {"theme_id": theme}, callback=True)["ok"]
    again = phone.emit("vote_cast", {"theme_id": theme}, callback=True)
    assert again["error"]["code"] == "one_dot_per_item"


def test_phones_get_the_ballot_with_the_vote_phase(room):
    received(room.phones[2])
    room.step("gommettes")
    [(_, changed)] = received(room.phones[2], "phase_changed")
    assert sorted(i["text"] for i in changed["ballot"]) == sorted(room.notes)
    assert all(set(i) == {"note_id", "text"} for i in changed["ballot"])


def test_decisions_apply_to_ranked_items_only(room):
    room.step("gommettes")
    for phone in room.phones:
        room.vote(phone, "Bruit")
    room.fac("votes_reveal", {})
    payload = {"note_id": room.notes["Bruit"], "decision": "Retenu", "reason": "Budget 2027"}
    assert room.fac("decision_set", payload)["ok"]
    [(_, seen)] = received(room.board, "decision_changed")
    assert seen["decision"] == payload
    other = {**payload, "note_id": room.notes["Pas de pause"]}
    assert room.fac("decision_set", other)["error"]["code"] == "unknown_item"
    state = room.board.emit("sync", {}, callback=True)["state"]
    assert state["decisions"] == [payload]
    assert state["rankings"]["gommettes"]["ranking"][0]["votes"] == 3  # the group's own, intact


def test_close_keeps_totals_and_forgets_every_phone(room):
    room.step("gommettes")
    for phone in room.phones:
        room.vote(phone, "Bruit")
    assert room.fac("session_close", {})["ok"]
    assert room.vote(room.phones[0], "Bruit")["error"]["code"] == "session_closed"
    add = room.phones[0].emit("note_add", {"text": "Trop tard"}, callback=True)
    assert add["error"]["code"] == "session_closed"
    with room.store.unit() as tx:
        assert tx.query(DotRow).count() == 0
        assert tx.query(ParticipantRow).count() == 0
        [kept] = tx.query(VoteRoundRow).all()
        assert kept.voters == 3 and "Bruit" in kept.ranking_json


def test_two_tabs_racing_never_pass_the_budget(room, connect):
    """Threads cast with one phone's token at once: never more dots than the budget."""
    room.step("gommettes")
    token = room.phones[0].ack["token"]
    tabs = [connect({"code": room.code, "role": "participant", "token": token}) for _ in range(4)]
    answers = []

    def tap(tab) -> None:
        for _ in range(3):
            answers.append(room.vote(tab, "Bruit"))

    threads = [threading.Thread(target=tap, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    placed = [a for a in answers if a["ok"]]
    assert len(placed) == 3
    assert all(a["error"]["code"] == "no_dots_left" for a in answers if not a["ok"])
    assert sorted(a["remaining"] for a in placed) == [0, 1, 2]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_server_processes_racing_never_pass_the_budget(room, database_url):
    """Two stores with their own locks, as two processes would be: PostgreSQL holds."""
    room.step("gommettes")
    token = room.phones[0].ack["token"]
    stores = [Store(database_url, "test-secret") for _ in range(2)]
    results = []

    def cast(store) -> None:
        for _ in range(4):
            try:
                results.append(
                    store.cast_dot(
                        room.code, token, f"note:{room.notes['Bruit']}", str(uuid.uuid4())
                    )[0]
                )
            except Exception as error:  # noqa: BLE001 - a refusal is the expected outcome
                results.append(getattr(error, "code", repr(error)))

    threads = [threading.Thread(target=cast, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r for r in results if isinstance(r, int)) == [0, 1, 2]
    assert results.count("no_dots_left") == 5
    for store in stores:
        store.engine.dispose()
