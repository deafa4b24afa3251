"""The action plan, the records, the published minutes and "Où en est-on ?" on the projector, the
phones and the start page, in Debian's Chromium against the real server. The facilitator's side
is played by a Socket.IO client, as a script would: the console has tests of its own."""

import json
import re
import urllib.request
import uuid
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # The client library leaves its sockets to the collector at the end of a test.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
SMALL_PROJECTOR = {"viewport": {"width": 1280, "height": 720}}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
KIT = "groupe-de-travail"  # followup, notes, group, vote, grid, actions, recap


class Facilitator:
    """The facilitator's events over a real websocket; every ack must be a success."""

    def __init__(self, url: str, links: dict) -> None:
        self.sio = socketio.Client()
        self.sio.connect(url, transports=["websocket"], wait_timeout=5)
        self.state = self.call(
            "join", {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
        )["state"]

    def call(self, event: str, payload: dict) -> dict:
        ack = self.sio.call(event, payload, timeout=5)
        assert ack["ok"], (event, ack)
        return ack

    def phase(self, kind: str) -> str:
        """Move to the kit's first phase of this kind; its id."""
        phase = next(p["id"] for p in self.state["phases"] if p["kind"] == kind)
        self.call("phase_set", {"phase": phase})
        return phase

    def action(self, what: str, owner: str, **fields) -> str:
        action_id = fields.pop("id", None) or str(uuid.uuid4())
        self.call("action_save", {"id": action_id, "what": what, "owner": owner, **fields})
        return action_id

    def close(self) -> None:
        self.sio.disconnect()


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_action_plan_records_and_minutes_reach_the_board_and_the_phones(
    live_server, browser, screenshot
):
    links = live_server.open_session(kit=KIT, title="Groupe de travail, médecine B")
    facilitator = Facilitator(live_server.url, links)
    facilitator.phase("actions")
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    expect(phone.get_by_text("Connecté")).to_be_visible()
    expect(board.get_by_role("heading", name="Plan d'action", exact=True)).to_be_visible()

    # Added live: the table on the projector, a card on the phone (in its next batch).
    first = facilitator.action(
        "Tester une relève de 15 minutes le soir",
        "L'encadrement du service",
        due="avant la réunion de juin",
        indicator="Nombre de relèves faites à l'heure",
    )
    row = board.locator(".plan-table tbody tr").filter(has_text="Tester une relève")
    expect(row).to_be_visible()
    expect(row.get_by_role("cell", name="L'encadrement du service")).to_be_visible()
    expect(row.locator(".status-badge")).to_have_text("à valider")
    card = phone.locator(".action-item").filter(has_text="Tester une relève")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Porté par : L'encadrement du service")

    facilitator.call("action_save", {"id": first, "status": "en_cours"})
    expect(row.locator(".status-badge")).to_have_text("en cours")
    expect(card.locator(".status-badge")).to_have_text("en cours")
    facilitator.action(
        "Demander au COPIL un temps de transmission dans le planning",
        "Le groupe de travail",
        due="COPIL de septembre",
        status="validee",
    )
    facilitator.action("Afficher les horaires de la cuisine en salle de soins", "L'équipe de nuit")
    expect(board.locator(".plan-table tbody tr")).to_have_count(3)
    expect(phone.locator(".action-item")).to_have_count(3)
    assert no_sideways_scroll(phone)
    screenshot(board, "board-actions-1920")
    screenshot(phone, "phone-actions-360")
    small = browser.new_context(**SMALL_PROJECTOR).new_page()
    small.goto(links["board_url"])
    expect(small.locator(".plan-table tbody tr")).to_have_count(3)
    screenshot(small, "board-actions-1280")

    # The recap: the records under their titles, only the groups that have some.
    facilitator.phase("recap")
    for kind, text in [
        ("disagreement", "La durée de la relève : 15 minutes ne suffisent pas à tout le monde"),
        ("question", "Qui remplace l'infirmière de coordination pendant ses congés ?"),
        ("question", "Le logiciel de soins sera-t-il changé l'an prochain ?"),
    ]:
        facilitator.call("record_save", {"id": str(uuid.uuid4()), "kind": kind, "text": text})
    expect(board.get_by_role("heading", name="Questions non résolues")).to_be_visible()
    expect(
        board.get_by_text("Le logiciel de soins sera-t-il changé l'an prochain ?")
    ).to_be_visible()
    expect(board.get_by_role("heading", name="Points de désaccord")).to_be_visible()
    expect(board.get_by_role("heading", name="Travaux intersessions")).to_have_count(0)
    expect(board.locator(".plan-table tbody tr")).to_have_count(3)  # the plan, under them
    expect(phone.get_by_role("heading", name="Questions non résolues")).to_be_visible()
    expect(phone.locator(".recap-item")).to_have_count(3)
    assert no_sideways_scroll(phone)
    screenshot(board, "board-recap-1920")
    screenshot(phone, "phone-recap-360")
    hostile = "<b>Travail</b> du <img src=x> week-end"  # text, never markup
    record = {"id": str(uuid.uuid4()), "kind": "intersession", "text": hostile}
    facilitator.call("record_save", record)
    for page in (board, phone):
        expect(page.locator(".recap-item").filter(has_text=hostile)).to_have_count(1)
        expect(page.locator(".recap-item b, .recap-item img")).to_have_count(0)

    # Closed, then published: a discreet line on the board, a clear link on the phones.
    facilitator.call("session_close", {})
    expect(phone.get_by_text("La séance est close")).to_be_visible()
    expect(phone.get_by_role("link", name="Lire le compte-rendu")).to_have_count(0)
    facilitator.call("minutes_publish", {})
    expect(board.get_by_text("Le compte-rendu est disponible sur vos téléphones")).to_be_visible()
    link = phone.get_by_role("link", name="Lire le compte-rendu")
    expect(link).to_be_visible()
    screenshot(phone, "phone-minutes-360")
    screenshot(board, "board-minutes-1920")
    late = browser.new_context(**PHONE).new_page()  # a phone that comes back afterwards
    late.goto(links["join_url"])
    expect(late.get_by_role("link", name="Lire le compte-rendu")).to_be_visible()

    link.tap()
    expect(phone).to_have_url(re.compile(rf"/api/sessions/{links['code']}/minutes\.html$"))
    expect(phone.get_by_text("Tester une relève de 15 minutes le soir")).to_be_visible()

    facilitator.call("minutes_publish", {"published": False})  # withdrawn: the link goes
    expect(late.get_by_role("link", name="Lire le compte-rendu")).to_have_count(0)
    expect(board.get_by_text("Le compte-rendu est disponible")).to_be_hidden()
    facilitator.close()


def seed_priorities(url: str, code: str, facilitator: Facilitator) -> None:
    """Three phones write and vote, the vote is revealed, the COPIL decides on the first idea."""
    phones = []
    for _ in range(3):
        phone = socketio.Client()
        phone.connect(url, transports=["websocket"], wait_timeout=5)
        assert phone.call("join", {"code": code, "role": "participant"}, timeout=5)["ok"]
        phones.append(phone)
    facilitator.phase("notes")
    ideas = ["Les relèves sont trop courtes", "Pas de vraie pause la nuit"]
    notes = [
        phones[0].call("note_add", {"text": text, "lane": "Ce qui pèse"}, timeout=5)["note"]
        for text in ideas
    ]
    facilitator.phase("vote")
    for number, phone in enumerate(phones):
        choice = notes[0] if number < 2 else notes[1]
        ack = phone.call("vote_cast", {"note_id": choice["id"], "id": str(uuid.uuid4())}, timeout=5)
        assert ack["ok"], ack
    facilitator.call("votes_reveal", {})
    facilitator.call(
        "decision_set",
        {
            "note_id": notes[0]["id"],
            "decision": "Relève allongée à l'essai",
            "reason": "Trois mois de test avant de décider",
        },
    )
    for phone in phones:
        phone.disconnect()


def test_a_session_that_follows_another_opens_with_where_we_stand(live_server, browser, screenshot):
    first = live_server.open_session(kit=KIT, title="Réunion 1")
    earlier = Facilitator(live_server.url, first)
    seed_priorities(live_server.url, first["code"], earlier)
    earlier.action(
        "Tester une relève de 15 minutes", "L'encadrement", due="juin", status="en_cours"
    )
    earlier.action("Afficher le planning des pauses", "L'équipe de nuit", status="realisee")
    earlier.action("Demander un second chariot de soins", "Le groupe de travail")
    earlier.action("Revoir les horaires du self", "La direction des soins", status="en_attente")
    earlier.call("session_close", {})
    earlier.close()

    second = post_json(
        live_server.url + "/api/sessions",
        {
            "kit": KIT,
            "title": "Réunion 2",
            "follows": first["code"],
            "follows_key": first["facilitator_key"],
        },
    )
    facilitator = Facilitator(live_server.url, second)
    carried = {a["what"]: a for a in facilitator.state["actions"]}
    assert set(carried) == {
        "Tester une relève de 15 minutes",
        "Demander un second chariot de soins",
        "Revoir les horaires du self",
    }
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(second["board_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(second["join_url"])
    facilitator.phase("followup")

    expect(board.get_by_text(re.compile("Ce que la séance « Réunion 1, "))).to_be_visible()
    expect(board.get_by_role("heading", name="Priorités encore ouvertes")).to_be_visible()
    expect(board.get_by_text("Les relèves sont trop courtes")).to_be_visible()
    expect(board.get_by_text("Relève allongée à l'essai")).to_be_visible()  # the COPIL's
    expect(board.get_by_text("2 gommettes", exact=True)).to_be_visible()
    card = board.locator(".action-item").filter(has_text="Tester une relève de 15 minutes")
    expect(card.locator(".status-badge")).to_have_text("en cours")
    expect(card).to_contain_text(re.compile(r"depuis Réunion 1, \d"))  # its day, in French
    expect(board.get_by_text("Afficher le planning des pauses")).to_have_count(0)  # done
    expect(phone.get_by_role("heading", name="Où en est-on ?").last).to_be_visible()
    phone_card = phone.locator(".action-item").filter(has_text="Tester une relève")
    expect(phone_card).to_contain_text("depuis Réunion 1")

    # The group says where each action stands: the badge follows, on both screens.
    action_id = carried["Tester une relève de 15 minutes"]["id"]
    facilitator.call("action_save", {"id": action_id, "status": "realisee"})
    expect(card.locator(".status-badge")).to_have_text("réalisée")
    expect(phone_card.locator(".status-badge")).to_have_text("réalisée")
    assert no_sideways_scroll(phone)
    screenshot(board, "board-followup-1920")
    screenshot(phone, "phone-followup-360")
    small = browser.new_context(**SMALL_PROJECTOR).new_page()
    small.goto(second["board_url"])
    expect(small.locator(".action-item")).to_have_count(3)
    screenshot(small, "board-followup-1280")
    facilitator.close()


def test_the_start_page_offers_to_follow_a_session_this_browser_animated(
    live_server, browser, screenshot
):
    fresh = browser.new_context(**LAPTOP).new_page()
    fresh.goto(live_server.url + "/animer")
    expect(fresh.get_by_label("Suite de la séance")).to_have_count(0)  # nothing to follow yet

    links = live_server.open_session(kit=KIT, title="Réunion de mars")
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    page.goto(links["facilitator_url"])  # the console's address leaves its key in a cookie
    expect(page).to_have_url(re.compile(r"/f/[A-Z0-9]+$"))
    page.goto(live_server.url + f"/animer?follows={links['code'].lower()}")
    follows = page.get_by_label("Suite de la séance")
    expect(follows).to_have_value(links["code"])  # ?follows= preselects it
    expect(follows.locator("option")).to_have_text(
        ["Aucune : nouvelle démarche", re.compile(rf"^Réunion de mars, .* · {links['code']}$")]
    )
    page.goto(live_server.url + "/animer")
    follows = page.get_by_label("Suite de la séance")
    expect(follows).to_have_value("")
    follows.select_option(links["code"])
    screenshot(page, "start-follows-1280")
    page.screenshot(path=str(ARTIFACTS / "start-follows-1280-top.png"))  # the form, as first seen

    page.get_by_label(re.compile("Titre de la séance")).fill("Réunion d'avril")
    page.get_by_role("article", name=re.compile("Groupe de travail")).get_by_role(
        "button", name="Ouvrir cette séance"
    ).click()
    expect(page).to_have_url(re.compile(r"/f/[A-Z0-9]+$"))
    code = page.url.rsplit("/", 1)[1]
    assert code != links["code"]
    minutes = page.request.get(live_server.url + f"/api/sessions/{code}/minutes.json").json()
    assert minutes["followup"]["followed"].startswith("Réunion de mars, ")
    assert [s["title"] for s in minutes["series"]] == ["Réunion de mars"]
