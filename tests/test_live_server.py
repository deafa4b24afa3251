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


class Writer(Phone):
    """A phone with an outbox of any writes (notes, dots, grid entries), each with its own id."""

    def __init__(self, url: str, code: str) -> None:
        super().__init__(url, code)
        self.ops: dict[str, tuple[str, dict]] = {}

    def queue(self, event: str, payload: dict) -> None:
        op_id = str(uuid.uuid4())
        self.ops[op_id] = (event, {**payload, "id": op_id})

    def flush(self) -> bool:
        try:
            if self.needs_join:
                ack = self.sio.call("join", self._join(), timeout=2)
                self.token, self.needs_join = ack["token"], False
            for op_id, (event, payload) in list(self.ops.items()):
                ack = self.sio.call(event, payload, timeout=2)
                if not ack["ok"] and ack["error"]["code"] in ("not_joined", "slow_down"):
                    self.needs_join = ack["error"]["code"] == "not_joined"
                    return False
                assert ack["ok"], (event, ack)
                self.acked.add(op_id)
                del self.ops[op_id]
        except (socketio.exceptions.SocketIOError, TimeoutError):
            return False
        return not self.ops


def test_kill_9_in_a_burst_of_notes_dots_and_grid_entries(live_server):
    links = live_server.open_session()
    code, key = links["code"], links["facilitator_key"]
    console = socketio.Client()
    console.connect(live_server.url, transports=["websocket"])
    assert console.call("join", {"code": code, "role": "facilitator", "key": key})["ok"]
    console.call("phase_set", {"phase": "idees"})
    phones = [Writer(live_server.url, code) for _ in range(6)]
    target = None
    for phone in phones:
        phone.queue("note_add", {"text": "Sur quoi voter"})
        assert phone.flush()
        target = target or next(iter(phone.acked))
    console.call("phase_set", {"phase": "gommettes"})  # a vote is open; the grid takes late writes
    console.disconnect()
    for number, phone in enumerate(phones):
        for i in range(3):
            phone.queue("vote_cast", {"note_id": target})
            phone.queue("note_add", {"text": f"Téléphone {number}, idée {i}", "phase": "idees"})
            situation = {"row": None, "column": "situation", "phase": "grille"}
            phone.queue("grid_set", {**situation, "text": f"Situation {number}.{i}"})
    sent = {op: e for p in phones for op, (e, _payload) in p.ops.items()}

    threads = [threading.Thread(target=_keep_sending, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    while sum(len(p.acked) for p in phones) < 6 + 20:
        time.sleep(0.01)
    live_server.kill()
    acked = set().union(*(p.acked for p in phones))
    assert len(acked) < 6 + len(sent)  # the crash fell in the middle of the burst
    time.sleep(0.5)
    live_server.start()
    for thread in threads:
        thread.join(70)
    assert all(not p.ops for p in phones)  # the phones carried on by themselves

    board = socketio.Client()
    board.connect(live_server.url, transports=["websocket"])
    state = board.call("join", {"code": code, "role": "facilitator", "key": key})["state"]
    note_ids = [n["id"] for n in state["notes"]]
    grid_ids = [c["id"] for c in state["grid"]["contributions"]]
    assert len(note_ids) == len(set(note_ids)) == 6 + 18  # every note, once
    assert len(grid_ids) == len(set(grid_ids)) == 18  # every grid entry, once
    assert {op for op, e in sent.items() if e == "grid_set"} == set(grid_ids)
    reveal = board.call("votes_reveal", {})
    [ranked] = [r for r in reveal["ranking"] if r.get("note_id") == target]
    assert ranked["votes"] == 18 and reveal["voters"] == 6  # every dot, once
    board.disconnect()
    for phone in phones:
        phone.sio.disconnect()


def _keep_sending(phone: Phone) -> None:
    deadline = time.monotonic() + 60
    while not phone.flush() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_whole_session_leaves_no_address_or_browser_in_the_logs(live_server):
    import urllib.request

    agent = "Sentinelle-Navigateur/9.9"
    links = live_server.open_session()
    for path in (f"/j/{links['code']}", f"/b/{links['code']}", "/animer", "/nulle-part"):
        request = urllib.request.Request(live_server.url + path, headers={"User-Agent": agent})
        try:
            urllib.request.urlopen(request, timeout=5).read()
        except urllib.error.HTTPError:
            pass
    phone = Writer(live_server.url, links["code"])
    phone.queue("note_add", {"text": "Une idée"})
    phone.queue("grid_set", {"row": None, "column": "situation", "phase": "grille", "text": "x"})
    assert phone.flush()
    phone.sio.call("note_add", {"text": "x" * 600})  # a refusal, logged or not, names no one
    phone.sio.disconnect()
    banner, _, rest = live_server.log.read_text().partition("Conservation")
    assert "Téléphones" in banner  # the server's own address is printed once, at start
    assert "127.0.0.1" not in rest and agent not in rest and "GET /" not in rest


def test_the_server_also_runs_on_gevent(tmp_path):
    """eventlet is in maintenance mode: gevent must stay a working choice."""
    from conftest import LiveServer, free_port

    server = LiveServer(tmp_path, free_port())
    server.env["FACILITATE_ASYNC_MODE"] = "gevent"
    server.start()
    try:
        links = server.open_session()
        seen = threading.Event()
        board = socketio.Client()
        board.on("note_added", lambda payload: seen.set())
        board.connect(server.url, transports=["websocket"])
        assert board.transport() == "websocket"
        assert board.call("join", {"code": links["code"], "role": "board"}, timeout=5)["ok"]
        phone = Phone(server.url, links["code"])
        phone.write("Sur gevent aussi")
        assert phone.flush() and seen.wait(5)
        board.disconnect(), phone.sio.disconnect()
        time.sleep(0.3)
    finally:
        server.stop()
    log = server.log.read_text().partition("Conservation")[2]
    assert "127.0.0.1" not in log and "Traceback" not in log
