"""What each role receives, checked from every side: the anonymity guarantee lives in views."""

from facilitate import views
from facilitate.kits import BUILTIN_DIR, load_kits
from facilitate.workshop import Change, Note, Snapshot, Workshop

KIT = load_kits(BUILTIN_DIR)[0]["atelier-court"]
LIVE = Note("a", "Visible", 5)
HELD = Note("b", "En attente", 1, revealed=False)
HIDDEN = Note("c", "Masqué", 3, hidden=True)
FORBIDDEN_KEYS = {"author", "token", "ip", "time", "created", "participant", "sort_key"}


def snapshot(hold=False) -> Snapshot:
    workshop = Workshop("K7P2QX", "Atelier", KIT, "idees", hold, False, 7)
    return Snapshot(workshop, (HELD, HIDDEN, LIVE))


def keys(value) -> set:
    """Every key at any depth of a payload."""
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def test_board_sees_revealed_notes_only():
    state = views.state_for(views.BOARD, snapshot())
    assert state["notes"] == [{"id": "a", "text": "Visible"}]
    assert state["pending"] == 1 and state["participants"] == 0


def test_facilitator_sees_held_notes_marked_but_not_hidden_ones():
    state = views.state_for(views.FACILITATOR, snapshot(), participants=4)
    assert [(n["id"], n["held"]) for n in state["notes"]] == [("b", True), ("a", False)]
    assert state["participants"] == 4


def test_participant_sees_no_note_at_all():
    assert views.state_for(views.PARTICIPANT, snapshot())["notes"] == []


def test_no_role_ever_gets_an_identifying_key():
    for role in (views.BOARD, views.FACILITATOR, views.PARTICIPANT):
        assert not keys(views.state_for(role, snapshot())) & FORBIDDEN_KEYS


def test_a_held_note_reaches_the_board_as_a_count():
    change = Change(8, "note_added", {"note": HELD, "pending": 2})
    assert views.board_update(change) == ("notes_pending", {"rev": 8, "pending": 2})
    event, payload = views.facilitator_update(change)
    assert event == "note_added" and payload["note"] == {
        "id": "b",
        "text": "En attente",
        "held": True,
    }
    assert views.phone_change(change) is None and views.phone_now(change) is None


def test_every_change_gives_the_board_an_event_with_its_rev():
    changes = [
        Change(1, "note_added", {"note": LIVE, "pending": 0}),
        Change(2, "note_hidden", {"note_id": "a", "pending": 0}),
        Change(3, "notes_revealed", {"notes": (LIVE,)}),
        Change(4, "hold_changed", {"hold": True, "notes": ()}),
        Change(5, "phase_changed", {"phase": "vote", "hold": False, "notes": (LIVE,)}),
    ]
    for change in changes:
        for update in (views.board_update, views.facilitator_update):
            event, payload = update(change)
            assert payload["rev"] == change.rev and not keys(payload) & FORBIDDEN_KEYS
