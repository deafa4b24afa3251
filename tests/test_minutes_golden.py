"""A scripted series of two sessions, and the last one's minutes against reviewed references.

The references in tests/golden/ were read line by line before they were committed. After a
deliberate change of the minutes, rewrite them with FACILITATE_WRITE_GOLDEN=1 and read the diff.
"""

import datetime
import io
import itertools
import json
import os
import uuid
from pathlib import Path

import pytest
from docx import Document
from helpers import docx_text

from facilitate import workshop as rules

GOLDEN = Path(__file__).resolve().parent / "golden"
REWRITE = os.environ.get("FACILITATE_WRITE_GOLDEN") == "1"
FORMATS = {"json": "minutes.json", "md": "minutes.md", "html": "minutes.html"}


@pytest.fixture
def fixed_chance(monkeypatch):
    """Codes, days, board order and server-made ids as in the reference, not drawn by chance."""
    codes = iter(["K7P2QX9M", "M4RT9BW3"])
    counter = itertools.count(1)
    monkeypatch.setattr(rules, "new_code", lambda: next(codes))
    monkeypatch.setattr(rules, "today", lambda: datetime.date(2026, 11, 24))
    monkeypatch.setattr(rules, "new_sort_key", lambda: next(counter))
    ids = itertools.count(1)
    monkeypatch.setattr(rules.uuid, "uuid4", lambda: uuid.UUID(int=next(ids)))


def note_id(n: int) -> str:
    return str(uuid.UUID(int=1000 + n))


def emit(sio, event: str, payload: dict) -> dict:
    ack = sio.emit(event, payload, callback=True)
    assert ack["ok"], (event, ack)
    return ack


def first_day(client, connect) -> dict:
    """A working group's first meeting: one priority, two actions, closed."""
    links = client.post(
        "/api/sessions", json={"kit": "atelier-court", "title": "Groupe de travail, réunion 1"}
    ).get_json()
    console = connect(
        {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    )
    phones = [connect({"code": links["code"], "role": "participant"}) for _ in range(3)]
    emit(console, "phase_set", {"phase": "idees"})
    emit(phones[0], "note_add", {"text": "Les transmissions se font debout", "id": note_id(1)})
    emit(console, "phase_set", {"phase": "gommettes"})
    for phone in phones:
        emit(phone, "vote_cast", {"note_id": note_id(1)})
    emit(console, "votes_reveal", {})
    emit(console, "action_save", {"what": "Installer des chaises", "owner": "le trinôme"})
    emit(
        console,
        "action_save",
        {"what": "Écrire la fiche", "owner": "le groupe de travail", "status": "realisee"},
    )
    emit(console, "session_close", {})
    return links


@pytest.fixture
def series(client, connect, fixed_chance):
    """The second meeting follows the first, and goes through every phase of its kit."""
    day1 = first_day(client, connect)
    links = client.post(
        "/api/sessions",
        json={
            "kit": "groupe-de-travail",
            "title": "Groupe de travail, réunion 2",
            "follows": day1["code"],
            "follows_key": day1["facilitator_key"],
        },
    ).get_json()
    code, key = links["code"], links["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(4)]
    carried = console.ack["state"]["actions"][0]["id"]
    emit(console, "phase_set", {"phase": "ou-en-est-on"})
    emit(console, "action_save", {"id": carried, "status": "en_cours"})
    emit(console, "phase_set", {"phase": "recueil"})
    notes = [
        ("Ce qui pèse", "Les rappels sur les repos <toujours>"),
        ("Ce qui pèse", "Le planning change la veille | sans prévenir"),
        ("Ce qui aide", "L'entraide entre *collègues* de nuit"),
        ("Ce qui pèse", "Mme Durand ne répond jamais"),
    ]
    for n, (lane, text) in enumerate(notes, 2):
        emit(phones[n % 4], "note_add", {"text": text, "id": note_id(n), "lane": lane})
    emit(console, "note_hide", {"note_id": note_id(5)})
    emit(console, "phase_set", {"phase": "themes"})
    theme = emit(
        console, "theme_create", {"title": "Le temps", "note_ids": [note_id(2), note_id(3)]}
    )["theme_id"]
    emit(console, "phase_set", {"phase": "priorisation"})
    for phone in phones[:3]:
        emit(phone, "vote_cast", {"theme_id": theme})
    emit(phones[3], "vote_cast", {"note_id": note_id(4)})
    emit(console, "votes_reveal", {})
    emit(
        console,
        "decision_set",
        {"theme_id": theme, "decision": "Validée", "reason": "Rien ne coûte à l'essai"},
    )
    emit(console, "phase_set", {"phase": "grille"})
    row = emit(phones[0], "grid_set", {"row": None, "column": "situation", "text": "La relève"})
    row = row["row"]
    for column, text in [
        ("contraintes", "Dix minutes"),
        ("effets", "Fatigue"),
        ("effets", "Oublis"),
    ]:
        emit(phones[1], "grid_set", {"row": row, "column": column, "text": text})
    emit(console, "phase_set", {"phase": "actions"})
    emit(
        console,
        "action_save",
        {
            "what": "Tester une relève assise",
            "owner": "l'équipe de nuit",
            "due": "mars 2027",
            "status": "validee",
            "indicator": "Oublis signalés par mois",
        },
    )
    emit(console, "phase_set", {"phase": "suite"})
    for kind, text in [
        ("disagreement", "Faut-il une relève écrite ?"),
        ("question", "Qui remplace pendant la relève ?"),
        ("intersession", "Compter les oublis pendant un mois"),
    ]:
        emit(console, "record_save", {"kind": kind, "text": text})
    emit(console, "session_close", {})
    return code, key


def fetch(client, code: str, key: str, fmt: str) -> bytes:
    response = client.get(
        f"/api/sessions/{code}/minutes.{fmt}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    return response.data


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if REWRITE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its reference"


@pytest.mark.parametrize("fmt", FORMATS)
def test_minutes_match_the_reviewed_reference(client, series, fmt):
    code, key = series
    check(FORMATS[fmt], fetch(client, code, key, fmt).decode("utf-8"))


def test_the_word_file_reads_back_as_the_reference(client, series):
    code, key = series
    data = fetch(client, code, key, "docx")
    check("minutes.docx.txt", docx_text(data))
    props = Document(io.BytesIO(data)).core_properties
    assert props.author == "facilitate" and props.last_modified_by == "facilitate"
    assert props.created == datetime.datetime(2026, 11, 24, tzinfo=datetime.UTC)


def test_every_export_after_close_is_the_same_bytes(client, series):
    code, key = series
    for fmt in (*FORMATS, "docx"):
        assert fetch(client, code, key, fmt) == fetch(client, code, key, fmt), fmt


def test_the_reference_holds_nothing_personal():
    m = json.loads((GOLDEN / "minutes.json").read_text(encoding="utf-8"))
    text = json.dumps(m, ensure_ascii=False)
    assert "Mme Durand" not in text  # the hidden note
    for word in ("token", "participant_id", "role", "author", "created", "ip"):
        assert f'"{word}"' not in text
