"""The projector in the room (#10): legible at 1920x1080 and 1280x720, presenter mode, the QR
code full screen, 150 notes on screen without overlap, the black screen, French and English."""

import re
import uuid

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

SIZES = {"1920": (1920, 1080), "1280": (1280, 720)}

# What every card, and the area that holds them, look like in the page: each card's box, the
# smallest type, and whether the area has to scroll (it must not: a projector cannot scroll).
CARDS = """() => {
  const area = document.getElementById("notes-area");
  const cards = [...area.querySelectorAll(".note")].map((card) => card.getBoundingClientRect());
  const box = area.getBoundingClientRect();
  const inside = (r) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5
    && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
    && r.right <= innerWidth && r.bottom <= innerHeight && r.left >= 0 && r.top >= 0;
  let overlaps = 0;
  for (let i = 0; i < cards.length; i++) {
    for (let j = i + 1; j < cards.length; j++) {
      const a = cards[i], b = cards[j];
      const apart = a.right - 0.5 <= b.left || b.right - 0.5 <= a.left
        || a.bottom - 0.5 <= b.top || b.bottom - 0.5 <= a.top;
      if (!apart) overlaps++;
    }
  }
  const fonts = [...area.querySelectorAll(".note")]
    .map((card) => parseFloat(getComputedStyle(card).fontSize));
  return {
    count: cards.length,
    outside: cards.filter((r) => !inside(r)).length,
    overlaps,
    smallest: Math.min(...fonts),
    scrolls: area.scrollHeight > area.clientHeight + 1 || area.scrollWidth > area.clientWidth + 1,
  };
}"""

# The page's chrome and its regions never overlap each other nor leave the screen.
REGIONS = """() => {
  const shown = (node) => node && node.getClientRects().length > 0;
  const parts = [".board-phase", ".board-join", ".board-notes", ".board-footer"]
    .map((s) => document.querySelector(s)).filter(shown).map((n) => n.getBoundingClientRect());
  let overlaps = 0;
  for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
    const a = parts[i], b = parts[j];
    const apart = a.right - 1 <= b.left || b.right - 1 <= a.left
      || a.bottom - 1 <= b.top || b.bottom - 1 <= a.top;
    if (!apart) overlaps++;
  }
  const out = parts.filter((r) => r.right > innerWidth + 1 || r.bottom > innerHeight + 1).length;
  const doc = document.documentElement;
  return { overlaps, out, scroll: doc.scrollWidth > innerWidth || doc.scrollHeight > innerHeight };
}"""


def facilitator(live_server, links: dict) -> socketio.Client:
    console = socketio.Client()
    console.connect(live_server.url, transports=["websocket"], wait_timeout=5)
    join = {"code": links["code"], "role": "facilitator", "key": links["facilitator_key"]}
    assert console.call("join", join, timeout=5)["ok"]
    return console


def participants(live_server, links: dict, count: int) -> list[socketio.Client]:
    phones = []
    for _ in range(count):
        phone = socketio.Client()
        phone.connect(live_server.url, transports=["websocket"], wait_timeout=5)
        join = {"code": links["code"], "role": "participant"}
        assert phone.call("join", join, timeout=5)["ok"]
        phones.append(phone)
    return phones


def post_notes(phones: list[socketio.Client], texts: list[str]) -> list[dict]:
    """Each text sent by one of the phones in turn, as the real protocol does (below its rate)."""
    notes = []
    for number, text in enumerate(texts):
        payload = {"id": str(uuid.uuid4()), "text": text}
        ack = phones[number % len(phones)].call("note_add", payload, timeout=5)
        assert ack["ok"], ack
        notes.append(ack["note"])
    return notes


def varied_texts(count: int) -> list[str]:
    """Notes as a room writes them: short ones, and some long enough to need three lines."""
    words = [
        "Les relèves de nuit manquent de temps pour les transmissions",
        "Pas de vraie pause",
        "Le logiciel de soins rame le matin",
        "On apprend les changements de planning la veille pour le lendemain, sans explication",
        "Manque de matériel",
        "Trop d'interruptions pendant la préparation des médicaments",
        "L'entraide entre collègues tient l'équipe",
        "Les familles appellent sans arrêt, personne n'est dédié au téléphone",
    ]
    return [f"{words[i % len(words)]} ({i + 1})" for i in range(count)]


def board_page(browser, url: str, size: str, english: bool = False):
    width, height = SIZES[size]
    # A French browser: Playwright's Chromium asks for English by default.
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    if english:
        page.goto(url.split("/b/")[0] + "/langue/en?next=/b/" + url.split("/b/")[1])
    else:
        page.goto(url)
    expect(page.locator("#connection.is-connected")).to_have_count(1)
    return page


def regions_are_clean(page) -> None:
    regions = page.evaluate(REGIONS)
    assert regions["overlaps"] == 0 and regions["out"] == 0 and not regions["scroll"], regions


@pytest.mark.parametrize("size", SIZES)
def test_the_empty_board_reads_from_the_back_of_the_room(
    live_server, browser, screenshot, axe, size
):
    links = live_server.open_session(title="Espace de discussion, unité de soins")
    board = board_page(browser, links["board_url"], size)
    code = links["code"]
    # The code grouped for reading aloud, the same eight characters underneath.
    shown = board.locator("#join-code .code-group")
    expect(shown).to_have_text([code[:4], code[4:]])
    assert board.locator("#join-code .code-shown").text_content() == code
    expect(board.locator("#join-code .code-spoken")).to_have_text(
        " ".join(code[:4]) + ", " + " ".join(code[4:])
    )
    height = SIZES[size][1]
    title = board.locator("#phase-title").evaluate(
        "(n) => parseFloat(getComputedStyle(n).fontSize)"
    )
    assert title >= height * 0.055  # about 60px at 1080 lines, 40px at 720
    code_size = board.locator("#join-code").evaluate(
        "(n) => parseFloat(getComputedStyle(n).fontSize)"
    )
    assert code_size >= height * 0.07
    regions_are_clean(board)
    join, shown_code = (
        board.locator("#join").bounding_box(),
        board.locator("#join-code").bounding_box(),
    )
    assert (
        shown_code["x"] >= join["x"]
        and shown_code["x"] + shown_code["width"] <= join["x"] + join["width"]
    )
    fits = "(n) => n.scrollWidth <= n.clientWidth"
    assert board.locator("#join-code").evaluate(fits)
    assert axe(board) == []
    screenshot(board, f"board-room-empty-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_150_notes_fit_on_screen_without_overlap(live_server, browser, screenshot, axe, size):
    links = live_server.open_session(title="Atelier de 150 post-its")
    console = facilitator(live_server, links)
    console.call("phase_set", {"phase": "idees"}, timeout=5)
    board = board_page(browser, links["board_url"], size)
    phones = participants(live_server, links, 8)  # 19 notes each: far below a phone's rate limit
    post_notes(phones, varied_texts(150))
    expect(board.locator("#notes .note")).to_have_count(150, timeout=20_000)
    board.wait_for_function(
        "() => { const a = document.getElementById('notes-area');"
        " return a.scrollHeight <= a.clientHeight + 1 && a.scrollWidth <= a.clientWidth + 1; }"
    )
    board.wait_for_function("() => !document.querySelector('.note.is-new')")  # faded in
    cards = board.evaluate(CARDS)
    assert cards["count"] == 150 and cards["overlaps"] == 0 and cards["outside"] == 0, cards
    assert not cards["scrolls"], cards
    # Smaller cards, still a type a room reads: 16px at 1080 lines, 10.5px at 720 (the same
    # size on the wall).
    assert cards["smallest"] >= SIZES[size][1] * 0.0145, cards
    regions_are_clean(board)
    assert axe(board) == []
    screenshot(board, f"board-room-150-{size}")

    board.keyboard.press("p")  # presenter mode: more room, the cards grow back a little
    expect(board.locator("#join")).to_be_hidden()
    board.wait_for_function(
        "() => document.getElementById('notes-area').scrollHeight"
        " <= document.getElementById('notes-area').clientHeight + 1"
    )
    presented = board.evaluate(CARDS)
    assert presented["overlaps"] == 0 and presented["outside"] == 0, presented
    assert presented["smallest"] >= cards["smallest"]
    screenshot(board, f"board-room-150-presenter-{size}")
    for client in [console, *phones]:
        client.disconnect()


@pytest.mark.parametrize("size", SIZES)
def test_presenter_mode_keeps_the_step_and_its_timer(live_server, browser, screenshot, axe, size):
    links = live_server.open_session(title="Séance du jeudi")
    console = facilitator(live_server, links)
    console.call("phase_set", {"phase": "idees"}, timeout=5)
    console.call("timer_set", {"action": "start"}, timeout=5)
    post_notes(participants(live_server, links, 1), varied_texts(12))
    board = board_page(browser, links["board_url"], size)
    expect(board.locator("#timer-clock")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    toggle = board.get_by_role("button", name="Mode présentation")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    for hidden in (
        "#session-title",
        "#phase-step",
        "#presence",
        "#connection",
        "#join",
        "#qr-open",
        "#help-open",
        ".lang-switch",
    ):
        expect(board.locator(hidden)).to_be_hidden()
    for shown in ("#phase-title", "#timer-clock", "#timer-label", "#phase-prompt"):
        expect(board.locator(shown)).to_be_visible()
    expect(toggle).to_be_visible()  # the way back, for a mouse too
    regions_are_clean(board)
    assert axe(board) == []
    screenshot(board, f"board-room-presenter-{size}")

    board.reload()  # remembered on this machine
    expect(board.get_by_role("button", name="Mode présentation")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(board.locator("#session-title")).to_be_hidden()
    board.keyboard.press("P")
    expect(board.locator("#session-title")).to_be_visible()
    expect(board.locator("#join")).to_be_visible()
    console.disconnect()


@pytest.mark.parametrize("size", SIZES)
def test_the_qr_code_full_screen_with_the_address_and_the_code(
    live_server, browser, screenshot, axe, size
):
    links = live_server.open_session()
    board = board_page(browser, links["board_url"], size)
    code = links["code"]
    board.keyboard.press("q")
    dialog = board.get_by_role("dialog", name="Rejoindre la séance")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".code-group")).to_have_text([code[:4], code[4:]])
    expect(dialog.get_by_text("127.0.0.1:", exact=False)).to_be_visible()
    width, height = SIZES[size]
    qr = dialog.get_by_role("img").bounding_box()
    assert qr["height"] >= height * 0.6 and qr["y"] + qr["height"] <= height
    for part in (".qr-full-code", ".qr-full-host", ".board-dialog-actions button"):
        box = dialog.locator(part).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, part
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, part
    code_size = dialog.locator(".qr-full-code").evaluate(
        "(n) => parseFloat(getComputedStyle(n).fontSize)"
    )
    assert code_size >= height * 0.12
    assert axe(board) == []
    screenshot(board, f"board-room-qr-{size}")
    board.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(board.get_by_text(code)).to_have_count(1)  # the copy went with the dialog
    board.get_by_role("button", name="QR code en grand").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Fermer").click()
    expect(dialog).to_be_hidden()


def test_the_black_screen_by_key_and_from_the_console(live_server, browser, screenshot):
    links = live_server.open_session()
    board = board_page(browser, links["board_url"], "1920")
    board.keyboard.press("Shift+?")
    help_dialog = board.get_by_role("dialog", name="Raccourcis clavier du tableau")
    expect(help_dialog).to_be_visible()
    for key in ("P", "Q", "B", "F"):
        expect(help_dialog.locator("dt kbd", has_text=re.compile(f"^{key}$"))).to_have_count(1)
    expect(help_dialog.get_by_text(re.compile("Écran noir tout de suite"))).to_be_visible()
    screenshot(board, "board-room-help-1920")
    board.keyboard.press("b")  # the black screen closes the help at once
    expect(help_dialog).to_be_hidden()
    blank = board.locator("#blank")
    expect(blank).to_be_visible()
    expect(board.get_by_text("Écran masqué. Touche B pour le rallumer.")).to_be_visible()
    assert board.evaluate("document.getElementById('app').inert")
    board.keyboard.press("b")
    expect(blank).to_be_hidden()

    console = facilitator(live_server, links)  # the console's blank reaches the board as before
    assert console.call("board_blank", {"blank": True}, timeout=5)["ok"]
    expect(board.get_by_text("Écran masqué par l'animation")).to_be_visible()
    board.keyboard.press("q")  # nothing opens over a blank screen
    expect(board.get_by_role("dialog")).to_have_count(0)
    assert console.call("board_blank", {"blank": False}, timeout=5)["ok"]
    expect(blank).to_be_hidden()
    console.disconnect()


def test_the_board_works_with_the_keyboard_alone(live_server, browser):
    links = live_server.open_session()
    board = board_page(browser, links["board_url"], "1280")
    seen = []
    for _ in range(5):  # the notes area (a scroller), the three buttons, the language link
        board.keyboard.press("Tab")
        focused = board.evaluate(
            "() => { const n = document.activeElement;"
            " const s = getComputedStyle(n);"
            " return [n.id || n.textContent.trim(), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        seen.append(focused[0])
        assert focused[1] != "none" and focused[2] >= 2, focused  # the focus shows
    assert {"qr-open", "presenter-toggle", "help-open"} <= set(seen), seen
    board.locator("#qr-open").focus()
    board.keyboard.press("Enter")
    dialog = board.get_by_role("dialog", name="Rejoindre la séance")
    expect(dialog).to_be_visible()
    assert board.evaluate("document.getElementById('qr-dialog').contains(document.activeElement)")
    board.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(board.locator("#qr-open")).to_be_focused()  # back where it was
    board.locator("#presenter-toggle").focus()
    board.keyboard.press("Space")
    expect(board.locator("#presenter-toggle")).to_have_attribute("aria-pressed", "true")
    expect(board.locator("#presenter-toggle")).to_be_focused()


@pytest.mark.parametrize("size", SIZES)
def test_the_board_in_english(live_server, browser, screenshot, axe, size):
    links = live_server.open_session(title="Night shift workshop")
    console = facilitator(live_server, links)
    console.call("phase_set", {"phase": "idees"}, timeout=5)
    console.call("timer_set", {"action": "start"}, timeout=5)
    phones = participants(live_server, links, 3)
    notes = post_notes(phones, varied_texts(9))
    board = board_page(browser, links["board_url"], size, english=True)
    expect(board.locator("html")).to_have_attribute("lang", "en")
    expect(board.get_by_role("heading", name="Join the session")).to_be_visible()
    join = board.locator("#join")
    for text in ("or type the address", "then the code"):
        expect(join.get_by_text(text, exact=True)).to_be_visible()
    expect(board.get_by_text("Time left", exact=True)).to_be_visible()
    expect(board.get_by_text(re.compile(r"^\d+ participants? connected$"))).to_be_visible()
    for name in ("Large QR code", "Presenter mode", "Shortcuts"):
        expect(board.get_by_role("button", name=name)).to_be_visible()
    expect(board.get_by_role("link", name="Français")).to_be_visible()
    assert axe(board) == []
    screenshot(board, f"board-room-en-{size}")

    board.keyboard.press("?")
    expect(board.get_by_role("dialog", name="Board keyboard shortcuts")).to_be_visible()
    expect(board.get_by_text("Black screen at once; B again to show it.")).to_be_visible()
    board.keyboard.press("Escape")
    board.keyboard.press("q")
    expect(board.get_by_role("dialog", name="Join the session")).to_be_visible()
    board.keyboard.press("Escape")

    # Themes as columns, and the notes of no theme under their English heading.
    console.call("phase_set", {"phase": "themes"}, timeout=5)
    first = console.call(
        "theme_create", {"title": "Plannings", "note_ids": [notes[0]["id"], notes[3]["id"]]}
    )
    console.call("theme_create", {"title": "Matériel", "note_ids": [notes[4]["id"]]})
    expect(board.locator("#themes .theme-column")).to_have_count(3)
    expect(board.get_by_role("heading", name="No theme")).to_be_visible()
    shown = board.locator("main").inner_text()
    assert not re.search(r"Sans thème|Temps restant|Rejoindre|participants connectés", shown)
    board.wait_for_function("() => !document.querySelector('.note.is-new')")
    screenshot(board, f"board-room-themes-en-{size}")

    # The vote: "3 dots per person", then the bar chart, read from far away.
    console.call("phase_set", {"phase": "gommettes"}, timeout=5)
    expect(board.get_by_text("3 dots per person, to place on your phone.")).to_be_visible()
    for phone in phones:
        ack = phone.call("vote_cast", {"theme_id": first["theme_id"], "id": str(uuid.uuid4())})
        assert ack["ok"], ack
    phones[0].call("vote_cast", {"note_id": notes[1]["id"], "id": str(uuid.uuid4())})
    assert console.call("votes_reveal", {}, timeout=5)["ok"]
    bars = board.locator("#ranking .rank-bar")
    expect(bars.first).to_be_visible()
    box = bars.first.bounding_box()
    assert box["height"] >= SIZES[size][1] * 0.025  # a bar one sees from the back of the room
    text_size = board.locator("#ranking .rank-text").first.evaluate(
        "(n) => parseFloat(getComputedStyle(n).fontSize)"
    )
    assert text_size >= SIZES[size][1] * 0.03
    regions_are_clean(board)
    assert axe(board) == []
    screenshot(board, f"board-room-ranking-en-{size}")
    for client in [console, *phones]:
        client.disconnect()
