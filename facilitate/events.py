"""Socket.IO events: each handler parses its payload, calls the store, then pushes.

Handlers return their ack. Every one of them, and any event the server does not know, answers
`{"ok": true, ...}` or `{"ok": false, "error": {"code", "message"}}`: nothing escapes as a crash.
"""

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from flask_socketio import join_room, leave_room

from . import views
from .app import socketio
from .errors import Refusal
from .grid import check_tables
from .priorities import target_of
from .push import room, table_room
from .review import review
from .web import facilitator_cookie
from .workshop import (
    ROLES,
    TITLE_LIMIT,
    clean_minutes,
    clean_note_id,
    clean_text,
    clean_withdraw_secret,
    normalise_code,
)

TIMER_ACTIONS = ("start", "pause", "extend", "reset")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seat:
    """Who a connection is in the room: one role in one workshop, nothing about the person."""

    code: str
    role: str
    token: str | None = None  # a participant's, to find its own row again; never sent anywhere
    # (grid phase, table) pairs a phone sits at, as it says: in memory only, never stored
    tables: tuple[tuple[str, str], ...] = ()


def services():
    return current_app.extensions["facilitate"]


# event -> the roles that may send it (empty: any joined role); read by the tests and the docs.
EVENT_ROLES: dict[str, tuple[str, ...]] = {}


def acknowledged(event: str, *roles: str, reads: bool = False) -> Callable:
    """Register a handler for `event`, open to `roles` (any joined role when none are given).

    A phone's events count against its budget of writes, or of reads when the event `reads`."""
    EVENT_ROLES[event] = roles

    def register(handler: Callable) -> Callable:
        @socketio.on(event)
        @functools.wraps(handler)
        def run(payload=None):
            try:
                if payload is None:
                    payload = {}
                if not isinstance(payload, dict):
                    raise Refusal("invalid_payload")
                seat = None if event == "join" else _seat(roles)
                if seat and seat.role == views.PARTICIPANT:
                    if reads:
                        services().throttle.read(request.sid)
                    else:
                        services().throttle.write(request.sid, seat.token)
                return {"ok": True, **handler(payload, seat)}
            except Refusal as refusal:
                return {"ok": False, "error": refusal.as_dict()}
            except Exception:  # the ack must still go out; log the fault, never the payload
                log.exception("event %s failed", event)
                return {"ok": False, "error": Refusal("server_error").as_dict()}

        return run

    return register


def field(payload: dict, name: str, kind: type) -> object:
    """A required field of the payload, of exactly this type, or a refusal."""
    value = payload.get(name)
    if type(value) is not kind:  # exact: True is not an int, 1 is not a bool
        raise Refusal("invalid_payload")
    return value


def _seat(roles: tuple[str, ...]) -> Seat:
    seat = services().seats.get(request.sid)
    if seat is None:
        raise Refusal("not_joined")
    if roles and seat.role not in roles:
        raise Refusal("forbidden")
    return seat


@socketio.on("*")
def unknown_event(event, *_args):
    """Sent by nobody we know: any other event name still gets a clear refusal."""
    return {"ok": False, "error": Refusal("unknown_event").as_dict()}


@socketio.on("disconnect")
def on_disconnect(*_args) -> None:
    """A connection closed: forget its seat and update the count of phones."""
    seat = services().seats.pop(request.sid, None)
    if seat:
        _seat_changed(seat, -1)


@acknowledged("join")
def join(payload: dict, _seat: Seat | None) -> dict:
    """Sent by every screen on connection and reconnection; answers with a full snapshot."""
    services().throttle.join(request.sid)
    try:
        return _join(payload)
    except Refusal as refusal:
        if refusal.code in ("unknown_session", "bad_key"):
            services().throttle.failed_join()
        raise


def _join(payload: dict) -> dict:
    code, role = normalise_code(payload.get("code")), payload.get("role")
    if role not in ROLES:
        raise Refusal("bad_role")
    store = services().store
    ack, mine = {}, None
    if role == views.FACILITATOR:
        key = payload.get("key") or request.cookies.get(facilitator_cookie(code))
        if not store.is_facilitator(code, key):
            raise Refusal("bad_key")
    tables = ()
    if role == views.PARTICIPANT:
        tables = check_tables(payload.get("tables"))
        ack["token"], ack["volunteer"], mine = store.join_participant(code, payload.get("token"))
        tables = _existing(code, tables)
    seat = Seat(code, role, ack.get("token"), tables)
    _take_seat(seat)
    return {**ack, "state": _state(seat, mine)}


def _take_seat(seat: Seat) -> None:
    seats = services().seats
    old = seats.get(request.sid)
    if old:
        leave_room(room(old.code, old.role))
        _leave_tables(old)
        _seat_changed(old, -1)
    seats[request.sid] = seat
    # In the room before the snapshot is read: no change can fall between the two.
    join_room(room(seat.code, seat.role))
    _join_tables(seat)
    _seat_changed(seat, +1)
    if seat.role != views.PARTICIPANT:  # a new screen hears the counts at the next tick
        services().pusher.count_phones(seat.code, _phones(seat.code))


def _join_tables(seat: Seat) -> None:
    for phase, table in seat.tables:
        join_room(table_room(seat.code, phase, table))


def _leave_tables(seat: Seat) -> None:
    for phase, table in seat.tables:
        leave_room(table_room(seat.code, phase, table))


def _seat_changed(seat: Seat, delta: int) -> None:
    """Keep the count of phones per workshop (kept, not counted: a join storm of a thousand
    phones would otherwise scan a thousand seats a thousand times)."""
    if seat.role == views.PARTICIPANT:
        phones = services().phones
        phones[seat.code] += delta
        services().pusher.count_phones(seat.code, phones[seat.code])


def _phones(code: str) -> int:
    return services().phones[code]


def _existing(code: str, tables: tuple) -> tuple:
    """The tables a phone named that this workshop has (the others would match nothing)."""
    if not tables:
        return ()
    known = {(table.phase, table.id) for table in services().store.snapshot(code).tables}
    return tuple(pair for pair in tables if pair in known)


def _state(seat: Seat, mine: list[dict] | None = None) -> dict:
    """A seat's snapshot; `mine`, for a phone, its own dots in the open vote."""
    s, code, role = services(), seat.code, seat.role
    snapshot = s.store.snapshot(code)
    view = s.views[code].shared(role, seat.tables, snapshot)
    return views.with_live_parts(role, view, snapshot, time.time(), _phones(code), mine)


@acknowledged("sync", reads=True)
def sync(_payload: dict, seat: Seat) -> dict:
    """Sent by a screen that saw a gap in `rev`; answers with a fresh snapshot."""
    mine = services().store.my_dots(seat.code, seat.token) if seat.token else None
    return {"state": _state(seat, mine)}


@acknowledged("grid_follow", views.PARTICIPANT, reads=True)
def grid_follow(payload: dict, seat: Seat) -> dict:
    """Sent by a phone that chose its table (`tables`: grid phase -> table): from now on it gets
    the grid of its own tables, and the ack carries that grid as it stands."""
    tables = _existing(seat.code, check_tables(field(payload, "tables", dict)))
    moved = Seat(seat.code, seat.role, seat.token, tables)
    _leave_tables(seat)
    services().seats[request.sid] = moved
    _join_tables(moved)  # in the rooms before the grid is read, as at the join
    return {"grid": _state(moved)["grid"]}


def _write_and_push(seat: Seat, write: Callable):
    """Run one write and push its change while holding the write lock, so pushes keep rev order.

    A store write returns its `Change`, or `(answer, Change | None)` when the sender needs more
    than the change (a note, a row id, the dots left) or a resend changed nothing.
    """
    s = services()
    with s.store.lock:
        result = write(s.store)
        change = result[1] if isinstance(result, tuple) else result
        if change is not None:
            s.store.advance_snapshot(seat.code, change)
            s.pusher.push(seat.code, change)
    return result


@acknowledged("note_add", views.PARTICIPANT)
def note_add(payload: dict, seat: Seat) -> dict:
    """Sent by participants to post a note; the board and the console get it at once."""
    text, note_id = clean_text(payload.get("text")), clean_note_id(payload.get("id"))
    phase, lane = payload.get("phase"), payload.get("lane")
    secret = clean_withdraw_secret(payload.get("secret"))
    note, change = _write_and_push(
        seat, lambda st: st.add_note(seat.code, note_id, text, phase, lane, secret)
    )
    if change is not None:
        services().pusher.count_writer(seat.code, note.phase, seat.token)
    return {"note": views.note_for_board(note)}


@acknowledged("note_withdraw", views.PARTICIPANT)
def note_withdraw(payload: dict, seat: Seat) -> dict:
    """Sent by the phone that wrote a note, with that note's `secret`, to take it back."""
    note_id, secret = field(payload, "note_id", str), field(payload, "secret", str)
    _write_and_push(seat, lambda st: st.hide_note(seat.code, note_id, secret))
    return {}


@acknowledged("note_hide", views.FACILITATOR)
def note_hide(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to take a note off every screen and out of the minutes."""
    note_id = field(payload, "note_id", str)
    _write_and_push(seat, lambda st: st.hide_note(seat.code, note_id))
    return {}


@acknowledged("phase_set", views.FACILITATOR)
def phase_set(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to move to a phase; every screen follows."""
    phase = field(payload, "phase", str)
    _write_and_push(seat, lambda st: st.set_phase(seat.code, phase))
    return {"phase": phase}


@acknowledged("board_blank", views.FACILITATOR)
def board_blank(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator (a key press) to blank the projector at once, or show it again."""
    blank = field(payload, "blank", bool)
    _write_and_push(seat, lambda st: st.set_blank(seat.code, blank))
    return {"blank": blank}


@acknowledged("notes_hold_set", views.FACILITATOR)
def notes_hold_set(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to hold new notes off the board while people write, or stop."""
    hold = field(payload, "hold", bool)
    _write_and_push(seat, lambda st: st.set_hold(seat.code, hold))
    return {"hold": hold}


@acknowledged("notes_reveal", views.FACILITATOR)
def notes_reveal(_payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to put every held note on the board at once, shuffled."""
    change = _write_and_push(seat, lambda st: st.reveal(seat.code))
    return {"revealed": len(change.data["notes"])}


@acknowledged("timer_set", views.FACILITATOR)
def timer_set(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to start, pause, extend or reset the phase's timer."""
    action = payload.get("action")
    if action not in TIMER_ACTIONS:
        raise Refusal("invalid_payload")
    minutes = clean_minutes(payload.get("minutes")) if action == "extend" else 0
    change = _write_and_push(seat, lambda st: st.set_timer(seat.code, action, minutes))
    return {"timer": views.timer_view(change.data["timer"], time.time())}


@acknowledged("volunteer_set", views.PARTICIPANT)
def volunteer_set(payload: dict, seat: Seat) -> dict:
    """Sent by a phone that steps forward as a rapporteur, or back; the room sees a count."""
    volunteer = field(payload, "volunteer", bool)
    _write_and_push(seat, lambda st: st.set_volunteer(seat.code, seat.token, volunteer))
    return {"volunteer": volunteer}


def _title(payload: dict, key: str = "title") -> str:
    return clean_text(payload.get(key), TITLE_LIMIT)


@acknowledged("theme_create", views.FACILITATOR)
def theme_create(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to name a theme and gather notes in it (`note_ids`, may be [])."""
    title, note_ids = _title(payload), payload.get("note_ids", [])
    if not isinstance(note_ids, list) or not all(isinstance(n, str) for n in note_ids):
        raise Refusal("invalid_payload")
    theme_id = clean_note_id(None)
    _write_and_push(seat, lambda st: st.create_theme(seat.code, theme_id, title, note_ids))
    return {"theme_id": theme_id}


@acknowledged("theme_rename", views.FACILITATOR)
def theme_rename(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to rename a theme."""
    theme_id, title = field(payload, "theme_id", str), _title(payload)
    _write_and_push(seat, lambda st: st.rename_theme(seat.code, theme_id, title))
    return {}


@acknowledged("theme_merge", views.FACILITATOR)
def theme_merge(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to pour one theme's notes into another (`into`)."""
    theme_id, into = field(payload, "theme_id", str), field(payload, "into", str)
    _write_and_push(seat, lambda st: st.merge_theme(seat.code, theme_id, into))
    return {}


@acknowledged("theme_delete", views.FACILITATOR)
def theme_delete(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to undo a theme; its notes stand alone again."""
    theme_id = field(payload, "theme_id", str)
    _write_and_push(seat, lambda st: st.delete_theme(seat.code, theme_id))
    return {}


@acknowledged("note_move", views.FACILITATOR)
def note_move(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to put a note in a theme, or out of any (`theme_id` null)."""
    note_id, theme_id = field(payload, "note_id", str), payload.get("theme_id")
    if theme_id is not None and not isinstance(theme_id, str):
        raise Refusal("invalid_payload")
    _write_and_push(seat, lambda st: st.move_note(seat.code, note_id, theme_id))
    return {}


@acknowledged("vote_cast", views.PARTICIPANT)
def vote_cast(payload: dict, seat: Seat) -> dict:
    """Sent by a phone to place a dot; `id` (a UUID it made) makes a resend harmless."""
    target, dot_id = target_of(payload), clean_note_id(payload.get("id"))
    remaining, _change = _write_and_push(
        seat, lambda st: st.cast_dot(seat.code, seat.token, target, dot_id)
    )
    return {"remaining": remaining, "id": dot_id}


@acknowledged("vote_retract", views.PARTICIPANT)
def vote_retract(payload: dict, seat: Seat) -> dict:
    """Sent by a phone to take a dot back: the dot `id`, or one of its dots on the item."""
    target = target_of(payload)
    dot_id = clean_note_id(payload["id"]) if payload.get("id") is not None else None
    remaining, _change = _write_and_push(
        seat, lambda st: st.retract_dot(seat.code, seat.token, target, dot_id)
    )
    return {"remaining": remaining}


@acknowledged("votes_reveal", views.FACILITATOR)
def votes_reveal(_payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to close the vote and show the ranking to the room."""
    change = _write_and_push(seat, lambda st: st.reveal_votes(seat.code))
    return views.ranking_view(change.data["ranking"], change.data["voters"])


@acknowledged("decision_set", views.FACILITATOR)
def decision_set(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to record the COPIL's decision on a priority, and why."""
    target = target_of(payload)
    decision = clean_text(payload.get("decision"))
    reason = clean_text(payload.get("reason"))
    _write_and_push(seat, lambda st: st.set_decision(seat.code, target, decision, reason))
    return {}


@acknowledged("note_edit", views.FACILITATOR)
def note_edit(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to reword a note after the review; its theme and votes stay."""
    note_id, text = field(payload, "note_id", str), clean_text(payload.get("text"))
    _write_and_push(seat, lambda st: st.edit_note(seat.code, note_id, text))
    return {}


@acknowledged("review_get", views.FACILITATOR)
def review_get(_payload: dict, seat: Seat) -> dict:
    """Sent by the console before closing: the texts that name a person or single out a role."""
    return {"review": review(services().store.snapshot(seat.code))}


@acknowledged("action_save", views.FACILITATOR)
def action_save(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to write an action (a new `id`) or update some of its fields."""
    action_id = clean_note_id(payload.get("id"))
    action, _change = _write_and_push(
        seat, lambda st: st.save_action(seat.code, action_id, payload)
    )
    return {"action": views.action_view(action)}


@acknowledged("action_delete", views.FACILITATOR)
def action_delete(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to take an action off the plan."""
    action_id = field(payload, "id", str)
    _write_and_push(seat, lambda st: st.delete_action(seat.code, action_id))
    return {}


@acknowledged("record_save", views.FACILITATOR)
def record_save(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to note a disagreement, an open question or intersession work,
    or to reword one (`id` of an existing record)."""
    record_id, text = clean_note_id(payload.get("id")), clean_text(payload.get("text"))
    kind = payload.get("kind")
    _write_and_push(seat, lambda st: st.save_record(seat.code, record_id, kind, text))
    return {"id": record_id}


@acknowledged("record_delete", views.FACILITATOR)
def record_delete(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to remove a record."""
    record_id = field(payload, "id", str)
    _write_and_push(seat, lambda st: st.delete_record(seat.code, record_id))
    return {}


@acknowledged("minutes_publish", views.FACILITATOR)
def minutes_publish(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator once the session is closed: every screen gets the minutes' link,
    readable without the key (`published: false` withdraws it)."""
    published = payload.get("published", True)
    if not isinstance(published, bool):
        raise Refusal("invalid_payload")
    _write_and_push(seat, lambda st: st.set_published(seat.code, published))
    return {"published": published, "url": views.minutes_path(seat.code)}


@acknowledged("session_close", views.FACILITATOR)
def session_close(_payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to end the session: writing stops, phones are forgotten."""
    _write_and_push(seat, lambda st: st.close(seat.code))
    services().pusher.forget_writers(seat.code)
    return {}


def _grid_cell(payload: dict) -> dict:
    return {k: payload.get(k) for k in ("phase", "group", "row", "column")}


@acknowledged("grid_set", views.PARTICIPANT, views.FACILITATOR)
def grid_set(payload: dict, seat: Seat) -> dict:
    """Sent to add text to a grid cell (`row` null with `situation` opens a row); the room gets
    the contribution. `id`, a UUID made by the sender, makes a resend harmless."""
    text, contribution_id = clean_text(payload.get("text")), clean_note_id(payload.get("id"))
    cell = _grid_cell(payload)
    ack, change = _write_and_push(
        seat, lambda st: st.add_contribution(seat.code, cell, text, contribution_id)
    )
    if change is not None and seat.role == views.PARTICIPANT:
        services().pusher.count_writer(seat.code, change.data["phase"], seat.token)
    return ack


@acknowledged("grid_import", views.FACILITATOR)
def grid_import(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to carry a note or a priority (theme) into a grid cell."""
    store, target = services().store, target_of(payload)
    text, cell = store.import_text(seat.code, target), _grid_cell(payload)
    contribution_id = clean_note_id(None)
    ack, _change = _write_and_push(
        seat, lambda st: st.add_contribution(seat.code, cell, text, contribution_id)
    )
    return ack


@acknowledged("grid_edit", views.FACILITATOR)
def grid_edit(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to reword a contribution read at `version`; a newer text wins."""
    contribution_id, version = field(payload, "id", str), field(payload, "version", int)
    text = clean_text(payload.get("text"))
    change = _write_and_push(
        seat, lambda st: st.edit_contribution(seat.code, contribution_id, text, version)
    )
    return {"version": change.data["contribution"].version}


@acknowledged("grid_tag", views.FACILITATOR)
def grid_tag(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to mark an effect as on health, the team or performance."""
    contribution_id, tag = field(payload, "id", str), payload.get("tag")
    _write_and_push(seat, lambda st: st.tag_contribution(seat.code, contribution_id, tag))
    return {}


@acknowledged("grid_reorder", views.FACILITATOR)
def grid_reorder(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to move a contribution to `position` within its cell."""
    contribution_id, position = field(payload, "id", str), field(payload, "position", int)
    _write_and_push(seat, lambda st: st.reorder_contribution(seat.code, contribution_id, position))
    return {}


@acknowledged("grid_merge", views.FACILITATOR)
def grid_merge(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to join a contribution (`id`) to another of its cell (`into`)."""
    contribution_id, into = field(payload, "id", str), field(payload, "into", str)
    _write_and_push(seat, lambda st: st.merge_contribution(seat.code, contribution_id, into))
    return {}


@acknowledged("grid_row_merge", views.FACILITATOR)
def grid_row_merge(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to pour a row (`row`) into another of its table (`into`)."""
    row, into = field(payload, "row", str), field(payload, "into", str)
    _write_and_push(seat, lambda st: st.merge_row(seat.code, row, into))
    return {}


@acknowledged("grid_row_reorder", views.FACILITATOR)
def grid_row_reorder(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to move a row to `position` within its table's grid."""
    row, position = field(payload, "row", str), field(payload, "position", int)
    _write_and_push(seat, lambda st: st.reorder_row(seat.code, row, position))
    return {}


@acknowledged("grid_view_set", views.FACILITATOR)
def grid_view_set(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to show one table or all, one row or the whole grid."""
    table, row = payload.get("table"), payload.get("row")
    _write_and_push(seat, lambda st: st.set_grid_view(seat.code, table, row))
    return {}


@acknowledged("table_add", views.FACILITATOR)
def table_add(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to name a new table for the current phase."""
    name, table_id = _title(payload, "name"), clean_note_id(None)
    _write_and_push(seat, lambda st: st.add_table(seat.code, table_id, name))
    return {"table_id": table_id}


@acknowledged("table_rename", views.FACILITATOR)
def table_rename(payload: dict, seat: Seat) -> dict:
    """Sent by the facilitator to rename a table of the current phase."""
    table_id, name = field(payload, "table_id", str), _title(payload, "name")
    _write_and_push(seat, lambda st: st.rename_table(seat.code, table_id, name))
    return {}
