"""Prioritisation ("priorisation"): themes, ballots and rankings. Pure rules, no storage.

A vote phase works on the round of notes in view: its themes, and the notes left out of any
theme. Dots are counted per item; nobody sees a count before the reveal, and with fewer than
three voters nobody ever sees one, so that a count can never single a person out.
"""

from dataclasses import dataclass, replace

from .errors import Refusal
from .workshop import Note

MIN_VOTERS_FOR_COUNTS = 3


@dataclass(frozen=True)
class Theme:
    """A group of notes the facilitator named; it has no author either."""

    id: str
    title: str
    phase: str
    sort_key: int


@dataclass(frozen=True)
class Item:
    """Something to vote on: a theme or a note outside any theme."""

    target: str  # "theme:<id>" or "note:<id>"
    text: str


@dataclass(frozen=True)
class Priority:
    target: str
    text: str
    votes: int
    rank: int


@dataclass(frozen=True)
class VoteRound:
    """A vote phase whose totals are kept: revealed, or closed with the session."""

    phase: str
    revealed: bool
    voters: int
    ranking: tuple[Priority, ...]


def target_of(payload: dict) -> str:
    """The item a vote payload names: `note_id` or `theme_id`, exactly one."""
    note_id, theme_id = payload.get("note_id"), payload.get("theme_id")
    if isinstance(note_id, str) and theme_id is None:
        return f"note:{note_id}"
    if isinstance(theme_id, str) and note_id is None:
        return f"theme:{theme_id}"
    raise Refusal("invalid_payload")


def target_ref(target: str) -> dict:
    """The wire form of a target: `{"note_id": ...}` or `{"theme_id": ...}`."""
    kind, _, ident = target.partition(":")
    return {f"{kind}_id": ident}


def ballot(notes: tuple[Note, ...], themes: tuple[Theme, ...], in_view: str) -> list[Item]:
    """What can be voted on in the round in view: its themes, then its ungrouped notes."""
    items = [Item(f"theme:{t.id}", t.title) for t in themes if theme_on_ballot(t, in_view)]
    by_id = {t.id: t for t in themes}
    for note in notes:
        if note_on_ballot(note, by_id.get(note.theme), in_view):
            items.append(Item(f"note:{note.id}", note.text))
    return items


def theme_on_ballot(theme: Theme, in_view: str) -> bool:
    """Whether a theme is voted on: it belongs to the round in view."""
    return theme.phase == in_view


def note_on_ballot(note: Note, theme: Theme | None, in_view: str) -> bool:
    """Whether a note is voted on by itself: on the board in the round in view, and not gathered
    in one of that round's themes (`theme` is the note's own, if any)."""
    on_board = note.phase == in_view and note.revealed and not note.hidden
    return on_board and (theme is None or not theme_on_ballot(theme, in_view))


def rank(tallies: dict[str, int], items: list[Item]) -> list[Priority]:
    """Items with at least one dot, best first; equal counts share a rank (1, 1, 3)."""
    scored = sorted(
        (Priority(i.target, i.text, tallies.get(i.target, 0), 0) for i in items),
        key=lambda p: (-p.votes, p.text),
    )
    ranked, previous = [], None
    for position, priority in enumerate(p for p in scored if p.votes > 0):
        rank_here = previous.rank if previous and previous.votes == priority.votes else position + 1
        previous = Priority(priority.target, priority.text, priority.votes, rank_here)
        ranked.append(previous)
    return ranked


def counts_shown(voters: int) -> bool:
    """Whether counts may be shown: never below three voters."""
    return voters >= MIN_VOTERS_FOR_COUNTS


def relabel(vote: VoteRound, texts: dict[str, str]) -> VoteRound:
    """A ranking as its items read now: a reworded note keeps its votes and its rank; an item
    hidden since the reveal (no text any more) leaves the ranking."""
    ranking = tuple(replace(p, text=texts[p.target]) for p in vote.ranking if p.target in texts)
    return replace(vote, ranking=ranking)
