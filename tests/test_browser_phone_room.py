"""The participant's phone as the room uses it (#10): 360 px, one thumb, French and English.

Every step type a phone meets (notes, vote, grid, closed) is checked with axe-core, for
horizontal scroll and for the size of every control; each note says in words whether it was
sent, waits or failed and is tried again; the page says plainly what is stored; and in English
no French text of the interface is left. Screenshots: test-artifacts/phone-room-*-360.png.
"""

import re
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import expect
from test_web import first_load

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Chromium asks for English unless told otherwise: the French phone says it wants French.
MOBILE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PHONE = {**MOBILE, "locale": "fr-FR", "extra_http_headers": {"Accept-Language": "fr-FR,fr;q=0.9"}}
ENGLISH = {**MOBILE, "locale": "en-GB", "extra_http_headers": {"Accept-Language": "en-GB,en;q=0.9"}}
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "fr-FR"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Controls smaller than 44 x 44 CSS px; a radio button counts by its label, its real target.
SMALL_TARGETS = """() => {
  const small = [];
  const seen = new Set();
  const controls = "a[href], button, input, textarea, select, summary";
  for (const node of document.querySelectorAll(controls)) {
    const choice = node.matches("input[type=radio], input[type=checkbox]");
    const target = choice ? node.closest("label") || node : node;
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    const name = `${target.outerHTML.slice(0, 90)} ${box.width}x${box.height}`;
    if (box.width < 44 || box.height < 44) small.push(name);
  }
  return small;
}"""

# The interface's own words: what the session brings (its title, the kit's steps, prompts and
# lanes, what people wrote) is taken out, and so is the switch's "Français".
INTERFACE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  const content = "[hidden], script, noscript, .lang-switch, #session-title, #phase-title,"
    + " #phase-prompt, #rules, .mine-text, .mine-where, .lane-name, .ballot-text, .rank-text,"
    + " .grid-row-text, .grid-cell-item, .grid-row-title, .plan-followed";
  copy.querySelectorAll(content).forEach((node) => node.remove());
  return copy.textContent.replace(/\\s+/g, " ");
}"""

# French words and letters of the interface: none may be left in the English page.
FRENCH = re.compile(
    r"Envoy|post-it|[Ss]éance|[Éé]tape|Connecté|Connexion|gommette|Votre|\bVos\b|\bMes\b"
    r"|enregistr|attente|Échec|Retir|Temps|Grille|Ajouter|colonne|[àâçéèêëîïôûùœ«»]"
)


def facilitator(live_server, links):
    client = socketio.Client()
    client.connect(live_server.url, transports=["websocket"])
    joined = client.call(
        "join", {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    )
    assert joined["ok"], joined
    return client


def to_notes_phase(browser, links):
    """The console steps from the ground rules to the short kit's notes round; the phones see
    it (the console's own words are its page's to test)."""
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    console.get_by_role("button", name="Étape suivante").click()
    return console


def check_room_ready(page, axe, screenshot, name):
    """axe-core clean, no sideways scroll at 360 px, every control a whole-finger target."""
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, f"phone-room-{name}-360")


def interface_text(page):
    return page.evaluate(INTERFACE_TEXT)


def send_note(page, text, label="Votre post-it", button="Envoyer"):
    page.get_by_label(label).fill(text)
    page.get_by_role("button", name=button, exact=True).tap()


def note_status(page, text):
    return page.locator("#mine-list .mine-note").filter(has_text=text).locator(".mine-status")


def test_phone_in_french_through_every_step(live_server, browser, axe, screenshot):
    links = live_server.open_session(title="Équipe de nuit, médecine B")
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(links["join_url"])
    expect(phone.get_by_text("Connecté")).to_be_visible()
    check_room_ready(phone, axe, screenshot, "rules-fr")

    to_notes_phase(browser, links)
    expect(phone.get_by_label("Votre post-it")).to_be_visible()
    # Said plainly, next to the form, and in detail one tap away.
    expect(phone.get_by_text(re.compile("^Vos post-its sont anonymes"))).to_be_visible()
    stored = phone.get_by_text("Ce qui est enregistré", exact=True)
    expect(stored).to_be_visible()
    stored.tap()
    expect(phone.get_by_text(re.compile("^Jamais enregistrés avec un post-it"))).to_be_visible()
    expect(
        phone.get_by_text(re.compile("un code secret qui vous permet de le retirer"))
    ).to_be_visible()

    send_note(phone, "Les relèves de nuit manquent de temps")
    expect(note_status(phone, "Les relèves de nuit")).to_have_text("Envoyé ✓")
    context.set_offline(True)
    send_note(phone, "Écrit dans l'ascenseur")
    waiting = note_status(phone, "Écrit dans l'ascenseur")
    expect(waiting).to_have_text("En attente d'envoi…")
    check_room_ready(phone, axe, screenshot, "notes-waiting-fr")
    context.set_offline(False)
    expect(waiting).to_have_text("Envoyé ✓", timeout=20_000)
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_have_count(2)
    expect(phone.locator("#feedback")).to_have_text(re.compile("parti ✓"))
    check_room_ready(phone, axe, screenshot, "notes-fr")

    seed = facilitator(live_server, links)
    seed.call("phase_set", {"phase": "gommettes"})
    expect(phone.get_by_role("heading", name="Vos gommettes")).to_be_visible()
    card = phone.locator(".ballot-item").filter(has_text="Écrit dans l'ascenseur")
    card.get_by_role("button", name="Ajouter une gommette").tap()
    expect(phone.get_by_text("Il vous reste 2 gommettes sur 3")).to_be_visible()
    expect(phone.locator("#vote-status")).to_have_text("Gommette placée ✓")
    check_room_ready(phone, axe, screenshot, "vote-fr")
    # What a thumb sees: the dots left stay in sight above the ballot while it scrolls.
    phone.screenshot(path=str(ARTIFACTS / "phone-room-vote-screen-fr-360.png"))

    seed.call("phase_set", {"phase": "grille"})
    phone.get_by_role("button", name="Nouvelle situation de travail").tap()
    phone.get_by_label("Décrivez la situation de travail").fill("Les transmissions du soir")
    phone.get_by_role("button", name="Ajouter la situation").tap()
    expect(phone.locator("#grid-mine .mine-status")).to_have_text("Envoyé ✓")
    phone.get_by_role("radio", name="Contraintes").check()
    expect(phone.get_by_label("Votre contribution : Contraintes")).to_be_visible()
    check_room_ready(phone, axe, screenshot, "grid-fr")

    assert seed.call("session_close", {})["ok"]
    seed.disconnect()
    expect(phone.get_by_text("La séance est close. Merci !")).to_be_visible()
    expect(phone.get_by_role("button", name="Retirer ce post-it")).to_have_count(0)
    check_room_ready(phone, axe, screenshot, "closed-fr")


def test_phone_in_english_leaves_no_french(live_server, browser, axe, screenshot):
    links = live_server.open_session(title="Night team, ward B")
    context = browser.new_context(**ENGLISH)
    phone = context.new_page()
    phone.goto(links["join_url"])
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_text("Connected", exact=True)).to_be_visible()
    expect(phone.get_by_text("Step 1 of 6")).to_be_visible()
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "rules-en")

    to_notes_phase(browser, links)
    expect(phone.get_by_label("Your sticky note")).to_be_visible()
    expect(phone.get_by_text(re.compile("^Your sticky notes are anonymous"))).to_be_visible()
    phone.get_by_text("What is stored", exact=True).tap()
    expect(phone.get_by_text(re.compile("^Never stored with a sticky note"))).to_be_visible()
    send_note(phone, "Handovers are rushed", label="Your sticky note", button="Send")
    expect(note_status(phone, "Handovers are rushed")).to_have_text("Sent ✓")
    context.set_offline(True)
    send_note(phone, "Written in the lift", label="Your sticky note", button="Send")
    waiting = note_status(phone, "Written in the lift")
    expect(waiting).to_have_text("Waiting to send…")
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "notes-waiting-en")
    context.set_offline(False)
    expect(waiting).to_have_text("Sent ✓", timeout=20_000)
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)

    seed = facilitator(live_server, links)
    seed.call("phase_set", {"phase": "gommettes"})
    expect(phone.get_by_role("heading", name="Your dots")).to_be_visible()
    card = phone.locator(".ballot-item").filter(has_text="Written in the lift")
    card.get_by_role("button", name="Add a dot").tap()
    expect(phone.get_by_text("You have 2 dots left out of 3")).to_be_visible()
    expect(phone.locator("#vote-status")).to_have_text("Dot placed ✓")
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "vote-en")

    seed.call("votes_reveal", {})
    expect(phone.get_by_role("heading", name="The group's priorities")).to_be_visible()
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "ranking-en")

    seed.call("phase_set", {"phase": "grille"})
    phone.get_by_role("button", name="New work situation").tap()
    phone.get_by_label("Describe the work situation").fill("Evening handovers")
    phone.get_by_role("button", name="Add the situation").tap()
    expect(phone.locator("#grid-mine .mine-status")).to_have_text("Sent ✓")
    phone.get_by_role("radio", name="Constraints").check()
    expect(phone.get_by_label("Your contribution: Constraints")).to_be_visible()
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "grid-en")

    assert seed.call("session_close", {})["ok"]
    seed.disconnect()
    expect(phone.get_by_text("The session is closed. Thank you!")).to_be_visible()
    assert not FRENCH.search(interface_text(phone)), interface_text(phone)
    check_room_ready(phone, axe, screenshot, "closed-en")


def test_the_keyboard_alone_writes_and_sends_a_note(live_server, browser):
    links = live_server.open_session()
    to_notes_phase(browser, links)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    expect(phone.get_by_label("Votre post-it")).to_be_visible()
    for _ in range(10):  # the text box is the first control the page has
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.id") == "note-text":
            break
    assert phone.evaluate("document.activeElement.id") == "note-text"
    phone.keyboard.type("Au clavier seulement")
    phone.keyboard.press("Tab")
    send = phone.get_by_role("button", name="Envoyer", exact=True)
    expect(send).to_be_focused()
    outline = send.evaluate("(node) => getComputedStyle(node).outlineStyle")
    assert outline not in ("none", "")  # the focus is seen
    phone.keyboard.press("Enter")
    expect(note_status(phone, "Au clavier seulement")).to_have_text("Envoyé ✓")
    expect(phone.locator("#feedback")).to_have_attribute("role", "status")


def test_a_note_refused_for_now_says_so_and_goes_on_the_next_try(live_server, browser):
    """The server is reached but says "slow down" (a flood of 31 notes in a second): the note
    that did not go says "Échec, nouvel essai…", and goes by itself a few seconds later."""
    links = live_server.open_session()
    to_notes_phase(browser, links)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    expect(phone.get_by_label("Votre post-it")).to_be_visible()
    phone.evaluate(
        """() => {
          const text = document.getElementById("note-text");
          for (let i = 1; i <= 31; i++) {
            text.value = `Idée numéro ${i}`;
            text.dispatchEvent(new Event("input"));
            document.getElementById("note-form").requestSubmit();
          }
        }"""
    )
    retrying = phone.get_by_text("Échec, nouvel essai…", exact=True)
    expect(retrying).to_have_count(1)
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_have_count(30)
    expect(phone.locator("#feedback")).to_contain_text("nouvel essai automatique")
    phone.locator("#mine-title").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "phone-room-retrying-fr-360.png"))  # what the eye sees
    expect(retrying).to_have_count(0, timeout=30_000)
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_have_count(31)


def test_the_english_phone_page_first_load_stays_under_100_kb(client, workshop):
    """In English the page carries its catalogue: a phone still fetches less than 100 KB."""
    client.get("/langue/en")
    sent = first_load(client, f"/j/{workshop['code']}", "gzip")
    assert 'lang="en"' in client.get(f"/j/{workshop['code']}").get_data(as_text=True)
    assert sum(sent.values()) < 100_000, sent
