"""The real eventlet server in a subprocess, over a real websocket: crashes lose nothing."""

import threading
import time
import uuid

import pytest
import socketio

pytestmark = [
    pytest.mark.slow,
    # The client library leaves its sockets to the collector when the server dies under it.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


class Phone:
    """A participant's phone as the page behaves: an outbox resent until acknowledged."""

    def __init__(self, url: str, code: str) -> None:
        self.code, self.token = code, None
        self.outbox: dict[str, str] = {}
        self.acked: set[str] = set()
        self.sio = socketio.Client(reconnection_delay=0.1, reconnection_delay_max=0.5)
        self.needs_join = True
        self.sio.on("connect", self._connected)
        self.sio.connect(url, transports=["websocket"], wait_timeout=5)

    def _connected(self) -> None:
        self.needs_join = True

    def write(self, text: str) -> None:
        self.outbox[str(uuid.uuid4())] = text

    def flush(self) -> bool:
        """Try to send the outbox once; True when it is empty."""
        try:
            if self.needs_join:
                ack = self.sio.call("join", self._join(), timeout=2)
                self.token, self.needs_join = ack["token"], False
            for note_id, text in list(self.outbox.items()):
                ack = self.sio.call("note_add", {"id": note_id, "text": text}, timeout=2)
                if not ack["ok"] and ack["error"]["code"] == "not_joined":
                    self.needs_join = True
                    return False
                assert ack["ok"], ack
                self.acked.add(note_id)
                del self.outbox[note_id]
        except (socketio.exceptions.SocketIOError, TimeoutError):
            return False
        return not self.outbox

    def _join(self) -> dict:
        return {"code": self.code, "role": "participant", "token": self.token}


def board_notes(url: str, code: str) -> list[dict]:
    board = socketio.Client()
    board.connect(url, transports=["websocket"], wait_timeout=5)
    ack = board.call("join", {"code": code, "role": "board"}, timeout=5)
    board.disconnect()
    return ack["state"]["notes"]


def test_note_reaches_the_board_over_a_real_websocket(live_server):
    links = live_server.open_session()
    seen = threading.Event()
    board = socketio.Client()
    board.on("note_added", lambda payload: seen.set())
    board.connect(live_server.url, transports=["websocket"])
    assert board.call("join", {"code": links["code"], "role": "board"}, timeout=5)["ok"]
    phone = Phone(live_server.url, links["code"])
    phone.write("Les plannings changent trop tard")
    assert phone.flush()
    assert seen.wait(5)
    board.disconnect(), phone.sio.disconnect()


def test_kill_9_in_a_burst_loses_no_acknowledged_note(any_live_server):
    live_server = any_live_server
    links = live_server.open_session()
    phones = [Phone(live_server.url, links["code"]) for _ in range(8)]
    for number, phone in enumerate(phones):
        for i in range(25):
            phone.write(f"Téléphone {number}, post-it {i}")

    def keep_sending(phone: Phone) -> None:
        deadline = time.monotonic() + 60
        while not phone.flush() and time.monotonic() < deadline:
            time.sleep(0.05)

    threads = [threading.Thread(target=keep_sending, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    while sum(len(p.acked) for p in phones) < 40:
        time.sleep(0.01)
    live_server.kill()
    acked_before_crash = set().union(*(p.acked for p in phones))
    assert len(acked_before_crash) < 8 * 25  # the crash did fall in the middle of the burst
    time.sleep(0.5)
    live_server.start()
    for thread in threads:
        thread.join(70)

    stored = board_notes(live_server.url, links["code"])
    ids = [n["id"] for n in stored]
    assert acked_before_crash <= set(ids)  # nothing acknowledged was lost
    assert len(ids) == len(set(ids)) == 8 * 25  # every note exactly once, phones carried on
    assert all(not p.outbox for p in phones)
    for phone in phones:
        phone.sio.disconnect()


def test_server_logs_no_address_or_browser(live_server):
    links = live_server.open_session()
    phone = Phone(live_server.url, links["code"])
    phone.write("Rien dans les journaux")
    assert phone.flush()
    phone.sio.disconnect()
    log = live_server.log.read_text()
    assert "GET /" not in log and "POST /" not in log
    assert "accepted" not in log and "Python/" not in log and "python-requests" not in log


def test_large_messages_are_answered_or_cut_without_harm(live_server):
    links = live_server.open_session()
    phone = Phone(live_server.url, links["code"])
    assert phone.flush()  # joined
    ack = phone.sio.call("note_add", {"text": "x" * 16_000}, timeout=5)
    assert ack["error"]["code"] == "text_too_long"
    flooder = socketio.Client(reconnection=False)
    flooder.connect(live_server.url, transports=["websocket"])
    flooder.emit("note_add", {"text": "x" * 200_000})  # over the buffer: the server hangs up
    deadline = time.monotonic() + 5
    while flooder.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not flooder.connected
    phone.write("Toujours là")
    assert phone.flush()  # everyone else carries on
    phone.sio.disconnect()


def connects(url: str, origin: str | None) -> bool:
    """Whether a client whose page came from `origin` may open a connection (long-polling: the
    websocket transport sends the header twice, see STACK_NOTES)."""
    client = socketio.Client(reconnection=False)
    try:
        headers = {"Origin": origin} if origin else {}
        client.connect(url, transports=["polling"], headers=headers, wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


def test_only_the_servers_own_pages_may_connect(live_server):
    assert connects(live_server.url, live_server.url)
    assert connects(live_server.url, None)  # a script, the benchmark: no page, no Origin
    assert not connects(live_server.url, "http://pirate.example")
    assert not connects(live_server.url, "null")  # a page opened from a file


def test_the_public_address_is_an_own_origin(tmp_path):
    from conftest import LiveServer, free_port

    server = LiveServer(tmp_path, free_port())
    server.env["FACILITATE_PUBLIC_URL"] = "https://atelier.example.org"
    server.start()
    try:
        assert connects(server.url, "https://atelier.example.org")
        assert not connects(server.url, "https://autre.example.org")
    finally:
        server.stop()
