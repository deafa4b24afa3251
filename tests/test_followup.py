"""A session that follows another: "Où en est-on ?", carried actions, and the series' story."""

import json

import pytest

from facilitate.cli import main
from facilitate.workshop import french_date


def open_session(client, kit="atelier-court", **fields) -> dict:
    response = client.post("/api/sessions", json={"kit": kit, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def run_day(client, connect, title: str, priority: str, actions: list[tuple], follows=None):
    """A short session: a voted priority, a COPIL decision, actions; closed at the end."""
    extra = (
        {"follows": follows["code"], "follows_key": follows["facilitator_key"]} if follows else {}
    )
    links = open_session(client, title=title, **extra)
    console = connect(
        {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    )
    phones = [connect({"code": links["code"], "role": "participant"}) for _ in range(3)]
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    note_id = phones[0].emit("note_add", {"text": priority}, callback=True)["note"]["id"]
    console.emit("phase_set", {"phase": "gommettes"}, callback=True)
    for phone in phones:
        phone.emit("vote_cast", {"note_id": note_id}, callback=True)
    console.emit("votes_reveal", {}, callback=True)
    console.emit(
        "decision_set",
        {"note_id": note_id, "decision": "Retenue", "reason": "Sans coût"},
        callback=True,
    )
    for what, status in actions:
        console.emit(
            "action_save", {"what": what, "owner": "le trinôme", "status": status}, callback=True
        )
    return links, console


def minutes_of(client, links) -> dict:
    headers = {"Authorization": f"Bearer {links['facilitator_key']}"}
    return client.get(f"/api/sessions/{links['code']}/minutes.json", headers=headers).get_json()


def test_a_follow_up_opens_with_what_was_left_open(client, connect):
    day1, console1 = run_day(
        client,
        connect,
        "Journée 1",
        "Des relèves assises",
        [("Présenter au COPIL", "validee"), ("Lister les situations", "realisee")],
    )
    console1.emit("session_close", {}, callback=True)
    day2 = open_session(
        client, title="Journée 2", follows=day1["code"].lower(), follows_key=day1["facilitator_key"]
    )
    phone = connect({"code": day2["code"], "role": "participant"})
    state = phone.ack["state"]
    date = minutes_of(client, day1)["date"]
    assert state["followup"] == {
        "followed": f"Journée 1, {french_date(date)}",
        "priorities": [
            {
                "text": "Des relèves assises",
                "rank": 1,
                "votes": 3,
                "decision": "Retenue",
                "reason": "Sans coût",
            }
        ],
    }
    [carried] = state["actions"]
    assert carried["what"] == "Présenter au COPIL" and carried["status"] == "validee"
    assert carried["origin"] == f"Journée 1, {french_date(date)}"
    console2 = connect(
        {"code": day2["code"], "role": "facilitator", "key": day2["facilitator_key"]}
    )
    ack = console2.emit("action_save", {"id": carried["id"], "status": "en_cours"}, callback=True)
    assert ack["action"]["status"] == "en_cours"
    # The earlier session keeps its own record as it was.
    assert minutes_of(client, day1)["actions"][0]["status"] == "validee"


def test_three_sessions_read_as_one_story_in_the_last_minutes(client, connect):
    day1, console = run_day(client, connect, "Journée 1", "Relèves", [("Action A", "en_cours")])
    day2, console = run_day(
        client, connect, "Journée 2", "Pauses", [("Action B", "a_valider")], follows=day1
    )
    console.emit(
        "action_save", {"id": _id_of(console, "Action A"), "status": "realisee"}, callback=True
    )
    day3 = open_session(
        client, title="Journée 3", follows=day2["code"], follows_key=day2["facilitator_key"]
    )
    m = minutes_of(client, day3)
    assert [s["title"] for s in m["series"]] == ["Journée 1", "Journée 2"]
    assert m["series"][0]["actions"] == [
        {"what": "Action A", "owner": "le trinôme", "status": "en_cours"}
    ]
    assert {"what": "Action A", "owner": "le trinôme", "status": "realisee"} in m["series"][1][
        "actions"
    ]
    assert [a["what"] for a in m["actions"]] == ["Action B"]  # A was done: it stops there
    assert m["followup"]["priorities"][0]["text"] == "Pauses"
    md = client.get(
        f"/api/sessions/{day3['code']}/minutes.md",
        headers={"Authorization": f"Bearer {day3['facilitator_key']}"},
    ).get_data(as_text=True)
    assert md.index("### Journée 1") < md.index("### Journée 2") < md.index("## Plan d'action")


def _id_of(console, what: str) -> str:
    actions = console.emit("sync", {}, callback=True)["state"]["actions"]
    return next(a["id"] for a in actions if a["what"] == what)


@pytest.mark.parametrize(
    "fields, status, code",
    [
        ({"follows": "ZZZZZZ", "follows_key": "x"}, 400, "unknown_follows"),
        ({"follows": 12, "follows_key": "x"}, 400, "unknown_follows"),
        ({"follows": "{code}", "follows_key": "mauvaise"}, 403, "bad_key"),
        ({"follows": "{code}"}, 403, "bad_key"),
    ],
)
def test_following_needs_the_earlier_sessions_key(client, workshop, fields, status, code):
    fields = {
        k: v.format(code=workshop["code"]) if isinstance(v, str) else v for k, v in fields.items()
    }
    response = client.post("/api/sessions", json={"kit": "atelier-court", **fields})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_the_start_page_offers_only_this_browsers_sessions(client, workshop):
    assert workshop["code"] not in client.get("/animer").text
    client.get(f"/f/{workshop['code']}?key={workshop['facilitator_key']}")  # sets the cookie
    page = client.get("/animer").text
    assert workshop["code"] in page
    response = client.post(
        "/animer", data={"kit": "groupe-de-travail", "follows": workshop["code"]}
    )
    assert response.status_code == 303
    other = client.application.test_client()  # another browser: no cookie, no following
    refused = other.post("/animer", data={"kit": "groupe-de-travail", "follows": workshop["code"]})
    assert refused.status_code == 400 and workshop["code"] not in other.get("/animer").text


def test_the_command_line_opens_a_follow_up(client, workshop, app, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACILITATE_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FACILITATE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("FACILITATE_DATA_DIR", str(tmp_path))
    assert main(["new", "--kit", "groupe-de-travail", "--follows", workshop["code"]]) == 0
    links = json.loads(capsys.readouterr().out)
    assert minutes_of(client, links)["followup"]["followed"].startswith("Atelier test, ")
    assert main(["new", "--kit", "groupe-de-travail", "--follows", "ZZZZZZ"]) == 2
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "unknown_follows"
