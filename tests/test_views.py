"""What each role receives, checked from every side: the anonymity guarantee lives in views."""

from facilitate import views
from facilitate.kits import BUILTIN_DIR, load_kits
from facilitate.workshop import Change, Note, Snapshot, Timer, Workshop

KIT = load_kits(BUILTIN_DIR)[0]["atelier-court"]
LIVE = Note("a", "Visible", 5, "idees")
HELD = Note("b", "En attente", 1, "idees", revealed=False)
HIDDEN = Note("c", "Masqué", 3, "idees", hidden=True)
NOW = 1_000_000.0
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
    state = views.state_for(views.BOARD, snapshot(), NOW)
    assert state["notes"] == [{"id": "a", "text": "Visible", "phase": "idees"}]
    assert state["pending"] == 1 and state["participants"] == 0


def test_facilitator_sees_held_notes_marked_but_not_hidden_ones():
    state = views.state_for(views.FACILITATOR, snapshot(), NOW, participants=4)
    assert [(n["id"], n["held"]) for n in state["notes"]] == [("b", True), ("a", False)]
    assert state["participants"] == 4


def test_participant_sees_no_note_at_all():
    assert views.state_for(views.PARTICIPANT, snapshot(), NOW)["notes"] == []


def test_no_role_ever_gets_an_identifying_key():
    for role in (views.BOARD, views.FACILITATOR, views.PARTICIPANT):
        assert not keys(views.state_for(role, snapshot(), NOW)) & FORBIDDEN_KEYS


def test_a_held_note_reaches_the_board_as_a_count():
    change = Change(8, "note_added", {"note": HELD, "pending": 2})
    assert views.board_update(change, NOW) == ("notes_pending", {"rev": 8, "pending": 2})
    event, payload = views.facilitator_update(change, NOW)
    assert event == "note_added"
    assert payload["note"] == {"id": "b", "text": "En attente", "phase": "idees", "held": True}
    assert views.phone_change(change) is None and views.phone_now(change, NOW) is None


def test_every_change_gives_the_board_an_event_with_its_rev():
    changes = [
        Change(1, "note_added", {"note": LIVE, "pending": 0}),
        Change(2, "note_hidden", {"note_id": "a", "pending": 0}),
        Change(3, "notes_revealed", {"notes": (LIVE,)}),
        Change(4, "hold_changed", {"hold": True, "notes": ()}),
        Change(
            5,
            "phase_changed",
            {
                "phase": "gommettes",
                "in_view": "idees",
                "hold": False,
                "notes": (LIVE,),
                "timer": Timer(600),
            },
        ),
        Change(6, "timer_changed", {"timer": Timer(300, NOW + 300)}),
        Change(7, "volunteers_changed", {"volunteers": 2}),
    ]
    for change in changes:
        for update in (views.board_update, views.facilitator_update):
            event, payload = update(change, NOW)
            assert payload["rev"] == change.rev and not keys(payload) & FORBIDDEN_KEYS
    for change in changes:  # the screens get exactly these, the shared ones as one event
        sent = views.screen_updates(change, NOW)
        to = {role: event for event, roles in sent for role in roles}
        assert to == {
            views.BOARD: views.board_update(change, NOW),
            views.FACILITATOR: views.facilitator_update(change, NOW),
        }
        assert len(sent) == (2 if change.type == "note_added" else 1)


def test_guidance_reaches_the_facilitator_only_and_as_safe_html():
    phase = KIT.phases[1].__class__(
        id="x", kind="notes", title="T", guidance="**Lire** à voix haute <script>alert(1)</script>"
    )
    html = views.phase_view(phase, views.FACILITATOR)["guidance_html"]
    assert "<strong>Lire</strong>" in html and "<script" not in html
    assert "guidance_html" not in views.phase_view(phase, views.BOARD)
    assert "guidance_html" not in views.phase_view(phase, views.PARTICIPANT)


def test_timer_counts_down_from_the_server_clock():
    running = Timer(300, NOW + 120.2)
    assert views.timer_view(running, NOW) == {"running": True, "remaining": 121}
    assert views.timer_view(running, NOW + 500) == {"running": True, "remaining": 0}
    assert views.timer_view(Timer(90), NOW) == {"running": False, "remaining": 90}


def test_kept_views_follow_every_change_and_rebuild_a_part_only_when_it_changed():
    from facilitate.grid import Contribution, GridRow, Table
    from facilitate.workshop import advance

    workshop = Workshop("K7P2QX", "Atelier", KIT, "grille", False, False, 7)
    row = GridRow("r1", "grille", "t1", 0)
    first = Snapshot(
        workshop,
        (LIVE,),
        tables=(Table("t1", "Table 1", "grille", 0), Table("t2", "Table 2", "grille", 1)),
        grid_rows=(row,),
        contributions=(Contribution("c1", "r1", "situation", "Nuit", 0),),
    )
    kept, at_t1 = views.KeptViews(), (("grille", "t1"),)
    before = kept.shared(views.PARTICIPANT, at_t1, first)
    assert kept.shared(views.PARTICIPANT, at_t1, first) is before  # one build per snapshot
    assert [c["id"] for c in before["grid"]["contributions"]] == ["c1"]
    assert kept.shared(views.PARTICIPANT, (("grille", "t2"),), first)["grid"]["rows"] == []

    note = Note("n2", "Autre", 9, "idees")
    noted = advance(first, Change(8, "note_added", {"note": note, "pending": 0}))
    after_note = kept.shared(views.PARTICIPANT, at_t1, noted)
    assert after_note["rev"] == 8 and after_note is not before  # a new rev: a new view...
    assert after_note["grid"] is before["grid"]  # ...around the same table grid, tables...
    assert after_note["tables"] is before["tables"] and len(after_note["tables"]) == 2
    assert after_note["rankings"] is before["rankings"]  # ...and rankings

    added = Contribution("c2", "r1", "causes", "Sous-effectif", 0)
    data = {"contribution": added, "row": None, "phase": "grille", "table": "t1"}
    celled = advance(noted, Change(9, "grid_added", data))
    after_cell = kept.shared(views.PARTICIPANT, at_t1, celled)
    assert after_cell["rev"] == 9
    assert sorted(c["id"] for c in after_cell["grid"]["contributions"]) == ["c1", "c2"]
    whole = kept.shared(views.FACILITATOR, (), celled)["grid"]
    assert sorted(c["id"] for c in whole["contributions"]) == ["c1", "c2"]


def test_a_phones_ranking_is_cut_after_ten_and_says_the_rank_where_it_was_cut():
    def ranking(ranks: list[int]) -> dict:
        entries = [{"note_id": str(i), "text": f"Idée {i}", "rank": r} for i, r in enumerate(ranks)]
        return {"voters": 5, "counts_shown": True, "ranking": entries}

    whole = ranking([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 12])  # the 10th tied with the 11th
    cut = views.phone_ranking(whole)
    assert cut["ranking"] == whole["ranking"][:10]
    assert (cut["more"], cut["more_rank"]) == (2, 10)
    short = ranking([1, 1, 3])
    assert views.phone_ranking(short) == {**short, "more": 0}  # nothing left off: no rank
