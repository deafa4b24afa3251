"""The console ready for the room (#10), in Chromium against the real server: keyboard
shortcuts that really drive the board, the room's progress in counts only, the start, join and
error pages on a phone, French and English, and axe-core on each."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A French browser: the English pages come from the switch, which wins over the browser's language.
FRENCH = {"locale": "fr-FR", "extra_http_headers": {"Accept-Language": "fr-FR,fr;q=0.9"}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, **FRENCH}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, **FRENCH}
LAPTOP = {"viewport": {"width": 1280, "height": 800}, **FRENCH}

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NOTES = ("Relèves trop courtes", "Pas de vraie pause", "Le logiciel rame")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def in_english(page, server, url: str) -> None:
    """Open `url` through the language switch's address, as the link does."""
    page.goto(f"{server.url}/langue/en?next={path_of(url)}")


def open_console(browser, links: dict, server=None):
    console = browser.new_context(**LAPTOP).new_page()
    if server:
        in_english(console, server, links["facilitator_url"])
    else:
        console.goto(links["facilitator_url"])
    expect(console.locator("#connection")).to_have_class(re.compile("is-connected"))
    return console


def phones(server, code: str, count: int) -> list:
    """Participants' phones as Socket.IO clients: they join, write and vote as the page does."""
    made = []
    for _ in range(count):
        phone = socketio.Client()
        phone.connect(server.url, transports=["websocket"])
        assert phone.call("join", {"code": code, "role": "participant"}, timeout=5)["ok"]
        made.append(phone)
    return made


def room(console, stat: str):
    return console.locator(f"#room-{stat}")


def key(console, name: str) -> None:
    """Press a shortcut once the previous command has its answer (the console sends one at a
    time, and a key pressed meanwhile does nothing, as a click would)."""
    expect(console.locator("#app")).not_to_have_class(re.compile("is-busy"))
    console.keyboard.press(name)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def overlaps(page, first: str, second: str) -> bool:
    return page.evaluate(
        """([a, b]) => {
            const r = document.querySelector(a).getBoundingClientRect();
            const s = document.querySelector(b).getBoundingClientRect();
            return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom;
        }""",
        [first, second],
    )


def test_shortcuts_drive_the_board_and_the_room_shows_its_progress(
    live_server, browser, screenshot, axe
):
    links = live_server.open_session(title="Espace de discussion, unité de soins")
    console = open_console(browser, links)
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    expect(board.get_by_text("Règles du jeu").first).to_be_visible()

    # The help: "?" opens it, and it lists every shortcut; "?" again closes it.
    console.locator("body").press("?")
    help_box = console.get_by_role("dialog", name="Raccourcis clavier")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Étape suivante")
    expect(help_box).to_contain_text("pas de raccourci")
    assert axe(console) == []
    screenshot(console, "console-room-help-1280")
    console.keyboard.press("?")
    expect(help_box).to_be_hidden()

    # N: the next step, on the console and on the board.
    key(console, "n")
    expect(console.get_by_text("Étape en cours : Ce que nous vivons au travail")).to_be_visible()
    expect(board.get_by_text("Ce que nous vivons au travail").first).to_be_visible()
    expect(console.locator("#phase-next kbd")).to_have_text("N")

    # Not with Ctrl or Alt (the browser's own shortcuts): the step stays.
    console.locator("body").press("Alt+n")
    console.locator("body").press("Control+p")
    expect(console.locator("#phases [aria-current=step]")).to_contain_text("Ce que nous vivons")

    # Notes held back while people write; four phones in the room, three of them write.
    console.get_by_text("Masquer les post-its pendant l'écriture").click()
    expect(console.locator("#hold")).to_be_checked()
    room_phones = phones(live_server, links["code"], 4)
    try:
        expect(room(console, "connected")).to_have_text(re.compile(r"^4\s+connectés$"))
        expect(room(console, "writers")).to_have_text(re.compile(r"^0\s+a écrit dans cette étape$"))
        notes = []
        for phone, text in zip(room_phones, NOTES, strict=False):
            ack = phone.call("note_add", {"text": text}, timeout=5)
            assert ack["ok"], ack
            notes.append(ack["note"]["id"])
        room_phones[0].call("note_add", {"text": "Et une seconde idée"}, timeout=5)
        expect(room(console, "writers")).to_have_text(
            re.compile(r"^3\s+ont écrit dans cette étape$")
        )
        expect(console.locator("#reveal")).to_contain_text("4 en attente")
        expect(board.get_by_text(NOTES[0])).to_have_count(0)

        # R: the held notes reach the board.
        key(console, "r")
        expect(board.get_by_text(NOTES[0])).to_be_visible()
        expect(console.locator("#status")).to_contain_text("4 post-its révélés au tableau")

        # T: the timer starts, T again pauses it.
        key(console, "t")
        expect(console.locator("#timer")).to_have_attribute("data-state", "running")
        expect(console.locator("#timer-toggle")).to_contain_text("Pause")
        key(console, "t")
        expect(console.locator("#timer")).to_have_attribute("data-state", "paused")
        expect(console.locator("#timer-toggle")).to_contain_text("Démarrer")

        # B: the projector goes black, B again brings it back.
        key(console, "b")
        expect(board.locator("#blank")).to_be_visible()
        expect(console.locator("#blank-toggle")).to_have_attribute("aria-pressed", "true")
        key(console, "b")
        expect(board.locator("#blank")).to_be_hidden()
        screenshot(console, "console-room-notes-1280")
        assert axe(console) == []

        # P goes back a step, N forward again, to the grouping.
        key(console, "p")
        expect(console.get_by_text("Étape en cours : Règles du jeu")).to_be_visible()
        for step in ("Ce que nous vivons au travail", "Regroupement par thèmes"):
            key(console, "n")
            expect(console.get_by_text(f"Étape en cours : {step}")).to_be_visible()

        # Typing a theme's title: the letters are the title's, not shortcuts.
        console.get_by_role("button", name="Créer un thème avec la sélection").click()
        title = console.get_by_label("Titre du thème")
        title.press_sequentially("Pauses")
        title.press("n")
        expect(title).to_have_value("Pausesn")
        expect(console.locator("#phases [aria-current=step]")).to_contain_text("Regroupement")
        title.press("Escape")

        key(console, "n")
        expect(console.get_by_text("Étape en cours : Priorisation")).to_be_visible()
        expect(room(console, "writers")).to_be_hidden()  # nobody writes during a vote
        expect(room(console, "voters")).to_have_text(re.compile(r"^0\s+a voté$"))
        for phone in room_phones[:3]:
            assert phone.call("vote_cast", {"note_id": notes[1]}, timeout=5)["ok"]
        expect(room(console, "voters")).to_have_text(re.compile(r"^3\s+ont voté$"))
        expect(room(console, "connected")).to_have_text(re.compile(r"^4\s+connectés$"))
        screenshot(console, "console-room-vote-1280")

        # R during a vote asks first: revealing ends the vote. A second R reveals.
        key(console, "r")
        expect(console.locator("#status")).to_contain_text("Appuyez encore sur R")
        ranking = board.get_by_role("heading", name=re.compile("Priorités du groupe"))
        expect(ranking).to_have_count(0)
        key(console, "r")
        expect(ranking.first).to_be_visible()
        expect(console.locator("#status")).to_contain_text("Vote révélé")
        expect(room(console, "voters")).to_be_hidden()
        screenshot(console, "console-room-revealed-1280")
        assert axe(console) == []
    finally:
        for phone in room_phones:
            phone.disconnect()
    expect(room(console, "connected")).to_have_text(re.compile(r"^0\s+connecté$"))


def test_the_grid_step_counts_the_phones_that_wrote(live_server, browser):
    links = live_server.open_session()
    console = open_console(browser, links)
    console.locator("#phases").get_by_role("button", name=re.compile("Grille d'analyse")).click()
    expect(console.get_by_text("Étape en cours : Grille d'analyse")).to_be_visible()
    room_phones = phones(live_server, links["code"], 2)
    try:
        expect(room(console, "writers")).to_have_text(re.compile(r"^0\s+a écrit dans cette étape$"))
        ack = room_phones[0].call(
            "grid_set", {"row": None, "column": "situation", "text": "Les repas"}, timeout=5
        )
        assert ack["ok"], ack
        expect(room(console, "writers")).to_have_text(re.compile(r"^1\s+a écrit dans cette étape$"))
    finally:
        for phone in room_phones:
            phone.disconnect()


def test_the_console_speaks_english(live_server, browser, screenshot, axe):
    links = live_server.open_session(title="Night team")
    console = open_console(browser, links, server=live_server)
    expect(console.locator("html")).to_have_attribute("lang", "en")
    expect(console.get_by_role("heading", name="The room")).to_be_visible()
    expect(console.get_by_role("button", name="Next step")).to_be_visible()
    expect(console.get_by_role("button", name="Blank the board")).to_be_visible()
    expect(console.get_by_role("button", name="Start")).to_be_visible()
    expect(console.get_by_role("link", name="Français")).to_be_visible()
    room_phones = phones(live_server, links["code"], 1)
    try:
        expect(room(console, "connected")).to_have_text(re.compile(r"^1\s+connected$"))
        key(console, "n")
        expect(console.locator("#status")).to_have_text(
            "Current step: Ce que nous vivons au travail"  # the kit's own words stay as written
        )
        assert room_phones[0].call("note_add", {"text": "Short handovers"}, timeout=5)["ok"]
        expect(room(console, "writers")).to_have_text(re.compile(r"^1\s+wrote in this step$"))
        key(console, "t")
        expect(console.locator("#timer-toggle")).to_contain_text("Pause")
        expect(console.locator("#timer-label")).to_have_text("Running")
        console.keyboard.press("?")
        expect(console.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text(
            "Start or pause the timer"
        )
        screenshot(console, "console-room-help-en-1280")
        console.keyboard.press("Escape")
        text = console.locator("main").inner_text()
        for french in ("Étape suivante", "Minuteur", "Masquer le tableau", "La salle", "connecté"):
            assert french not in text
        assert axe(console) == []
        screenshot(console, "console-room-en-1280")
    finally:
        room_phones[0].disconnect()


def test_the_console_works_from_the_keyboard_alone(live_server, browser):
    links = live_server.open_session()
    console = open_console(browser, links)
    console.keyboard.press("Tab")  # first stop: the language switch
    focused = console.evaluate("document.activeElement.textContent.trim()")
    assert focused == "English"
    outline = console.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # The shortcuts' button opens its help with Enter, and Escape gives the focus back.
    console.get_by_role("button", name="Raccourcis clavier").focus()
    console.keyboard.press("Enter")
    expect(console.get_by_role("dialog")).to_be_visible()
    console.keyboard.press("Escape")
    expect(console.get_by_role("dialog")).to_be_hidden()
    assert console.evaluate("document.activeElement.id") == "shortcuts-open"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_join_and_error_pages_on_a_phone(live_server, browser, screenshot, axe, lang):
    page = browser.new_context(**PHONE).new_page()
    english = lang == "en"
    start = f"{live_server.url}/animer"
    if english:
        in_english(page, live_server, start)
    else:
        page.goto(start)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    heading = "Run a session" if english else "Animer une séance"
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    open_button = "Open this session" if english else "Ouvrir cette séance"
    expect(page.get_by_role("button", name=open_button).first).to_be_visible()
    steps = re.compile(r"\d+ steps · about \d" if english else r"\d+ étapes · environ \d")
    expect(page.locator(".kit-meta").first).to_have_text(steps)
    switch = page.locator(".lang-switch a")
    expect(switch).to_have_text("Français" if english else "English")
    box = switch.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert not overlaps(page, ".lang-switch a", "h1")
    assert no_horizontal_scroll(page)
    assert axe(page) == []
    screenshot(page, f"start-room-{lang}-360")
    # The whole page is 12,000 pixels tall: what the phone shows first, and a kit, to look at.
    page.screenshot(path=str(ARTIFACTS / f"start-room-{lang}-360-top.png"))
    page.locator(".kit").nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"start-room-{lang}-360-kit.png"))

    page.goto(f"{live_server.url}/")
    expect(page.get_by_label("Session code" if english else "Code de la séance")).to_be_visible()
    assert not overlaps(page, ".lang-switch a", "h1")
    assert no_horizontal_scroll(page)
    assert axe(page) == []
    screenshot(page, f"start-room-join-{lang}-360")

    page.get_by_label("Session code" if english else "Code de la séance").fill("ZZZZZZZZ")
    page.get_by_role("button", name="Join" if english else "Rejoindre", exact=True).tap()
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe(page) == []
    screenshot(page, f"start-room-join-error-{lang}-360")

    page.goto(f"{live_server.url}/j/ZZZZZZZZ")
    link = "Enter a code" if english else "Saisir un code"
    expect(page.get_by_role("link", name=link)).to_be_visible()
    assert no_horizontal_scroll(page)
    assert axe(page) == []
    screenshot(page, f"start-room-error-{lang}-360")

    # The switch goes back to the same page in the other language.
    page.goto(start)
    page.locator(".lang-switch a").tap()
    expect(page.locator("html")).to_have_attribute("lang", "fr" if english else "en")
    expect(page).to_have_url(re.compile(r"/animer$"))
