"""What each viewer receives: the one place that turns domain values into wire payloads.

The anonymity guarantee lives here. No function below emits an author, a token, an address or a
time; the board never sees a held or hidden note; a phone sees no other person's note.
"""

from .workshop import Change, Note, Snapshot

BOARD, FACILITATOR, PARTICIPANT = "board", "facilitator", "participant"


def note_for_board(note: Note) -> dict:
    """A note as the room sees it: its id and its text, nothing else."""
    return {"id": note.id, "text": note.text}


def note_for_facilitator(note: Note) -> dict:
    """A note as the facilitator sees it: also whether it still waits for a reveal."""
    return {**note_for_board(note), "held": not note.revealed}


def state_for(role: str, snapshot: Snapshot, participants: int = 0) -> dict:
    """The full snapshot one role may see."""
    w = snapshot.workshop
    state = {
        "rev": w.rev,
        "code": w.code,
        "title": w.title,
        "kit": {"id": w.kit.id, "title": w.kit.title},
        "rules": list(w.kit.rules),
        "phases": [_phase(p) for p in w.kit.phases],
        "phase": w.phase,
        "hold": w.hold,
        "closed": w.closed,
        "notes": [],
    }
    visible = [n for n in snapshot.notes if not n.hidden]
    if role == BOARD:
        state["notes"] = [note_for_board(n) for n in visible if n.revealed]
    elif role == FACILITATOR:
        state["notes"] = [note_for_facilitator(n) for n in visible]
    if role in (BOARD, FACILITATOR):
        state["pending"] = snapshot.pending
        state["participants"] = participants
    return state


def _phase(phase) -> dict:
    out = {"id": phase.id, "kind": phase.kind, "title": phase.title, "prompt": phase.prompt}
    if phase.minutes is not None:
        out["minutes"] = phase.minutes
    if phase.budget is not None:
        out["budget"] = phase.budget
    return out


def board_update(change: Change) -> tuple[str, dict]:
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
            notes = [note_for_board(n) for n in d["notes"]]
            return "phase_changed", {
                "rev": rev,
                "phase": d["phase"],
                "hold": d["hold"],
                "notes": notes,
            }
    raise ValueError(f"no board view for {change.type}")


def facilitator_update(change: Change) -> tuple[str, dict]:
    """The event the console gets: the board's, with held notes shown as held."""
    event, payload = board_update(change)
    if change.type == "note_added":
        note = note_for_facilitator(change.data["note"])
        return "note_added", {"rev": change.rev, "note": note, "pending": change.data["pending"]}
    return event, payload


def phone_change(change: Change) -> dict | None:
    """What phones learn of a change, in their next batch; None when it is not theirs to see."""
    match change.type:
        case "phase_changed":
            return {"type": "phase", "phase": change.data["phase"], "hold": change.data["hold"]}
        case "note_hidden":
            return {"type": "note_hidden", "note_id": change.data["note_id"]}
        case "hold_changed":
            return {"type": "hold", "hold": change.data["hold"]}
    return None


def phone_now(change: Change) -> tuple[str, dict] | None:
    """Changes phones get at once rather than in the next batch: the facilitator's steps."""
    if change.type == "phase_changed":
        phase, hold = change.data["phase"], change.data["hold"]
        return "phase_changed", {"rev": change.rev, "phase": phase, "hold": hold}
    if change.type == "hold_changed":
        return "notes_hold_changed", {"rev": change.rev, "hold": change.data["hold"]}
    return None
