"""The minutes: what they hold, what they never hold, hostile text made inert, CLI = HTTP."""

import io
import json
import re
import zipfile

import pytest
from helpers import docx_text, received

from facilitate.cli import main

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[cliquez](javascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "# Un faux titre | et | des barres",
    "**gras** _souligné_ `code`",
]


@pytest.fixture
def closed_session(client, connect):
    """A short workshop run to its end: notes (one hidden), a theme, a vote, a decision, a grid."""
    links = client.post(
        "/api/sessions", json={"kit": "atelier-court", "title": "Nuit <B>"}
    ).get_json()
    code, key = links["code"], links["facilitator_key"]
    console = connect({"code": code, "role": "facilitator", "key": key})
    phones = [connect({"code": code, "role": "participant"}) for _ in range(3)]
    console.emit("phase_set", {"phase": "idees"}, callback=True)
    ids = {}
    for text in ["Relèves trop courtes", "Mme Durand est injuste", *HOSTILE]:
        ids[text] = phones[0].emit("note_add", {"text": text}, callback=True)["note"]["id"]
    console.emit("note_hide", {"note_id": ids["Mme Durand est injuste"]}, callback=True)
    console.emit("phase_set", {"phase": "themes"}, callback=True)
    console.emit(
        "theme_create",
        {"title": "Le temps", "note_ids": [ids["Relèves trop courtes"]]},
        callback=True,
    )
    console.emit("phase_set", {"phase": "gommettes"}, callback=True)
    for phone in phones:
        phone.emit("vote_cast", {"note_id": ids[HOSTILE[0]]}, callback=True)
    console.emit("votes_reveal", {}, callback=True)
    console.emit(
        "decision_set",
        {"note_id": ids[HOSTILE[0]], "decision": "Retenu", "reason": "Urgent"},
        callback=True,
    )
    console.emit("phase_set", {"phase": "grille"}, callback=True)
    row = phones[1].emit(
        "grid_set", {"row": None, "column": "situation", "text": "Les repas"}, callback=True
    )["row"]
    phones[2].emit("grid_set", {"row": row, "column": "effets", "text": HOSTILE[1]}, callback=True)
    assert console.emit("session_close", {}, callback=True)["ok"]
    received(console)
    return code, key


def get(client, code, fmt, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(f"/api/sessions/{code}/minutes.{fmt}", headers=headers)


def keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def test_json_minutes_hold_the_session_and_nothing_personal(client, closed_session):
    code, key = closed_session
    m = get(client, code, "json", key).get_json()
    assert m["session"] == {
        "code": code,
        "title": "Nuit <B>",
        "kit": "atelier-court",
        "kit_title": "Atelier court : idées et priorités",
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", m["date"]) and m["participants"] == 3
    texts = [n["text"] for n in m["notes"]]
    assert "Mme Durand est injuste" not in texts and "Relèves trop courtes" in texts
    assert {"group": "Le temps"}.items() <= next(
        n for n in m["notes"] if n["text"] == "Relèves trop courtes"
    ).items()
    assert m["priorities"][0] == {**m["priorities"][0], "text": HOSTILE[0], "votes": 3, "rank": 1}
    assert m["decisions"][0]["decision"] == "Retenu"
    assert m["grid"][0]["situation"] == ["Les repas"] and m["grid"][0]["effets"] == [HOSTILE[1]]
    assert not keys(m) & {
        "token",
        "participant",
        "participant_id",
        "role",
        "ip",
        "author",
        "created_at",
        "time",
        "timestamp",
    }


def test_minutes_need_the_facilitator_key(client, closed_session):
    code, _key = closed_session
    for key in (None, "wrong"):
        response = get(client, code, "md", key)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "bad_key"
    assert client.get(f"/api/sessions/{code}/minutes.pdf").status_code == 404


def test_hostile_text_is_inert_in_markdown_and_html(client, closed_session):
    code, key = closed_session
    md = get(client, code, "md", key).get_data(as_text=True)
    assert "<script" not in md and "<img" not in md and "&lt;script&gt;" in md
    html = get(client, code, "html", key).get_data(as_text=True)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only as visible text, if at all
    assert "<h1>Compte-rendu : Nuit &lt;B&gt;</h1>" in html
    assert "<h1>Un faux titre" not in html and "<strong>gras" not in html
    assert "<table>" in html  # the grid is a real table


def test_exports_are_identical_on_every_call_and_the_cli_writes_the_same(
    client, closed_session, app, tmp_path, monkeypatch
):
    code, key = closed_session
    first = get(client, code, "md", key).get_data(as_text=True)
    assert get(client, code, "md", key).get_data(as_text=True) == first
    monkeypatch.setenv("FACILITATE_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FACILITATE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("FACILITATE_DATA_DIR", str(tmp_path))
    out = tmp_path / "cr.md"
    assert main(["export", code.lower(), "--format", "md", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == first
    assert main(["export", code, "--format", "json", "-o", str(tmp_path / "cr.json")]) == 0
    on_disk = json.loads((tmp_path / "cr.json").read_text(encoding="utf-8"))
    assert on_disk == get(client, code, "json", key).get_json()
    assert main(["export", "ZZZZZZ"]) == 2


def test_hostile_text_stays_plain_text_in_the_word_file(client, closed_session):
    code, key = closed_session
    data = get(client, code, "docx", key).data
    text = docx_text(data)
    for hostile in HOSTILE[:4]:
        assert hostile in text  # read back exactly as typed: text, not markup
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
        names = archive.namelist()
    assert "<script" not in xml and "&lt;script&gt;" in xml
    assert not [n for n in names if "hyperlink" in n or n.endswith(".bin")]
    assert "<w:hyperlink" not in xml and "javascript" not in xml.replace(HOSTILE[2], "")


def test_the_printable_page_allows_its_own_style_and_nothing_else(client, closed_session):
    code, key = closed_session
    response = get(client, code, "html", key)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "'unsafe-inline'" not in csp
    assert response.text.startswith("<!doctype html>") and "@page { size: A4" in response.text
