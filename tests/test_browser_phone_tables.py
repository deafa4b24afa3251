"""A phone gets the grid of its own table only (docs/protocol.md, "grid_follow", "grid_batch").

A browser phone sits at Table 2 of the cluster-j2 kit's grid. What other phones open at Table 2
reaches it within seconds; what is opened at Table 1 never reaches it, not even over the wire;
after a reload its join says where it sits, and the grid of Table 2 comes back with the
snapshot. Changing tables, and a merge by the facilitator (`grid_refresh`), bring the grid of
the new table with the ack of `grid_follow`.

Screenshots: test-artifacts/phone-tables-*-390.png.
"""

import json
import re
import uuid

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
    "extra_http_headers": {"Accept-Language": "fr-FR,fr;q=0.9"},
}
GRID = "grille"  # the cluster-j2 kit's grid phase, tables "Table 1".."Table 8" (t1..t8)
BATCH_WAIT_MS = 5_000  # a grid_batch goes out about once a second


class Wire:
    """Every Socket.IO event the page sent and received, read off its WebSockets (a reload
    opens a new one; each is followed)."""

    def __init__(self, page) -> None:
        self.sent: list[tuple[str, object]] = []
        self.received: list[tuple[str, object]] = []
        self.raw_received: list[str] = []
        page.on("websocket", self._follow)

    def _follow(self, ws) -> None:
        ws.on("framesent", lambda payload: self._take(self.sent, payload))
        ws.on("framereceived", self._receive)

    def _receive(self, payload) -> None:
        if isinstance(payload, str):
            self.raw_received.append(payload)
        self._take(self.received, payload)

    @staticmethod
    def _take(into: list, payload) -> None:
        event = socketio_event(payload)
        if event:
            into.append(event)

    def sent_named(self, name: str) -> list:
        return [data for event, data in self.sent if event == name]

    def received_text(self) -> str:
        """All the page received, JSON decoded again: escapes make no difference."""
        texts = []
        for frame in self.raw_received:
            event = socketio_ack_or_event(frame)
            texts.append(json.dumps(event, ensure_ascii=False) if event is not None else frame)
        return "\n".join(texts)


def socketio_event(payload) -> tuple[str, object] | None:
    """("join", {...}) from a frame carrying a Socket.IO event: `42<ack id>[name, data]`."""
    if not isinstance(payload, str):
        return None
    match = re.match(r"^42\d*(\[.*)$", payload, re.S)
    if not match:
        return None
    name, *args = json.loads(match.group(1))
    return name, args[0] if args else None


def socketio_ack_or_event(frame: str):
    match = re.match(r"^4[23]\d*(\[.*)$", frame, re.S)
    return json.loads(match.group(1)) if match else None


def client(live_server, join: dict) -> socketio.Client:
    sio = socketio.Client()
    sio.connect(live_server.url, transports=["websocket"], wait_timeout=5)
    joined = sio.call("join", join)
    assert joined["ok"], joined
    sio.joined = joined
    return sio


def facilitator(live_server, links: dict) -> socketio.Client:
    key = links["facilitator_key"]
    return client(live_server, {"code": links["code"], "role": "facilitator", "key": key})


def phone_at(live_server, links: dict, table: str) -> socketio.Client:
    """Another phone of the room, sitting at `table` from its join on."""
    join = {"code": links["code"], "role": "participant", "tables": {GRID: table}}
    return client(live_server, join)


def open_row(sio: socketio.Client, table: str, text: str) -> str:
    ack = sio.call(
        "grid_set",
        {
            "row": None,
            "column": "situation",
            "group": table,
            "text": text,
            "phase": GRID,
            "id": str(uuid.uuid4()),
        },
    )
    assert ack["ok"], ack
    return ack["row"]


def row_texts(page):
    return page.locator("#grid-rows .grid-row-text")


def sit_at(page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).check()
    expect(page.get_by_text(f"Votre table : {name}", exact=True)).to_be_visible()


def open_phone(browser, links: dict):
    page = browser.new_context(**PHONE).new_page()
    wire = Wire(page)
    page.goto(links["join_url"])
    expect(page.get_by_text("Connecté")).to_be_visible()
    return page, wire


def test_a_phone_gets_the_rows_of_its_own_table_only(live_server, browser, screenshot):
    links = live_server.open_session(kit="cluster-j2", title="Journée 2 : nos grilles")
    phone, wire = open_phone(browser, links)
    first_join = wire.sent_named("join")
    assert first_join and first_join[0]["tables"] == {}  # nowhere yet

    console = facilitator(live_server, links)
    assert console.call("phase_set", {"phase": GRID})["ok"]
    expect(phone.get_by_role("radio", name="Table 8", exact=True)).to_be_visible()
    sit_at(phone, "Table 2")
    expect(
        phone.get_by_text("Aucune situation pour l'instant : ajoutez la première.")
    ).to_be_visible()
    follows = wire_wait(phone, lambda: wire.sent_named("grid_follow"))
    assert follows[-1] == {"tables": {GRID: "t2"}}
    assert phone.evaluate(f"localStorage.getItem('facilitate:table:{links['code']}:{GRID}')") == (
        "t2"
    )

    # Table 1 opens a row first, Table 2 next: once Table 2's has arrived, Table 1's had its
    # chance to come in the same second, and must not have.
    elsewhere = phone_at(live_server, links, "t1")
    open_row(elsewhere, "t1", "Les repas de midi a la table un")
    neighbour = phone_at(live_server, links, "t2")
    open_row(neighbour, "t2", "Les transmissions du soir")
    expect(row_texts(phone)).to_have_text(["Les transmissions du soir"], timeout=BATCH_WAIT_MS)
    assert any(event == "grid_batch" for event, _ in wire.received)
    phone.wait_for_timeout(2_500)  # two more ticks: anything of Table 1 would be here by now
    assert "Les repas de midi" not in wire.received_text()
    expect(phone.get_by_text("Les repas de midi", exact=False)).to_have_count(0)
    screenshot(phone, "phone-tables-t2-row-390")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The board, which sees every table, has both: the server did keep Table 1's row.
    board = client(live_server, {"code": links["code"], "role": "board"})
    texts = [c["text"] for c in board.joined["state"]["grid"]["contributions"]]
    assert "Les repas de midi a la table un" in texts and "Les transmissions du soir" in texts

    wire.sent.clear()
    wire.raw_received.clear()
    phone.reload()
    expect(phone.get_by_text("Connecté")).to_be_visible()
    joins = wire_wait(phone, lambda: wire.sent_named("join"))
    assert joins[-1]["tables"] == {GRID: "t2"}  # the join says where it sits
    expect(phone.get_by_text("Votre table : Table 2", exact=True)).to_be_visible()
    expect(row_texts(phone)).to_have_text(["Les transmissions du soir"])
    assert "Les transmissions du soir" in wire.received_text()  # in the join's snapshot
    assert "Les repas de midi" not in wire.received_text()
    screenshot(phone, "phone-tables-after-reload-390")

    # Still followed after the reload: a second row of Table 2 comes live.
    open_row(neighbour, "t2", "Les entrées en urgence")
    expect(row_texts(phone)).to_have_text(
        ["Les transmissions du soir", "Les entrées en urgence"], timeout=BATCH_WAIT_MS
    )
    for sio in (console, elsewhere, neighbour, board):
        sio.disconnect()


def test_changing_tables_and_a_merge_bring_the_grid_of_the_new_table(
    live_server, browser, screenshot
):
    links = live_server.open_session(kit="cluster-j2", title="Journée 2 : changer de table")
    console = facilitator(live_server, links)
    assert console.call("phase_set", {"phase": GRID})["ok"]
    at_t1 = phone_at(live_server, links, "t1")
    open_row(at_t1, "t1", "Le transport des patients")
    at_t2 = phone_at(live_server, links, "t2")
    first = open_row(at_t2, "t2", "Les repas")
    second = open_row(at_t2, "t2", "Le dîner")

    phone, wire = open_phone(browser, links)
    sit_at(phone, "Table 2")
    expect(row_texts(phone)).to_have_text(["Les repas", "Le dîner"])  # the ack of grid_follow

    phone.get_by_role("button", name="Changer de table").tap()
    sit_at(phone, "Table 1")
    expect(row_texts(phone)).to_have_text(["Le transport des patients"])
    assert wire.sent_named("grid_follow")[-1] == {"tables": {GRID: "t1"}}
    open_row(at_t2, "t2", "La nuit")  # Table 2 is no longer this phone's
    open_row(at_t1, "t1", "Les sorties")
    expect(row_texts(phone)).to_have_text(
        ["Le transport des patients", "Les sorties"], timeout=BATCH_WAIT_MS
    )
    phone.wait_for_timeout(2_500)
    assert "La nuit" not in wire.received_text()
    screenshot(phone, "phone-tables-changed-to-t1-390")

    phone.get_by_role("button", name="Changer de table").tap()
    sit_at(phone, "Table 2")
    expect(row_texts(phone)).to_have_text(["Les repas", "Le dîner", "La nuit"])

    # The facilitator merges two rows of Table 2: the batch says "grid_refresh", the phone asks
    # for its grid again and shows the one row left, with both situations.
    follows = len(wire.sent_named("grid_follow"))
    assert console.call("grid_row_merge", {"row": second, "into": first})["ok"]
    expect(row_texts(phone)).to_have_text(
        ["Les repas · Le dîner", "La nuit"], timeout=BATCH_WAIT_MS
    )
    assert len(wire.sent_named("grid_follow")) > follows
    assert wire.sent_named("grid_follow")[-1] == {"tables": {GRID: "t2"}}
    screenshot(phone, "phone-tables-after-merge-390")
    for sio in (console, at_t1, at_t2):
        sio.disconnect()


def wire_wait(page, read, timeout_ms: int = 5_000):
    """What `read()` gives once it gives something: frames arrive while Playwright waits."""
    for _ in range(timeout_ms // 100):
        found = read()
        if found:
            return found
        page.wait_for_timeout(100)
    raise AssertionError("nothing on the wire")
