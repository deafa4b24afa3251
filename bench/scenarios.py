"""The scenarios: a join storm, then bursts of notes, dots and grid entries, then a crash.

They run in that order on one workshop with the same phones connected (as in a real session),
each returning a dict of figures. Latencies are measured from a phone's first attempt at a write
to its receipt by the projector (`projector`), by a few sampled phones in their `batch`
(`phones`), and to the sender's own ack (`ack`).
"""

import asyncio
import random
from collections import Counter

from .clients import Board, Phone, now
from .servers import Server
from .stats import summary

WINDOW = 2.0  # seconds over which the phones of a burst send, as a room answering a prompt
SETTLE = 5.0  # how long to wait for the projector to show the last acked writes
PHASE_NOTES, PHASE_VOTE, PHASE_GRID = "idees", "gommettes", "grille"


class Run:
    """One workshop on one server, its projector, its console and its phones."""

    def __init__(
        self,
        server: Server,
        phones: int,
        sample: int,
        ramp: float,
        budget: float,
        table_size: int = 10,
    ):
        self.server, self.n, self.ramp, self.budget = server, phones, ramp, budget
        self.table_size = table_size  # phones per table in the grid; 0: one grid for all
        self.links = server.open_session()
        code, key = self.links["code"], self.links["facilitator_key"]
        # With several processes, the screens on the first and last, the phones dealt among all:
        # most of what a screen sees then crossed the queue.
        urls = server.urls
        self.board = Board(urls[0], code)
        self.console = Board(urls[-1], code, "facilitator", key)
        self.phones = [Phone(urls[i % len(urls)], code, sampled=i < sample) for i in range(phones)]
        self.sampled = self.phones[:sample]
        self.real = server.name == "facilitate"  # the bare server keeps nothing to check

    def deadline(self) -> float:
        return now() + self.budget

    async def open(self) -> None:
        """The projector and the console join; the room moves to the notes phase, not held."""
        for screen in (self.board, self.console):
            await screen.connect()
            await screen.join()
        await self.step("phase_set", {"phase": PHASE_NOTES})
        state = (await self.ask("sync", {}))["state"]
        if state.get("hold"):  # a held note reaches the board as a count: we time the note
            await self.step("notes_hold_set", {"hold": False})

    async def ask(self, event: str, payload: dict) -> dict:
        """A console call that survives a dropped connection (an overloaded server drops pings)."""
        deadline = self.deadline()
        while True:
            await self.console.ensure_joined(deadline)
            try:
                return await self.console.call(event, payload)
            except (ConnectionError, TimeoutError, OSError):
                if now() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def step(self, event: str, payload: dict) -> dict:
        """A facilitator's step, which must be accepted."""
        ack = await self.ask(event, payload)
        if not ack.get("ok"):
            raise RuntimeError(f"{event} refused: {ack}")
        return ack

    async def close(self) -> None:
        screens = [self.board, self.console, *self.phones]
        await asyncio.wait_for(asyncio.gather(*(s.close() for s in screens)), 60)


async def _spread(run: Run, work, window: float = WINDOW) -> None:
    """Run `work(phone)` for every phone, each starting at a random moment in `window`."""

    async def one(phone: Phone) -> None:
        await asyncio.sleep(random.uniform(0, window))
        await work(phone)

    await asyncio.wait_for(asyncio.gather(*(one(p) for p in run.phones)), run.budget + 30)


def _errors(phones: list[Phone], before: list[Counter]) -> dict:
    """Refusals and timeouts during this scenario, by code."""
    total = Counter()
    for phone, earlier in zip(phones, before, strict=True):
        total.update(phone.errors - earlier)
    return dict(total)


def _writes(run: Run, op_ids: set[str]) -> dict:
    """Latencies and throughput of the writes `op_ids`, from every phone's records."""
    sent, acked = {}, {}
    for phone in run.phones:
        sent.update({k: v for k, v in phone.first_sent.items() if k in op_ids})
        acked.update({k: v[0] for k, v in phone.acked.items() if k in op_ids})
    seen = run.board.seen
    batched = [(p.batches[k] - sent[k]) for p in run.sampled for k in acked if k in p.batches]
    span = (max(acked.values()) - min(sent.values())) if acked else 0
    return {
        "sent": len(op_ids),
        "acked": len(acked),
        "projector": summary([seen[k] - sent[k] for k in acked if k in seen]),
        "phones": summary(batched),
        "ack": summary([acked[k] - sent[k] for k in acked]),
        "throughput": round(len(acked) / span, 1) if span else None,
        "unseen": sum(1 for k in acked if k not in seen),
        "duplicated_on_projector": sum(run.board.copies[k] - 1 for k in acked if k in seen),
    }


async def _settle(board: Board, ids: set[str]) -> None:
    """Give the projector a few seconds to show the last acked writes."""
    end = now() + SETTLE
    while now() < end and not ids <= board.seen.keys():
        await asyncio.sleep(0.05)


def _acked(run: Run, op_ids: set[str]) -> set[str]:
    return {k for p in run.phones for k in p.acked if k in op_ids}


def _check(acked: set[str], stored: list[str]) -> dict:
    """Lost: acked but not stored; duplicated: stored more than once."""
    counts = Counter(stored)
    return {
        "lost": len(acked - counts.keys()),
        "duplicated": sum(c - 1 for k, c in counts.items() if k in acked and c > 1),
    }


async def join_storm(run: Run) -> dict:
    """N phones connect and join within `ramp` seconds, as a room scanning the QR code."""
    await asyncio.sleep(1.2)  # let the server settle before the memory reading
    rss_before, times, failures = run.server.rss_kb(), [], Counter()

    async def arrive(phone: Phone) -> None:
        await asyncio.sleep(random.uniform(0, run.ramp))
        start = now()
        try:
            await phone.connect()
            sent = now()
            await phone.join()
            times.append((start, sent, phone.joined_at))
        except Exception as error:  # noqa: BLE001  every failure is counted, none stops the storm
            failures[type(error).__name__] += 1

    await asyncio.wait_for(asyncio.gather(*(arrive(p) for p in run.phones)), run.budget + 30)
    await asyncio.sleep(2.5)  # two presence ticks: the count reaches the board, memory settles
    rss_after = run.server.rss_kb()
    return {
        "joined": len(times),
        "join_total_s": round(max(t[2] for t in times) - min(t[0] for t in times), 3),
        "projector": summary(_presence_latencies(run.board, times)),
        "ack": summary([t[2] - t[0] for t in times]),  # connect + join, as the phone feels it
        "throughput": round(len(times) / (max(t[2] for t in times) - min(t[0] for t in times)), 1),
        "errors": dict(failures),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "kb_per_phone": round((rss_after - rss_before) / run.n, 1),
    }


def _presence_latencies(board: Board, times: list[tuple]) -> list[float]:
    """The k-th phone to join is on the projector when a count of k or more first reaches it."""
    latencies = []
    for k, (_start, sent, _joined) in enumerate(sorted(times, key=lambda t: t[2]), start=1):
        shown = [t for t, count in board.presence if count >= k and t >= sent]
        if shown:
            latencies.append(shown[0] - sent)
    return latencies


async def note_burst(run: Run) -> dict:
    """Every phone posts one note within ~2 s."""
    before = [Counter(p.errors) for p in run.phones]
    ops = {
        p.queue("note_add", {"text": f"Idée du téléphone {i}", "phase": PHASE_NOTES}): p
        for i, p in enumerate(run.phones)
    }
    deadline = run.deadline()
    await _spread(run, lambda phone: phone.drain(deadline))
    await _settle(run.board, _acked(run, set(ops)))
    result = {**_writes(run, set(ops)), "errors": _errors(run.phones, before)}
    if run.real:
        notes = (await run.ask("sync", {}))["state"]["notes"]
        result.update(_check(_acked(run, set(ops)), [n["id"] for n in notes]))
    return result


async def _ballot(run: Run) -> list[dict]:
    """The items of the vote, as a phone's state lists them; seeds notes when there are few."""
    state = (await run.ask("sync", {}))["state"]
    if run.real and len([n for n in state["notes"] if n["phase"] == PHASE_NOTES]) < 3:
        deadline = run.deadline()
        for i, phone in enumerate(run.phones[:3]):
            phone.queue("note_add", {"text": f"Sur quoi voter {i}", "phase": PHASE_NOTES})
            await phone.drain(deadline)
    await run.step("phase_set", {"phase": PHASE_VOTE})
    ballot = (await run.phones[0].call("sync", {}))["state"].get("ballot")
    return ballot or [{"note_id": f"bare-{i}"} for i in range(3)]  # the bare server has none


async def vote_storm(run: Run) -> dict:
    """Every phone places its three dots, on three different items, within ~2 s."""
    ballot = await _ballot(run)
    before = [Counter(p.errors) for p in run.phones]
    progress_before, ops, firsts = len(run.board.progress), set(), set()
    for phone in run.phones:
        for n, item in enumerate(random.sample(ballot, 3)):
            target = {k: item[k] for k in ("note_id", "theme_id") if k in item}
            op = phone.queue("vote_cast", target)
            ops.add(op)
            if n == 0:
                firsts.add(op)
    deadline = run.deadline()
    await _spread(run, lambda phone: phone.drain(deadline))
    acked = _acked(run, ops)
    # The projector shows how many have voted: a phone's first dot is what it sees (the
    # bare server pushes every dot; facilitate pushes only a new voter).
    shown = firsts if run.real else ops
    end = now() + SETTLE
    while now() < end and len(run.board.progress) - progress_before < len(shown & acked):
        await asyncio.sleep(0.05)
    _match_progress(run, shown, run.board.progress[progress_before:])
    on_projector = _writes(run, shown)
    result = {**_writes(run, ops), "errors": _errors(run.phones, before)}
    for key in ("projector", "unseen", "duplicated_on_projector"):
        result[key] = on_projector[key]
    if run.real:
        result.update(await _count_dots(run, acked))
    return result


def _match_progress(run: Run, ops: set[str], shown: list[float]) -> None:
    """`votes_progress` names no dot: pair the k-th one shown with the k-th ack, in time order.

    The server commits dots one at a time and pushes each before acking it, so ack order is
    commit order to within the loopback's jitter.
    """
    acks = sorted((t, k) for p in run.phones for k, (t, _ack) in p.acked.items() if k in ops)
    for (_t, op_id), seen_at in zip(acks, shown, strict=False):
        run.board.seen[op_id] = seen_at
        run.board.copies[op_id] += 1


async def _count_dots(run: Run, acked: set[str]) -> dict:
    """Reveal the vote: the dots counted must be exactly the dots acked."""
    reveal = await run.step("votes_reveal", {})
    counted = sum(item.get("votes", 0) for item in reveal["ranking"])
    voters = sum(1 for p in run.phones if any(k in acked for k in p.acked))
    return {
        "lost": max(0, len(acked) - counted),
        "duplicated": max(0, counted - len(acked)),
        "voters_counted": reveal["voters"],
        "voters_expected": voters,
    }


async def grid_burst(run: Run) -> dict:
    """Every phone opens a row of its table's grid (situation), then adds a cause to it.

    The room sits in tables of `run.table_size` phones, as a large day splits into tables; with
    0, the whole room fills one grid.
    """
    await run.step("phase_set", {"phase": PHASE_GRID})
    await _seat_at_tables(run)
    cpu = run.server.cpu_seconds()  # the burst's own, without the seating
    before = [Counter(p.errors) for p in run.phones]
    ops: set[str] = set()
    deadline = run.deadline()

    async def write(phone: Phone) -> None:
        where = {"phase": PHASE_GRID}
        if phone.tables:
            where["group"] = phone.tables[PHASE_GRID]
        situation = {"row": None, "column": "situation", "text": "Une situation", **where}
        first = phone.queue("grid_set", situation)
        ops.add(first)
        ack = await phone.send(first, deadline)
        if ack and ack.get("ok"):
            cause = {"row": ack["row"], "column": "causes", "text": "Une cause", **where}
            second = phone.queue("grid_set", cause)
            ops.add(second)
            await phone.send(second, deadline)

    await _spread(run, write)
    acked = _acked(run, ops)
    await _settle(run.board, acked)
    await asyncio.sleep(1.5)  # the sampled phones' last batch
    result = {**_writes(run, ops), "errors": _errors(run.phones, before)}
    result["tables"] = len({p.tables.get(PHASE_GRID) for p in run.phones} - {None})
    result["server_cpu_ms_per_write"] = round((run.server.cpu_seconds() - cpu) * 1000 / len(ops), 3)
    if run.real:
        grid = (await run.ask("sync", {}))["state"]["grid"]
        result.update(_check(acked, [c["id"] for c in grid["contributions"]]))
    return result


async def _seat_at_tables(run: Run) -> None:
    """The console opens the tables; each phone sits at one and says so (`grid_follow`)."""
    if not run.table_size:
        return
    count = -(-run.n // run.table_size)
    tables = []
    for k in range(count):
        ack = await run.step("table_add", {"name": f"Table {k + 1}"})
        tables.append(ack.get("table_id", f"t{k + 1}"))  # the bare server makes up none
    deadline = run.deadline()

    async def sit(i: int, phone: Phone) -> None:
        phone.tables = {PHASE_GRID: tables[i // run.table_size]}
        while now() < deadline:
            await phone.ensure_joined(deadline)
            try:
                if (await phone.call("grid_follow", {"tables": phone.tables})).get("ok"):
                    return
            except (ConnectionError, TimeoutError, OSError):
                await asyncio.sleep(0.2)

    await asyncio.gather(*(sit(i, p) for i, p in enumerate(run.phones)))


async def reconnect_storm(run: Run) -> dict:
    """Phones post two notes each; the server is killed mid-burst and started again.

    Every phone reconnects, rejoins with its token and resends what was not acked. Recovery is
    the time from the kill until every phone has rejoined and emptied its outbox.
    """
    before = [Counter(p.errors) for p in run.phones]
    tokens = {id(p): p.token for p in run.phones}
    ops = {
        p.queue("note_add", {"text": f"Après coupure {i}.{j}", "phase": PHASE_NOTES})
        for i, p in enumerate(run.phones)
        for j in range(2)
    }
    deadline = run.deadline()
    killed = asyncio.Event()
    recovered: list[float] = []

    async def work(phone: Phone) -> None:
        await phone.drain(deadline)
        await asyncio.wait_for(killed.wait(), run.budget)
        while phone.joined_at is None or phone.joined_at < kill_time[0] or phone.outbox:
            await asyncio.sleep(0.05)
            await phone.ensure_joined(deadline)
            await phone.drain(deadline)
            if now() > deadline:
                return
        recovered.append(
            max(phone.joined_at, *(phone.acked[k][0] for k in ops if k in phone.acked))
        )

    kill_time = [0.0]
    storm = asyncio.ensure_future(_spread(run, work))
    await _crash_mid_burst(run, ops, killed, kill_time)
    await storm
    acked = _acked(run, ops)
    await run.console.ensure_joined(deadline)
    await run.board.ensure_joined(deadline)
    result = {**_writes(run, ops), "errors": _errors(run.phones, before)}
    result["recovery_s"] = round(max(recovered) - kill_time[0], 3) if recovered else None
    result["recovered_phones"] = len(recovered)
    result["new_tokens"] = sum(1 for p in run.phones if p.token != tokens[id(p)])
    if run.real:
        notes = (await run.ask("sync", {}))["state"]["notes"]
        result.update(_check(acked, [n["id"] for n in notes]))
    return result


async def _crash_mid_burst(run: Run, ops: set[str], killed: asyncio.Event, kill_time) -> None:
    """SIGKILL the server once about a third of the burst is acked, then start it again."""
    end = now() + run.budget
    while len(_acked(run, ops)) < len(ops) // 3 and now() < end:
        await asyncio.sleep(0.01)
    kill_time[0] = now()
    await asyncio.to_thread(run.server.kill)
    killed.set()
    await asyncio.to_thread(run.server.start)


SCENARIOS = {
    "join": join_storm,
    "notes": note_burst,
    "votes": vote_storm,
    "grid": grid_burst,
    "reconnect": reconnect_storm,
}
