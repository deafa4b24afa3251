"""What each viewer receives: the one place that turns domain values into wire payloads.

The anonymity guarantee lives here. No function below emits an author, a token, an address or a
time of writing; the board never sees a held or hidden note; a phone sees no other person's note.
"""

import markdown
import nh3

from .kits import Phase
from .workshop import Change, Note, Snapshot, Timer

BOARD, FACILITATOR, PARTICIPANT = "board", "facilitator", "participant"
GUIDANCE_TAGS = {"p", "ul", "ol", "li", "strong", "em", "code", "br", "h3", "h4", "blockquote"}


def note_for_board(note: Note) -> dict:
    """A note as the room sees it: its text, its round and its lane, nothing else."""
    out = {"id": note.id, "text": note.text, "phase": note.phase}
    if note.lane is not None:
        out["lane"] = note.lane
    return out


def note_for_facilitator(note: Note) -> dict:
    """A note as the facilitator sees it: also whether it still waits for a reveal."""
    return {**note_for_board(note), "held": not note.revealed}


def timer_view(timer: Timer, now: float) -> dict:
    """A countdown as screens show it: seconds left, counted down locally while it runs."""
    return {"running": timer.ends_at is not None, "remaining": timer.remaining(now)}


def state_for(role: str, snapshot: Snapshot, now: float, participants: int = 0) -> dict:
    """The full snapshot one role may see."""
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
        "timer": timer_view(w.timer, now),
        "notes": [],
    }
    visible = [n for n in snapshot.notes if not n.hidden]
    if role == BOARD:
        state["notes"] = [note_for_board(n) for n in visible if n.revealed]
    elif role == FACILITATOR:
        state["notes"] = [note_for_facilitator(n) for n in visible]
        state["warn_above"] = w.kit.warn_above
    if role in (BOARD, FACILITATOR):
        state["pending"] = snapshot.pending
        state["participants"] = participants
        state["volunteers"] = w.volunteers
    return state


def phase_view(phase: Phase, role: str) -> dict:
    """A phase of the agenda; the facilitator also gets its guidance as safe HTML."""
    out = {"id": phase.id, "kind": phase.kind, "title": phase.title, "prompt": phase.prompt}
    for key in ("minutes", "budget"):
        if getattr(phase, key) is not None:
            out[key] = getattr(phase, key)
    if phase.kind == "vote":
        out["multiple"] = phase.multiple
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
            return "phase_changed", {
                **_phase_payload(change, now),
                "notes": [note_for_board(n) for n in d["notes"]],
            }
        case "timer_changed":
            return "timer_changed", {"rev": rev, "timer": timer_view(d["timer"], now)}
        case "volunteers_changed":
            return "volunteers_changed", {"rev": rev, "volunteers": d["volunteers"]}
    raise ValueError(f"no board view for {change.type}")


def _phase_payload(change: Change, now: float) -> dict:
    d = change.data
    return {
        "rev": change.rev,
        "phase": d["phase"],
        "in_view": d["in_view"],
        "hold": d["hold"],
        "timer": timer_view(d["timer"], now),
    }


def facilitator_update(change: Change, now: float) -> tuple[str, dict]:
    """The event the console gets: the board's, with held notes shown as held."""
    if change.type == "note_added":
        note = note_for_facilitator(change.data["note"])
        return "note_added", {"rev": change.rev, "note": note, "pending": change.data["pending"]}
    return board_update(change, now)


def phone_now(change: Change, now: float) -> tuple[str, dict] | None:
    """What phones get at once: the facilitator's steps (phase, hold, timer)."""
    match change.type:
        case "phase_changed":
            return "phase_changed", _phase_payload(change, now)
        case "hold_changed":
            return "notes_hold_changed", {"rev": change.rev, "hold": change.data["hold"]}
        case "timer_changed":
            return "timer_changed", {
                "rev": change.rev,
                "timer": timer_view(change.data["timer"], now),
            }
    return None


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
    return None
