"""The review before the minutes go out: names and roles are flagged, privately."""

import pytest

from facilitate.review import reasons


@pytest.mark.parametrize(
    "text",
    [
        "Mme Durand ne répond jamais",
        "Le Dr Martin arrive en retard",
        "Nathalie refuse les échanges de planning",
        "la cadre change les plannings la veille",
        "Le directeur ne vient jamais dans le service",
        "la DRH bloque les recrutements",
        "Notre N+1 ne transmet pas les infos",
    ],
)
def test_names_and_roles_are_flagged(text):
    assert reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "Les plannings changent la veille pour le lendemain",
        "Pas de vraie pause le midi quand le service est plein",
        "Le logiciel de soins est lent le matin",
        "Les transmissions du soir se font debout",
    ],
)
def test_texts_about_the_organisation_pass(text):
    assert reasons(text) == []


def test_the_review_is_for_the_facilitator_only(client, connect, workshop):
    code, key = workshop["code"], workshop["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    phone = connect({"code": code, "role": "participant"})
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    named = phone.emit("note_add", {"text": "Mme Durand est injuste"}, callback=True)["note"]
    phone.emit("note_add", {"text": "Les pauses sont trop courtes"}, callback=True)
    hidden = phone.emit("note_add", {"text": "le directeur ment"}, callback=True)["note"]
    console.emit("note_hide", {"note_id": hidden["id"]}, callback=True)
    response = client.get(
        f"/api/sessions/{code}/review", headers={"Authorization": f"Bearer {key}"}
    )
    [flagged] = response.get_json()["review"]
    assert flagged["id"] == named["id"] and flagged["kind"] == "note" and flagged["reasons"]
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = client.get(f"/api/sessions/{code}/review", headers=headers)
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "bad_key"
