"""Real pages in Debian's Chromium, against the real server: phone, projector and console."""

import re

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def to_notes_phase(browser, links: dict):
    """Open the console and step from the ground rules to the short kit's notes round."""
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    console.get_by_role("button", name="Étape suivante").click()
    expect(console.get_by_text("Étape en cours : Ce que nous vivons au travail")).to_be_visible()
    return console


def test_phone_note_appears_on_the_projector(live_server, browser, screenshot):
    links = live_server.open_session(title="Espace de discussion, unité de soins")
    to_notes_phase(browser, links)
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    expect(board.get_by_text(links["code"])).to_be_visible()
    screenshot(board, "board-empty-1920")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    text = "Les relèves de nuit manquent de temps pour les transmissions"
    phone.get_by_label("Votre post-it").fill(text)
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_be_visible()
    expect(board.get_by_text(text)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "phone-sent-360")
    screenshot(board, "board-note-1920")


def test_empty_note_is_refused_on_the_phone(live_server, browser):
    links = live_server.open_session()
    to_notes_phase(browser, links)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text(re.compile("vide|écri", re.I)).first).to_be_visible()


def test_console_moves_phases_and_hides_a_note(live_server, browser, screenshot):
    links = live_server.open_session()
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    expect(console).to_have_url(re.compile(r"/f/[A-Z0-9]+$"))  # the key left the address bar
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])

    console.get_by_role("button", name=re.compile("Étape suivante")).click()
    expect(board.get_by_text("Ce que nous vivons au travail").first).to_be_visible()
    expect(phone.get_by_text("Ce que nous vivons au travail").first).to_be_visible()

    phone.get_by_label("Votre post-it").fill("Un post-it à retirer")
    phone.get_by_role("button", name="Envoyer").tap()
    expect(board.get_by_text("Un post-it à retirer")).to_be_visible()
    hide = console.get_by_role("button", name="Masquer", exact=True).first
    hide.click()
    console.get_by_role("button", name=re.compile("Confirmer")).first.click()
    expect(board.get_by_text("Un post-it à retirer")).to_have_count(0)
    screenshot(console, "console-1280")


def test_phone_offline_keeps_its_note_and_sends_it_once_back_online(
    live_server, browser, screenshot
):
    links = live_server.open_session()
    to_notes_phase(browser, links)
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(links["join_url"])
    expect(phone.get_by_text("Connecté")).to_be_visible()
    context.set_offline(True)
    phone.get_by_label("Votre post-it").fill("Écrit dans l'ascenseur")
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("En attente d'envoi…", exact=True)).to_be_visible()
    screenshot(phone, "phone-offline-360")
    context.set_offline(False)
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_be_visible(timeout=20_000)
    expect(board.get_by_text("Écrit dans l'ascenseur")).to_have_count(1)


def test_phone_carries_on_after_the_server_is_killed(live_server, browser):
    links = live_server.open_session()
    to_notes_phase(browser, links)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    phone.get_by_label("Votre post-it").fill("Avant la panne")
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_be_visible()
    live_server.kill()
    phone.get_by_label("Votre post-it").fill("Pendant la panne")
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("En attente d'envoi…", exact=True)).to_be_visible()
    live_server.start()
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_have_count(2, timeout=20_000)
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    for text in ("Avant la panne", "Pendant la panne"):
        expect(board.get_by_text(text)).to_have_count(1)


def test_start_page_shows_each_agenda_and_opens_the_console(live_server, browser, screenshot):
    page = browser.new_context(**LAPTOP).new_page()
    page.goto(live_server.url + "/animer")
    expect(page.get_by_role("heading", name="Journées collectives du cluster")).to_be_visible()
    day2 = page.get_by_role("article", name=re.compile("journée 2"))
    expect(day2.get_by_text("Où en est-on ?")).to_be_visible()  # the agenda, before opening
    screenshot(page, "start-1280")
    page.get_by_label(re.compile("Titre de la séance")).fill("Espace de discussion, SSR")
    page.get_by_role("article", name=re.compile("Espace de discussion")).get_by_role(
        "button", name="Ouvrir cette séance"
    ).click()
    expect(page).to_have_url(re.compile(r"/f/[A-Z0-9]+$"))
    expect(page.get_by_role("heading", name="Espace de discussion, SSR")).to_be_visible()


def test_timer_and_lanes_reach_the_projector_and_the_phone(live_server, browser, screenshot):
    links = live_server.open_session(kit="espace-discussion", title="La journée d'hier")
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    console.get_by_role("button", name="Étape suivante").click()
    expect(board.get_by_role("heading", name="La journée d'hier", exact=True)).to_be_visible()
    console.get_by_role("button", name="Démarrer").click()
    expect(board.locator("#timer-clock")).to_have_text(re.compile(r"^2[45]:\d\d$"))
    expect(phone.locator("#timer")).to_contain_text(re.compile(r"2[45]:\d\d"))

    phone.get_by_label("Votre post-it").fill("Le plateau repas arrive froid")
    phone.get_by_label("Midi", exact=True).check()
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_be_visible()
    midi = board.locator("#lanes").get_by_role("heading", name="Midi", exact=True)
    expect(midi).to_be_visible()
    expect(board.get_by_text("Le plateau repas arrive froid")).to_be_visible()
    screenshot(board, "board-lanes-1920")
    screenshot(phone, "phone-lanes-360")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phones_vote_and_the_projector_shows_the_ranking(live_server, browser, screenshot):
    links = live_server.open_session(title="Priorités de l'équipe de nuit")
    console = to_notes_phase(browser, links)
    writer = browser.new_context(**PHONE).new_page()
    writer.goto(links["join_url"])
    for text in ("Relèves trop courtes", "Pas de vraie pause", "Le logiciel rame"):
        writer.get_by_label("Votre post-it").fill(text)
        writer.get_by_role("button", name="Envoyer").tap()
    expect(writer.get_by_text("Envoyé ✓", exact=True)).to_have_count(3)
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    for step in ("Regroupement par thèmes", "Priorisation"):  # past the grouping, to the vote
        console.get_by_role("button", name="Étape suivante").click()
        expect(console.get_by_text(f"Étape en cours : {step}")).to_be_visible()

    phones = [writer] + [browser.new_context(**PHONE).new_page() for _ in range(2)]
    for number, phone in enumerate(phones):
        if phone is not writer:
            phone.goto(links["join_url"])
        card = phone.locator(".ballot-item").filter(has_text="Pas de vraie pause")
        card.get_by_role("button", name="Ajouter une gommette").tap()
        expect(phone.get_by_text("Il vous reste 2 gommettes sur 3")).to_be_visible()
        if number == 0:
            other = phone.locator(".ballot-item").filter(has_text="Le logiciel rame")
            other.get_by_role("button", name="Ajouter une gommette").tap()
            expect(phone.get_by_text("Il vous reste 1 gommette sur 3")).to_be_visible()
    expect(board.get_by_text("3 personnes ont voté")).to_be_visible()
    shown = board.locator("main").inner_text()
    # No count anywhere before the reveal; the budget ("3 gommettes par personne") is no count.
    assert not re.search(r"\d+ gommettes?\b(?! par personne)", shown)
    screenshot(phones[0], "phone-vote-360")
    screenshot(board, "board-vote-open-1920")

    console.get_by_role("button", name="Révéler le vote").click()
    ranking = board.get_by_role("heading", name=re.compile("Priorités du groupe"))
    expect(ranking.first).to_be_visible()
    expect(board.get_by_text("3 gommettes", exact=True)).to_be_visible()
    expect(phones[1].get_by_role("heading", name=re.compile("Priorités du groupe"))).to_be_visible()
    screenshot(board, "board-ranking-1920")
    screenshot(phones[1], "phone-ranking-360")


def test_a_phone_shows_the_first_priorities_and_sends_to_the_screen_for_the_rest(
    live_server, browser, screenshot
):
    links = live_server.open_session(title="Grande salle")
    code, key = links["code"], links["facilitator_key"]
    facilitator = socketio.Client()
    facilitator.connect(live_server.url, transports=["websocket"])
    facilitator.call("join", {"code": code, "role": "facilitator", "key": key})
    facilitator.call("phase_set", {"phase": "idees"})
    writer = socketio.Client()
    writer.connect(live_server.url, transports=["websocket"])
    writer.call("join", {"code": code, "role": "participant"})
    ideas = [f"Idée numéro {i}" for i in range(1, 13)]
    ids = [writer.call("note_add", {"text": text})["note"]["id"] for text in ideas]
    facilitator.call("phase_set", {"phase": "gommettes"})
    # Ideas 1 to 9 get two dots (all first, tied), 10 to 12 one (tied 10th): the 10th shown
    # shares its rank with the two left off.
    dots = ids[:9] + ids[:9] + ids[9:]
    for first in range(0, len(dots), 3):  # three dots per phone, on three different ideas
        voter = socketio.Client()
        voter.connect(live_server.url, transports=["websocket"])
        voter.call("join", {"code": code, "role": "participant"})
        for note_id in dots[first : first + 3]:
            assert voter.call("vote_cast", {"note_id": note_id})["ok"]
        voter.disconnect()
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    expect(phone.locator(".ballot-item")).to_have_count(12)
    assert facilitator.call("votes_reveal", {})["ok"]
    for _ in ("as revealed", "from a snapshot"):
        expect(phone.locator("#ranking li")).to_have_count(10)
        expect(phone.get_by_text("Et 2 autres priorités, sur l'écran de la salle.")).to_be_visible()
        last = phone.locator("#ranking li").last
        expect(last.locator(".rank-figure")).to_have_text("10")
        expect(last.locator(".rank-tie")).to_have_text("ex æquo")
        phone.reload()
    screenshot(phone, "phone-ranking-more-360")
    for client in (writer, facilitator):
        client.disconnect()


def test_a_phone_fills_the_grid_and_the_projector_shows_the_cell(live_server, browser, screenshot):
    links = live_server.open_session(kit="cluster-j2", title="Journée 2 : diagnostic")
    facilitator = socketio.Client()
    facilitator.connect(live_server.url, transports=["websocket"])
    key = links["facilitator_key"]
    state = facilitator.call("join", {"code": links["code"], "role": "facilitator", "key": key})
    grid_phase = next(p for p in state["state"]["phases"] if p["kind"] == "grid")
    facilitator.call("phase_set", {"phase": grid_phase["id"]})
    for i, situation in enumerate(SITUATIONS):  # a full grid at one table, as on the day
        row = facilitator.call(
            "grid_set", {"row": None, "column": "situation", "text": situation, "group": "t1"}
        )["row"]
        for column, text in zip(COLUMNS, CELLS[i % len(CELLS)], strict=True):
            facilitator.call(
                "grid_set", {"row": row, "column": column, "text": text, "group": "t1"}
            )
    facilitator.disconnect()

    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    phone.get_by_role("radio", name="Table 2", exact=True).check()
    phone.get_by_role("button", name="Nouvelle situation de travail").tap()
    phone.get_by_label("Décrivez la situation de travail").fill("La relation avec les familles")
    phone.get_by_role("button", name="Ajouter la situation").tap()
    expect(phone.get_by_text(re.compile("La situation est dans la grille"))).to_be_visible()
    phone.get_by_role("radio", name="Contraintes").check()
    phone.get_by_label("Votre contribution : Contraintes").fill("Appels pendant les soins")
    phone.get_by_role("button", name="Ajouter à la grille").tap()
    expect(phone.get_by_text(re.compile("Ajouté à la grille"))).to_be_visible()
    cell = board.locator(".grid-cell[data-column=contraintes] .grid-item")
    expect(cell.filter(has_text="Appels pendant les soins")).to_be_visible()
    screenshot(board, "board-grid-1920")
    screenshot(phone, "phone-grid-360")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


SITUATIONS = [
    "Les repas",
    "Le transport des patients",
    "La relation avec les familles",
    "Les transmissions du soir",
    "Les remplacements au pied levé",
    "La nuit",
    "Les entrées en urgence",
    "La sortie du patient",
]
COLUMNS = ["contraintes", "ressources", "causes", "effets", "pistes_action"]
CELLS = [
    [
        "Plateaux froids",
        "Aide-soignante dédiée",
        "Horaires de cuisine",
        "Patients qui mangent peu",
        "Décaler la distribution",
    ],
    [
        "Brancardiers en retard",
        "Planning partagé",
        "Un seul brancardier",
        "Attente, stress",
        "Réserver des créneaux",
    ],
]


def test_console_reorders_and_merges_grid_contributions(live_server, browser, screenshot):
    links = live_server.open_session(title="Grille")
    seed = socketio.Client()
    seed.connect(live_server.url, transports=["websocket"])
    seed.call(
        "join", {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    )
    seed.call("phase_set", {"phase": "grille"})
    row = seed.call("grid_set", {"row": None, "column": "situation", "text": "Les repas"})["row"]
    for text in ("Horaires de cuisine", "Un seul chariot", "Trop de patients à aider"):
        seed.call("grid_set", {"row": row, "column": "causes", "text": text})
    seed.call("grid_set", {"row": None, "column": "situation", "text": "Le déjeuner"})
    seed.disconnect()
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    causes = board.locator(".grid-cell[data-column=causes] .grid-item")
    expect(causes).to_have_count(3)

    console.get_by_role("button", name="Monter : Trop de patients à aider").click()
    expect(causes.nth(1)).to_have_text(re.compile("Trop de patients à aider"))
    console.get_by_role("button", name="Fusionner avec celle du dessus : Un seul chariot").click()
    expect(causes).to_have_count(2)
    expect(causes.first).to_have_text(re.compile("Horaires de cuisine"))
    expect(causes.nth(1)).to_contain_text("Trop de patients à aider")
    expect(causes.nth(1)).to_contain_text("Un seul chariot")  # both texts kept

    rows = board.locator("tr.grid-row")
    expect(rows).to_have_count(2)
    console.get_by_role("button", name="Fusionner avec la ligne du dessus").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Le déjeuner")
    screenshot(console, "console-grid-1280")
