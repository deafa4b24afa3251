"""The action plan, the records, rewording and publishing, through the Socket.IO protocol."""

import uuid

import pytest
from helpers import received

FACILITATOR_EVENTS = [
    "note_edit",
    "review_get",
    "action_save",
    "action_delete",
    "record_save",
    "record_delete",
    "minutes_publish",
]


def save(console, **fields) -> dict:
    return console.emit("action_save", fields, callback=True)


@pytest.mark.parametrize("event", FACILITATOR_EVENTS)
def test_facilitator_events_are_refused_to_phones_and_boards(phone, board, event):
    payload = {"id": str(uuid.uuid4()), "what": "x", "owner": "y", "kind": "question", "text": "z"}
    for sio in (phone, board):
        ack = sio.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert phone.emit("sync", {}, callback=True)["state"]["actions"] == []


def test_an_action_is_written_then_updated_field_by_field(console, board, phone, app):
    ack = save(console, what="Présenter le projet au COPIL", owner="le trinôme", due="mars 2027")
    action = ack["action"]
    assert action == {
        "id": action["id"],
        "what": "Présenter le projet au COPIL",
        "owner": "le trinôme",
        "due": "mars 2027",
        "status": "a_valider",
        "indicator": "",
    }
    [(_, pushed)] = received(board, "actions_changed")
    assert pushed["actions"] == [action]
    again = save(console, id=action["id"], status="en_cours", indicator="Nombre de plannings")
    assert again["action"] == {**action, "status": "en_cours", "indicator": "Nombre de plannings"}
    app.extensions["facilitate"].pusher.flush()
    [(_, batch)] = received(phone, "batch")
    assert batch["changes"][-1] == {"type": "actions_changed", "actions": [again["action"]]}


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"what": "Un texte"}, "owner_missing"),
        ({"what": "Un texte", "owner": "   "}, "owner_missing"),
        ({"owner": "le COPIL"}, "invalid_payload"),
        ({"what": "", "owner": "le COPIL"}, "text_empty"),
        ({"what": "x" * 501, "owner": "le COPIL"}, "text_too_long"),
        ({"what": "x", "owner": "le COPIL", "status": "faite"}, "bad_status"),
        ({"what": "x", "owner": "le COPIL", "due": 3}, "invalid_payload"),
        ({"what": "x", "owner": "le COPIL", "id": "pas-un-uuid"}, "invalid_payload"),
    ],
)
def test_action_refusals_write_nothing(console, fields, code):
    ack = save(console, **fields)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    assert console.emit("sync", {}, callback=True)["state"]["actions"] == []


def test_a_bad_update_keeps_the_action_as_it_was(console):
    action = save(console, what="Tester les transmissions assises", owner="l'équipe de nuit")
    action = action["action"]
    assert save(console, id=action["id"], status="perdue")["error"]["code"] == "bad_status"
    assert console.emit("sync", {}, callback=True)["state"]["actions"] == [action]


def test_an_action_can_be_deleted(console):
    action_id = save(console, what="x", owner="le COPIL")["action"]["id"]
    assert console.emit("action_delete", {"id": action_id}, callback=True)["ok"]
    again = console.emit("action_delete", {"id": action_id}, callback=True)
    assert again["error"]["code"] == "unknown_action"


def test_records_are_written_reworded_and_deleted(console, board):
    ack = console.emit("record_save", {"kind": "question", "text": "Qui finance ?"}, callback=True)
    record_id = ack["id"]
    console.emit("record_save", {"kind": "disagreement", "text": "Horaires"}, callback=True)
    console.emit("record_save", {"id": record_id, "text": "Quel budget ?"}, callback=True)
    records = console.emit("sync", {}, callback=True)["state"]["records"]
    assert records == [
        {"id": record_id, "kind": "question", "text": "Quel budget ?"},
        {"id": records[1]["id"], "kind": "disagreement", "text": "Horaires"},
    ]
    assert received(board, "records_changed")[-1][1]["records"] == records
    bad = console.emit("record_save", {"kind": "avis", "text": "x"}, callback=True)
    assert bad["error"]["code"] == "bad_record_kind"
    assert console.emit("record_delete", {"id": record_id}, callback=True)["ok"]
    gone = console.emit("record_delete", {"id": record_id}, callback=True)
    assert gone["error"]["code"] == "unknown_record"


def vote_on(console, phones, text: str) -> str:
    """A note of the short kit's round, voted on by three phones and revealed."""
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    note_id = phones[0].emit("note_add", {"text": text}, callback=True)["note"]["id"]
    console.emit("phase_set", {"phase": "gommettes"}, callback=True)
    for phone in phones:
        phone.emit("vote_cast", {"note_id": note_id}, callback=True)
    console.emit("votes_reveal", {}, callback=True)
    return note_id


def test_rewording_a_note_keeps_its_votes_and_its_rank(console, board, connect, workshop):
    phones = [connect({"code": workshop["code"], "role": "participant"}) for _ in range(3)]
    note_id = vote_on(console, phones, "Mme Durand change les plannings la veille")
    [flagged] = console.emit("review_get", {}, callback=True)["review"]
    assert flagged["kind"] == "note" and flagged["id"] == note_id and flagged["reasons"]
    received(board)
    text = "Les plannings changent la veille"
    assert console.emit("note_edit", {"note_id": note_id, "text": text}, callback=True)["ok"]
    [(_, pushed)] = received(board, "note_changed")
    assert pushed["note"]["text"] == text
    ranking = board.emit("sync", {}, callback=True)["state"]["rankings"]["gommettes"]["ranking"]
    assert ranking == [{"note_id": note_id, "text": text, "rank": 1, "votes": 3}]
    assert console.emit("review_get", {}, callback=True)["review"] == []


def test_the_review_covers_actions_records_and_decisions(console, connect, workshop):
    phones = [connect({"code": workshop["code"], "role": "participant"}) for _ in range(3)]
    note_id = vote_on(console, phones, "Les pauses sautent")
    console.emit(
        "decision_set",
        {"note_id": note_id, "decision": "Retenu", "reason": "Le directeur le veut"},
        callback=True,
    )
    action = save(console, what="Revoir les pauses", owner="Mme Martin")["action"]
    console.emit("record_save", {"kind": "question", "text": "Et la DRH ?"}, callback=True)
    review = console.emit("review_get", {}, callback=True)["review"]
    found = {(r["kind"], r.get("field")) for r in review}
    assert found == {("decision", "reason"), ("action", "owner"), ("record", None)}
    assert next(r for r in review if r["kind"] == "action")["id"] == action["id"]


def test_publishing_waits_for_the_close_then_opens_the_minutes(client, console, phone, board):
    code = console.emit("sync", {}, callback=True)["state"]["code"]
    ack = console.emit("minutes_publish", {}, callback=True)
    assert ack["error"]["code"] == "not_closed"
    assert client.get(f"/api/sessions/{code}/minutes.html").status_code == 401
    console.emit("session_close", {}, callback=True)
    received(phone)
    ack = console.emit("minutes_publish", {}, callback=True)
    url = f"/api/sessions/{code}/minutes.html"
    assert ack == {"ok": True, "published": True, "url": url}
    [(_, direct)] = received(phone, "minutes_published")
    assert direct["published"] is True and direct["url"] == url
    assert phone.emit("sync", {}, callback=True)["state"]["minutes_url"] == url
    page = client.get(url)
    assert page.status_code == 200 and "<h1>Compte-rendu : Atelier test</h1>" in page.text
    assert client.get(f"/api/sessions/{code}/minutes.docx").status_code == 200
    console.emit("minutes_publish", {"published": False}, callback=True)
    assert client.get(url).status_code == 401
    bad = console.emit("minutes_publish", {"published": "oui"}, callback=True)
    assert bad["error"]["code"] == "invalid_payload"


def test_closing_stops_every_new_write(console, phone):
    action_id = save(console, what="x", owner="le COPIL")["action"]["id"]
    console.emit("session_close", {}, callback=True)
    refusals = [
        save(console, what="y", owner="le COPIL"),
        save(console, id=action_id, status="realisee"),
        console.emit("action_delete", {"id": action_id}, callback=True),
        console.emit("record_save", {"kind": "question", "text": "z"}, callback=True),
        console.emit("note_edit", {"note_id": action_id, "text": "z"}, callback=True),
    ]
    assert [r["error"]["code"] for r in refusals] == ["session_closed"] * 5
    assert phone.emit("sync", {}, callback=True)["state"]["actions"][0]["status"] == "a_valider"
