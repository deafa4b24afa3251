"""Prioritisation rules, with no app: ballots, ranks and ties, the three-voter threshold."""

import pytest

from facilitate.errors import Refusal
from facilitate.priorities import Item, Theme, ballot, counts_shown, rank, target_of
from facilitate.workshop import Note


def test_ties_share_a_rank_and_items_without_dots_are_left_out():
    items = [Item(f"note:{c}", c) for c in "abcde"]
    ranked = rank({"note:a": 2, "note:b": 5, "note:c": 2, "note:d": 1}, items)
    assert [(p.text, p.votes, p.rank) for p in ranked] == [
        ("b", 5, 1),
        ("a", 2, 2),
        ("c", 2, 2),
        ("d", 1, 4),
    ]


def test_ballot_offers_the_round_s_themes_then_its_loose_notes():
    notes = (
        Note("n1", "Dans un thème", 1, "idees", theme="t1"),
        Note("n2", "Seul", 2, "idees"),
        Note("n3", "Autre étape", 3, "autre"),
        Note("n4", "Masqué", 4, "idees", hidden=True),
        Note("n5", "Pas encore révélé", 5, "idees", revealed=False),
    )
    themes = (Theme("t1", "Transmissions", "idees", 1), Theme("t2", "Ailleurs", "autre", 2))
    assert ballot(notes, themes, "idees") == [
        Item("theme:t1", "Transmissions"),
        Item("note:n2", "Seul"),
    ]


def test_counts_need_three_voters():
    assert [counts_shown(n) for n in (0, 1, 2, 3, 40)] == [False, False, False, True, True]


@pytest.mark.parametrize(
    "payload", [{}, {"note_id": 1}, {"note_id": "a", "theme_id": "b"}, {"theme_id": None}]
)
def test_a_vote_names_exactly_one_item(payload):
    with pytest.raises(Refusal):
        target_of(payload)


def test_targets():
    assert target_of({"note_id": "x"}) == "note:x"
    assert target_of({"theme_id": "y"}) == "theme:y"
