"""Roles, enforced on the server for every event and every private route."""

import pytest

from facilitate import views
from facilitate.events import EVENT_ROLES

FACILITATOR_ONLY = sorted(e for e, roles in EVENT_ROLES.items() if roles == (views.FACILITATOR,))


def test_the_registry_knows_the_facilitators_events():
    assert {"phase_set", "session_close", "minutes_publish", "review_get"} <= set(FACILITATOR_ONLY)
    assert EVENT_ROLES["note_add"] == (views.PARTICIPANT,)


@pytest.mark.parametrize("event", FACILITATOR_ONLY)
def test_every_facilitator_event_is_refused_to_a_phone_and_a_board(phone, board, event):
    for sio in (phone, board):
        ack = sio.emit(event, {}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (event, ack)
        assert ack["error"]["message"] == "Cette action est réservée à l'animation."


@pytest.mark.parametrize("event", sorted(EVENT_ROLES))
def test_every_event_but_join_is_refused_before_joining(connect, event):
    if event == "join":
        return
    ack = connect().emit(event, {}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_joined", (event, ack)


@pytest.mark.parametrize(
    "event", sorted(e for e, r in EVENT_ROLES.items() if r and "board" not in r)
)
def test_the_board_writes_nothing(board, event):
    assert board.emit(event, {"text": "x"}, callback=True)["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "path", ["minutes.json", "minutes.md", "minutes.html", "minutes.docx", "review"]
)
def test_private_routes_need_the_facilitator(client, workshop, path):
    url = f"/api/sessions/{workshop['code']}/{path}"
    for headers in ({}, {"Authorization": "Bearer faux"}, {"Authorization": "faux"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "bad_key"
    key = {"Authorization": f"Bearer {workshop['facilitator_key']}"}
    assert client.get(url, headers=key).status_code == 200


def test_the_console_page_needs_the_key(client, workshop):
    code = workshop["code"]
    assert client.get(f"/f/{code}").status_code == 403
    assert client.get(f"/f/{code}?key=faux").status_code == 403
    response = client.get(f"/f/{code}?key={workshop['facilitator_key']}")
    assert response.status_code == 303 and "key=" not in response.headers["Location"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get(f"/f/{code}").status_code == 200
