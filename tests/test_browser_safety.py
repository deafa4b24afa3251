"""Speech safety in the browser: the blank screen, and a phone taking its own note back."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def open_room(live_server, browser):
    links = live_server.open_session(title="Espace de discussion")
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    console.get_by_role("button", name="Étape suivante").click()
    expect(console.get_by_text("Étape en cours : Ce que nous vivons au travail")).to_be_visible()
    board = browser.new_context(**PROJECTOR).new_page()
    board.goto(links["board_url"])
    expect(board.get_by_text("Ce que nous vivons au travail").first).to_be_visible()
    return links, console, board


def test_a_key_press_blanks_the_projector_and_a_reload_keeps_it_blank(
    live_server, browser, screenshot
):
    _links, console, board = open_room(live_server, browser)
    blank = board.locator("#blank")
    expect(blank).to_be_hidden()
    console.locator("body").press("b")
    expect(blank).to_be_visible()
    expect(console.get_by_role("button", name=re.compile("Rallumer le tableau"))).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(board, "board-blank-1920")
    board.reload()
    expect(board.locator("#blank")).to_be_visible()
    console.get_by_role("button", name=re.compile("Rallumer le tableau")).click()
    expect(board.locator("#blank")).to_be_hidden()
    console.keyboard.press("Shift+B")  # the capital letter works too
    expect(board.locator("#blank")).to_be_visible()


def test_a_phone_takes_its_own_note_back_in_two_taps(live_server, browser, screenshot):
    links, console, board = open_room(live_server, browser)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    text = "Je préfère finalement ne pas laisser ce post-it"
    phone.get_by_label("Votre post-it").fill(text)
    phone.get_by_role("button", name="Envoyer").tap()
    expect(board.get_by_text(text)).to_be_visible()
    phone.get_by_role("button", name="Retirer ce post-it").tap()
    expect(board.get_by_text(text)).to_be_visible()  # one tap is not enough
    phone.get_by_role("button", name="Confirmer le retrait").tap()
    expect(board.get_by_text(text)).to_have_count(0)
    expect(console.get_by_text(text)).to_have_count(0)
    expect(phone.get_by_text("Retiré par vous", exact=False)).to_be_visible()
    screenshot(phone, "phone-withdrawn-360")
