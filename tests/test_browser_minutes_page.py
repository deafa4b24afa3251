"""The printable minutes page in Chromium: printed to A4 PDF, and read on a phone."""

from pathlib import Path

import pytest
import socketio

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def run_session(server) -> dict:
    """A short session driven over the real protocol: a grid row, an action, closed, published."""
    links = server.open_session(kit="atelier-court", title="Équipe de nuit, médecine B")
    console = socketio.Client()
    console.connect(server.url, transports=["websocket"])
    phone = socketio.Client()
    phone.connect(server.url, transports=["websocket"])
    try:
        key = links["facilitator_key"]
        assert console.call("join", {"code": links["code"], "role": "facilitator", "key": key})[
            "ok"
        ]
        assert phone.call("join", {"code": links["code"], "role": "participant"})["ok"]
        console.call("phase_set", {"phase": "grille"})
        row = phone.call("grid_set", {"row": None, "column": "situation", "text": "La relève"})
        for column in ("contraintes", "ressources", "causes", "effets", "pistes_action"):
            text = f"Une contribution assez longue pour la colonne {column}, sur deux lignes"
            phone.call("grid_set", {"row": row["row"], "column": column, "text": text})
        console.call("action_save", {"what": "Tester une relève assise", "owner": "le trinôme"})
        console.call("session_close", {})
        assert console.call("minutes_publish", {})["ok"]
    finally:
        console.disconnect()
        phone.disconnect()
    return links


def test_the_minutes_print_on_a4_and_read_on_a_phone(live_server, browser, screenshot):
    links = run_session(live_server)
    url = f"{live_server.url}/api/sessions/{links['code']}/minutes.html"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url)
    assert page.title() == "Compte-rendu : Équipe de nuit, médecine B"
    # The inline stylesheet is allowed by its hash: the page is styled, not raw.
    assert page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle") == (
        "solid"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "minutes-a4.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "minutes-phone-360")
