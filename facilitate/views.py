"""What each viewer receives: the one place that turns domain values into wire payloads.

The anonymity guarantee lives here. No function below emits an author, a token, an address or a
time of writing; the board never sees a held or hidden note; a phone sees no other person's note.
"""

from collections.abc import Callable

import markdown
import nh3

from . import grid, priorities
from .kits import Phase
from .priorities import Priority, VoteRound
from .workshop import Change, Note, Snapshot, Timer

BOARD, FACILITATOR, PARTICIPANT = "board", "facilitator", "participant"
GUIDANCE_TAGS = {"p", "ul", "ol", "li", "strong", "em", "code", "br", "h3", "h4", "blockquote"}


def note_for_board(note: Note) -> dict:
    """A note as the room sees it: its text, its round and its lane, nothing else."""
    out = {"id": note.id, "text": note.text, "phase": note.phase}
    if note.lane is not None:
        out["lane"] = note.lane
    if note.theme is not None:
        out["theme"] = note.theme
    return out


def contribution_view(c) -> dict:
    """A contribution in a cell: its text and place, never who wrote it."""
    out = {"id": c.id, "row": c.row, "column": c.column, "text": c.text, "version": c.version}
    if c.tag is not None:
        out["tag"] = c.tag
    return out


def action_view(a) -> dict:
    """A line of the action plan: carried by a function or a group, with its status."""
    out = {
        "id": a.id,
        "what": a.what,
        "owner": a.owner,
        "due": a.due,
        "status": a.status,
        "indicator": a.indicator,
    }
    if a.origin:
        out["origin"] = a.origin
    return out


def record_view(r) -> dict:
    return {"id": r.id, "kind": r.kind, "text": r.text}


def minutes_path(code: str) -> str:
    """The address of the printable minutes, given to every screen once published."""
    return f"/api/sessions/{code}/minutes.html"


def grid_row_view(r) -> dict:
    return {"id": r.id, "phase": r.phase, "table": r.table, "position": r.position}


def table_view(t) -> dict:
    return {"id": t.id, "name": t.name, "phase": t.phase}


def theme_view(theme) -> dict:
    return {"id": theme.id, "title": theme.title, "phase": theme.phase}


def ranking_view(ranking: tuple[Priority, ...], voters: int) -> dict:
    """A revealed ranking: ties share a rank; no counts at all below three voters."""
    shown = priorities.counts_shown(voters)
    rows = []
    for p in ranking:
        row = {**priorities.target_ref(p.target), "text": p.text, "rank": p.rank}
        if shown:
            row["votes"] = p.votes
        rows.append(row)
    return {"voters": voters, "counts_shown": shown, "ranking": rows}


def _tables(tables: tuple) -> list[dict]:
    return [table_view(t) for t in tables]


def _rankings(rounds: dict[str, VoteRound]) -> dict:
    return {phase: ranking_view(r.ranking, r.voters) for phase, r in rounds.items() if r.revealed}


# A phone shows the first priorities of a vote; the whole ranking is on the board, in the
# console and in the minutes. A vote on a thousand notes made each phone's snapshot 134 KB, sent
# again at every rejoin of every phone (docs/performance.md).
PHONE_RANKING = 10


def phone_ranking(view: dict) -> dict:
    """A revealed ranking as a phone gets it: its first entries, how many more there are and,
    when there are, the rank of the first one left off, so that a last entry tied with it still
    reads "ex æquo"."""
    kept, left = view["ranking"][:PHONE_RANKING], view["ranking"][PHONE_RANKING:]
    cut = {"more": len(left), "more_rank": left[0]["rank"]} if left else {"more": 0}
    return {**view, "ranking": kept, **cut}


def _phone_rankings(rounds: dict[str, VoteRound]) -> dict:
    return {phase: phone_ranking(view) for phase, view in _rankings(rounds).items()}


def _decisions(decisions: dict) -> list[dict]:
    return [
        {**priorities.target_ref(target), "decision": decision, "reason": reason}
        for target, (decision, reason) in decisions.items()
    ]


def note_for_facilitator(note: Note) -> dict:
    """A note as the facilitator sees it: also whether it still waits for a reveal."""
    return {**note_for_board(note), "held": not note.revealed}


def timer_view(timer: Timer, now: float) -> dict:
    """A countdown as screens show it: seconds left, counted down locally while it runs."""
    return {"running": timer.ends_at is not None, "remaining": timer.remaining(now)}


def state_for(
    role: str, snapshot: Snapshot, now: float, participants: int = 0, mine: list | None = None
) -> dict:
    """The full snapshot one role may see; `mine` is a phone's own dots in the current vote."""
    return with_live_parts(role, shared_state(role, snapshot), snapshot, now, participants, mine)


def with_live_parts(
    role: str, shared: dict, snapshot: Snapshot, now: float, participants: int, mine: list | None
) -> dict:
    """A role's snapshot: its `shared_state`, with what changes from one second or one phone to
    the next (the timer, the count of phones, the phone's own dots)."""
    state = {**shared, "timer": timer_view(snapshot.workshop.timer, now)}
    if role in (BOARD, FACILITATOR):
        state["participants"] = participants
    elif "ballot" in shared:
        state["my_dots"] = list(mine or [])
    return state


class KeptViews:
    """One workshop's `shared_state`s, each built once for its latest snapshot.

    Their costly parts (a revealed ranking of every note, the tables, the grid seen from each
    table) are kept longer: for as long as what they are made of is the same object, since a
    note or a dot renews the snapshot and nothing else. After a vote and a grid, each join of
    a reconnect storm otherwise rebuilt some 3,000 of them, a note having just come in.
    """

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.views: dict[tuple, dict] = {}  # (role, tables) -> its shared state
        self.parts: dict[object, tuple] = {}  # name -> (what it was built from, the part)

    def shared(self, role: str, tables: tuple, snapshot: Snapshot) -> dict:
        if snapshot is not self.snapshot:
            self.snapshot, self.views = snapshot, {}
        view = self.views.get((role, tables))  # phones at one table share one view
        if view is None:
            view = self.views[role, tables] = shared_state(role, snapshot, tables, self.part)
        return view

    def part(self, name: object, sources: tuple, build: Callable) -> object:
        """`build(*sources)`, kept until one of `sources` is another object."""
        found = self.parts.get(name)
        if found is None or any(a is not b for a, b in zip(found[0], sources, strict=True)):
            found = self.parts[name] = (sources, build(*sources))
        return found[1]


def _build(_name: object, sources: tuple, build: Callable) -> object:
    return build(*sources)


def shared_state(role: str, snapshot: Snapshot, tables: tuple = (), part=_build) -> dict:
    """What every screen of one role sees of a snapshot: the same for all, so it can be kept
    for the snapshot's life (never mutate it: `with_live_parts` copies it). A phone sees the
    grid of the `tables` it sits at, and every grid without tables. `part(name, sources,
    build)` builds a part of it, or gives it back as `KeptViews` kept it."""
    seen_from = tables if role == PARTICIPANT else None
    w = snapshot.workshop
    state = {
        "rev": w.rev,
        "code": w.code,
        "title": w.title,
        "kit": {"id": w.kit.id, "title": w.kit.title},
        "rules": list(w.kit.rules),
        "phases": [phase_view(p, role) for p in w.kit.phases],
        "phase": w.phase,
        "in_view": snapshot.in_view(),
        "hold": w.hold,
        "closed": w.closed,
        "notes": [],
        "rankings": part(
            ("rankings", role == PARTICIPANT),
            (snapshot.rounds,),
            _phone_rankings if role == PARTICIPANT else _rankings,
        ),
        "tables": part("tables", (snapshot.tables,), _tables),
        "grid": part(
            ("grid", seen_from),
            (snapshot.grid_rows, snapshot.contributions),
            lambda rows, contributions: grid_view(rows, contributions, seen_from),
        ),
        "grid_view": snapshot.grid_view,
        "actions": [action_view(a) for a in snapshot.actions],
        "records": [record_view(r) for r in snapshot.records],
        "published": w.published,
    }
    if snapshot.story:  # "Où en est-on ?": what the session followed left open
        story = snapshot.story
        state["followup"] = {"followed": story["followed"], "priorities": story["priorities"]}
    if w.published:
        state["minutes_url"] = minutes_path(w.code)
    vote_open = _vote_open(snapshot)
    if role == BOARD:
        state["notes"] = [note_for_board(n) for n in snapshot.notes if n.revealed and not n.hidden]
    elif role == FACILITATOR:
        state["notes"] = [note_for_facilitator(n) for n in snapshot.notes if not n.hidden]
        state["warn_above"] = w.kit.warn_above
    if role in (BOARD, FACILITATOR):
        state["pending"] = snapshot.pending
        state["blank"] = w.blank
        state["volunteers"] = w.volunteers
        state["themes"] = [theme_view(t) for t in snapshot.themes]
        state["decisions"] = _decisions(snapshot.decisions)
        if vote_open:
            state["voters"] = snapshot.voters  # how many voted, never for what
    elif vote_open:
        ballot = priorities.ballot(snapshot.notes, snapshot.themes, snapshot.in_view())
        state["ballot"] = [_item(i) for i in ballot]
    return state


def grid_view(rows: tuple, contributions: tuple, tables: tuple | None) -> dict:
    """A grid: whole (`tables` None), or as a phone sitting at `tables` sees it."""
    if tables is not None:
        rows, contributions = grid.grid_seen_at(tables, rows, contributions)
    return {
        "rows": [grid_row_view(r) for r in rows],
        "contributions": [contribution_view(c) for c in contributions],
    }


def _item(item) -> dict:
    return {**priorities.target_ref(item.target), "text": item.text}


def _vote_open(snapshot: Snapshot) -> bool:
    w = snapshot.workshop
    phase = w.kit.phase(w.phase)
    return phase.kind == "vote" and phase.id not in snapshot.rounds and not w.closed


def phase_view(phase: Phase, role: str) -> dict:
    """A phase of the agenda; the facilitator also gets its guidance as safe HTML."""
    out = {"id": phase.id, "kind": phase.kind, "title": phase.title, "prompt": phase.prompt}
    for key in ("minutes", "budget"):
        if getattr(phase, key) is not None:
            out[key] = getattr(phase, key)
    if phase.kind == "vote":
        out["multiple"] = phase.multiple
    if phase.kind == "notes":
        out["hold"] = phase.hold
    if phase.kind == "grid":
        out["columns"] = list(phase.columns)
    if phase.lanes:
        out["lanes"] = list(phase.lanes)
    if role == FACILITATOR and phase.guidance:
        out["guidance_html"] = guidance_html(phase.guidance)
    return out


def guidance_html(text: str) -> str:
    """A kit's Markdown guidance as HTML, through an allow-list: kit files are edited by hand."""
    return nh3.clean(markdown.markdown(text), tags=GUIDANCE_TAGS, attributes={})


def board_update(change: Change, now: float) -> tuple[str, dict]:
    """The event the board gets for a change: every change gives one, so `rev` has no gaps."""
    d, rev = change.data, change.rev
    match change.type:
        case "note_added" if not d["note"].revealed:
            return "notes_pending", {"rev": rev, "pending": d["pending"]}
        case "note_added":
            return "note_added", {"rev": rev, "note": note_for_board(d["note"])}
        case "note_hidden":
            return "note_hidden", {"rev": rev, "note_id": d["note_id"], "pending": d["pending"]}
        case "notes_revealed":
            return "notes_revealed", {"rev": rev, "notes": [note_for_board(n) for n in d["notes"]]}
        case "hold_changed":
            notes = [note_for_board(n) for n in d["notes"]]
            return "notes_hold_changed", {"rev": rev, "hold": d["hold"], "notes": notes}
        case "phase_changed":
            payload = {
                **_phase_payload(change, now),
                "notes": [note_for_board(n) for n in d["notes"]],
            }
            if "voters" in d:  # entering a vote: how many voted already, never for what
                payload["voters"] = d["voters"]
            return "phase_changed", payload
        case "timer_changed":
            return "timer_changed", {"rev": rev, "timer": timer_view(d["timer"], now)}
        case "volunteers_changed":
            return "volunteers_changed", {"rev": rev, "volunteers": d["volunteers"]}
        case "board_blanked":
            return "board_blanked", {"rev": rev, "blank": d["blank"]}
        case "themes_changed":
            themes = [theme_view(t) for t in d["themes"]]
            return "themes_changed", {"rev": rev, "themes": themes, "grouping": d["grouping"]}
        case "votes_progress":
            return "votes_progress", {"rev": rev, "voters": d["voters"]}
        case "votes_revealed":
            return "votes_revealed", _revealed_payload(change)
        case "decision_changed":
            decision = _decisions({d["target"]: (d["decision"], d["reason"])})[0]
            return "decision_changed", {"rev": rev, "decision": decision}
        case "session_closed":
            return "session_closed", {"rev": rev, "notes": [note_for_board(n) for n in d["notes"]]}
        case "note_changed" if not d["note"].revealed:
            return "notes_pending", {"rev": rev, "pending": d["pending"]}
        case "note_changed":
            return "note_changed", {"rev": rev, "note": note_for_board(d["note"])}
        case "actions_changed" | "records_changed" | "minutes_published":
            return change.type, {"rev": rev, **_plan_payload(change)}
        case (
            "grid_added" | "grid_changed" | "grid_replaced" | "tables_changed" | "grid_view_changed"
        ):
            return change.type, {"rev": rev, **_grid_payload(change)}
    raise ValueError(f"no board view for {change.type}")


def _plan_payload(change: Change) -> dict:
    d = change.data
    match change.type:
        case "actions_changed":
            return {"actions": [action_view(a) for a in d["actions"]]}
        case "records_changed":
            return {"records": [record_view(r) for r in d["records"]]}
    return {"published": d["published"], "url": minutes_path(d["code"])}


def _grid_payload(change: Change) -> dict:
    d = change.data
    match change.type:
        case "grid_added":
            row = grid_row_view(d["row"]) if d["row"] else None
            return {"row": row, "contribution": contribution_view(d["contribution"])}
        case "grid_changed":
            return {"contribution": contribution_view(d["contribution"])}
        case "tables_changed":
            return {"tables": [table_view(t) for t in d["tables"]]}
        case "grid_replaced":
            return {
                "grid": {
                    "rows": [grid_row_view(r) for r in d["rows"]],
                    "contributions": [contribution_view(c) for c in d["contributions"]],
                }
            }
    return {"table": d["table"], "row": d["row"]}


def _revealed_payload(change: Change) -> dict:
    d = change.data
    return {"rev": change.rev, "phase": d["phase"], **ranking_view(d["ranking"], d["voters"])}


def _phase_payload(change: Change, now: float) -> dict:
    d = change.data
    return {
        "rev": change.rev,
        "phase": d["phase"],
        "in_view": d["in_view"],
        "hold": d["hold"],
        "timer": timer_view(d["timer"], now),
    }


# The changes the console sees otherwise than the board: a note, which it sees even held.
CONSOLE_OWN = ("note_added", "note_changed")


def facilitator_update(change: Change, now: float) -> tuple[str, dict]:
    """The event the console gets: the board's, with held notes shown as held."""
    if change.type in CONSOLE_OWN:
        note = note_for_facilitator(change.data["note"])
        return change.type, {"rev": change.rev, "note": note, "pending": change.data["pending"]}
    return board_update(change, now)


def screen_updates(change: Change, now: float) -> list[tuple[tuple[str, dict], tuple[str, ...]]]:
    """The events of the board and the console for a change, each with the roles it goes to:
    one event for both when they see the change alike, so that it is built and sent once."""
    board = board_update(change, now)
    if change.type in CONSOLE_OWN:
        return [(board, (BOARD,)), (facilitator_update(change, now), (FACILITATOR,))]
    return [(board, (BOARD, FACILITATOR))]


def phone_now(change: Change, now: float) -> tuple[str, dict] | None:
    """What phones get at once: the facilitator's steps (phase, hold, timer)."""
    match change.type:
        case "phase_changed":
            payload = _phase_payload(change, now)
            if "ballot" in change.data:
                payload["ballot"] = [_item(i) for i in change.data["ballot"]]
            return "phase_changed", payload
        case "hold_changed":
            return "notes_hold_changed", {"rev": change.rev, "hold": change.data["hold"]}
        case "timer_changed":
            return "timer_changed", {
                "rev": change.rev,
                "timer": timer_view(change.data["timer"], now),
            }
        case "votes_revealed":
            return "votes_revealed", phone_ranking(_revealed_payload(change))
        case "session_closed":
            return "session_closed", {"rev": change.rev}
        case "minutes_published":
            return "minutes_published", {"rev": change.rev, **_plan_payload(change)}
    return None


def _at_a_table(change: Change) -> bool:
    """Whether a change is within the grid of one table: its phones alone hear of it."""
    grid_types = ("grid_added", "grid_changed", "grid_replaced")
    return change.type in grid_types and change.data["table"] is not None


def table_change(change: Change) -> tuple[str, str, dict] | None:
    """A change of one table's grid: `(phase, table, change)`, for the phones at that table
    only (in their `grid_batch`), since a room of a thousand splits into tables of ten."""
    if not _at_a_table(change):
        return None
    if change.type == "grid_replaced":  # a reorder or a merge there: its phones ask again
        item = {"type": "grid_refresh"}
    else:
        item = {"type": change.type, **_grid_payload(change)}
    return change.data["phase"], change.data["table"], item


def phone_change(change: Change) -> dict | None:
    """What phones learn of a change in their next batch; None when it is not theirs to see.

    The facilitator's steps come again here, so that a phone that missed the direct event
    catches up within a second.
    """
    match change.type:
        case "phase_changed":
            d = change.data
            return {
                "type": "phase",
                "phase": d["phase"],
                "in_view": d["in_view"],
                "hold": d["hold"],
            }
        case "note_hidden":
            return {"type": "note_hidden", "note_id": change.data["note_id"]}
        case "hold_changed":
            return {"type": "hold", "hold": change.data["hold"]}
        case "themes_changed":
            return {"type": "ballot"}  # a phone in a vote asks for a fresh ballot
        case "grid_added" | "grid_changed" if not _at_a_table(change):
            return {"type": change.type, **_grid_payload(change)}
        case "grid_replaced" if not _at_a_table(change):  # phones ask for it again
            return {"type": "grid_refresh"}
        case "tables_changed":
            return {"type": change.type, **_grid_payload(change)}
        case "actions_changed" | "records_changed":
            return {"type": change.type, **_plan_payload(change)}
    return None
