"""Screens as the real pages behave: a projector that logs what it gets, phones with an outbox.

Every time is `time.monotonic()` in this one process, so send and receipt times compare exactly.
"""

import asyncio
import time
import uuid
from collections import Counter

import socketio

CALL_TIMEOUT = 10.0  # an ack later than this counts as a timeout, and the write is resent


def now() -> float:
    return time.monotonic()


class Screen:
    """One Socket.IO connection holding one role in one workshop; rejoins after a reconnection."""

    def __init__(self, url: str, code: str, role: str, key: str | None = None) -> None:
        self.url, self.code, self.role, self.key = url, code, role, key
        self.token: str | None = None
        self.needs_join = True
        self.joined_at: float | None = None
        self.gone = asyncio.Event()  # set while the connection is down: in-flight calls give up
        self.sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1.0,
            randomization_factor=0.5,
        )
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)

    async def _connected(self) -> None:
        self.gone.clear()
        self.needs_join = True

    async def _disconnected(self, *_reason) -> None:
        self.gone.set()

    async def connect(self, timeout: float = 30) -> None:
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=timeout)

    async def call(self, event: str, payload: dict, timeout: float = CALL_TIMEOUT) -> dict:
        """Send one event and wait for its ack; a dropped connection fails the call at once."""
        if not self.sio.connected:
            raise ConnectionError("not connected")
        call = asyncio.ensure_future(self.sio.call(event, payload, timeout=timeout))
        dropped = asyncio.ensure_future(self.gone.wait())
        done, _pending = await asyncio.wait({call, dropped}, return_when=asyncio.FIRST_COMPLETED)
        dropped.cancel()
        if call in done:
            return call.result()
        call.cancel()
        raise ConnectionError("connection dropped")

    def join_payload(self) -> dict:
        payload = {"code": self.code, "role": self.role}
        if self.key:
            payload["key"] = self.key
        if self.token:
            payload["token"] = self.token
        return payload

    async def join(self) -> dict:
        ack = await self.call("join", self.join_payload())
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        self.token = ack.get("token", self.token)
        self.needs_join, self.joined_at = False, now()
        return ack

    async def ensure_joined(self, deadline: float) -> None:
        """Wait for the connection and rejoin, as the pages do after any reconnection."""
        while self.needs_join and now() < deadline:
            if not self.sio.connected:
                await asyncio.sleep(0.05)
                continue
            try:
                await self.join()
            except (socketio.exceptions.SocketIOError, TimeoutError, ConnectionError):
                await asyncio.sleep(0.1)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            pass


class Board(Screen):
    """The projector (or the console): logs the receipt time of every write it is shown."""

    EVENTS = ("note_added", "votes_progress", "grid_added", "presence")

    def __init__(self, url: str, code: str, role: str = "board", key: str | None = None) -> None:
        super().__init__(url, code, role, key)
        self.seen: dict[str, float] = {}  # note or contribution id -> first receipt
        self.copies: Counter = Counter()  # id -> how many times it was shown
        self.progress: list[float] = []  # receipt times of votes_progress, in arrival order
        self.presence: list[tuple[float, int]] = []  # (receipt, phones of every process)
        self.phones_per_process: dict[object, int] = {}
        for event in self.EVENTS:
            self.sio.on(event, self._handler(event))

    async def _connected(self) -> None:
        await super()._connected()
        asyncio.get_running_loop().create_task(self.ensure_joined(now() + 60))

    def _handler(self, event: str):
        async def record(payload: dict) -> None:
            t = now()
            if event == "note_added":
                self._saw(payload["note"]["id"], t)
            elif event == "grid_added":
                self._saw(payload["contribution"]["id"], t)
            elif event == "votes_progress":
                self.progress.append(t)
            else:  # each process counts its own phones; the page adds them up
                self.phones_per_process[payload.get("process")] = payload["participants"]
                self.presence.append((t, sum(self.phones_per_process.values())))

        return record

    def _saw(self, item_id: str, t: float) -> None:
        self.seen.setdefault(item_id, t)
        self.copies[item_id] += 1


class Phone(Screen):
    """A participant's phone: an outbox of writes, each with its own id, resent until acked."""

    def __init__(self, url: str, code: str, sampled: bool = False) -> None:
        super().__init__(url, code, "participant")
        self.outbox: dict[str, tuple[str, dict]] = {}
        self.first_sent: dict[str, float] = {}  # op id -> first attempt
        self.acked: dict[str, tuple[float, dict]] = {}  # op id -> (ack time, ack)
        self.errors: Counter = Counter()  # refusals by code, and timeouts
        self.batches: dict[str, float] = {}  # contribution id -> receipt in a batch (sampled)
        self.tables: dict[str, str] = {}  # grid phase -> the table this phone sits at
        if sampled:
            self.sio.on("batch", self._batch)
            self.sio.on("grid_batch", self._batch)

    def join_payload(self) -> dict:
        payload = super().join_payload()
        if self.tables:  # as the phone page does: its tables, so its snapshot holds their grid
            payload["tables"] = self.tables
        return payload

    async def _batch(self, payload: dict) -> None:
        t = now()
        for change in payload.get("changes", []):
            if change.get("type") == "grid_added":
                self.batches.setdefault(change["contribution"]["id"], t)

    def queue(self, event: str, payload: dict, op_id: str | None = None) -> str:
        op_id = op_id or str(uuid.uuid4())
        self.outbox[op_id] = (event, {**payload, "id": op_id})
        return op_id

    async def send(self, op_id: str, deadline: float) -> dict | None:
        """Send one write of the outbox until it is acked, refused or the deadline passes."""
        event, payload = self.outbox[op_id]
        while now() < deadline:
            await self.ensure_joined(deadline)
            self.first_sent.setdefault(op_id, now())
            try:
                ack = await self.call(event, payload)
            except (socketio.exceptions.SocketIOError, ConnectionError):
                await asyncio.sleep(0.1)
                continue
            except TimeoutError:
                self.errors["timeout"] += 1
                continue
            if ack.get("ok"):
                self.acked[op_id] = (now(), ack)
                del self.outbox[op_id]
                return ack
            code = ack["error"]["code"]
            self.errors[code] += 1
            if code == "not_joined":  # the server restarted under us: rejoin, then resend
                self.needs_join = True
            elif code == "slow_down":
                await asyncio.sleep(1.0)
            else:  # refused for good: writes nothing, resending would not change that
                del self.outbox[op_id]
                return ack
        return None

    async def drain(self, deadline: float) -> None:
        """Send the whole outbox, in order."""
        for op_id in list(self.outbox):
            await self.send(op_id, deadline)
