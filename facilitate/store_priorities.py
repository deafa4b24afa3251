"""Storage of prioritisation: themes, dots while a vote is open, rankings once revealed.

A mixin of `Store`: it shares its lock, its units of work and its revision counter.
"""

import json

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import priorities
from . import workshop as rules
from .errors import Refusal
from .models import DecisionRow, DotRow, NoteRow, ThemeRow, VoteRoundRow
from .priorities import Item, Priority, Theme, VoteRound
from .store_core import (
    BUMP_REV,
    DELETE_DOT,
    DOTS_OF_PARTICIPANT,
    INSERT_DOT,
    NOTE_AND_THEME,
    NOTE_COLUMNS,
    PARTICIPANT,
    THEME_BY_ID,
    VOTE_SEAT,
    VOTERS,
    WORKSHOP_STATE,
    kit_from_json,
)
from .workshop import Change, Note


def _theme(row: ThemeRow) -> Theme:
    return Theme(row.id, row.title, row.phase, row.sort_key)


def _ranking_json(ranking: list[Priority]) -> str:
    rows = [{"target": p.target, "text": p.text, "votes": p.votes, "rank": p.rank} for p in ranking]
    return json.dumps(rows, ensure_ascii=False)


def ranking_from_json(text: str) -> tuple[Priority, ...]:
    """A stored ranking, back as domain values."""
    return tuple(Priority(**row) for row in json.loads(text))


def vote_round(row: VoteRoundRow) -> VoteRound:
    return VoteRound(row.phase, row.revealed, row.voters, ranking_from_json(row.ranking_json))


class PrioritiesStore:
    """Themes, votes and decisions; see `priorities.py` for the rules."""

    # --- themes (facilitator only)

    def create_theme(self, code: str, theme_id: str, title: str, note_ids: list[str]) -> Change:
        """A new theme in the round in view, gathering these notes."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            phase = rules.phase_in_view(self._kit_of(row), row.phase)
            theme = ThemeRow(
                workshop_id=row.id,
                id=theme_id,
                phase=phase,
                title=title,
                sort_key=rules.new_sort_key(),
            )
            tx.add(theme)
            for note_id in note_ids:
                self._note_row(tx, row.id, note_id).theme_id = theme.id
            return self._themes_changed(tx, row)

    def rename_theme(self, code: str, theme_id: str, title: str) -> Change:
        with self._write() as tx:
            row = self._open_row(tx, code)
            self._theme_row(tx, row.id, theme_id).title = title
            return self._themes_changed(tx, row)

    def merge_theme(self, code: str, theme_id: str, into: str) -> Change:
        """Move every note of one theme into another, and drop the first."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            gone, kept = self._theme_row(tx, row.id, theme_id), self._theme_row(tx, row.id, into)
            if gone.id == kept.id:
                raise Refusal("invalid_payload")
            self._regroup(tx, row.id, gone.id, kept.id)
            tx.delete(gone)
            return self._themes_changed(tx, row)

    def delete_theme(self, code: str, theme_id: str) -> Change:
        """Drop a theme; its notes stand alone again."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            theme = self._theme_row(tx, row.id, theme_id)
            self._regroup(tx, row.id, theme.id, None)
            tx.delete(theme)
            return self._themes_changed(tx, row)

    def move_note(self, code: str, note_id: str, theme_id: str | None) -> Change:
        """Put a note in a theme, or take it out of any (`theme_id` None)."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            if theme_id is not None:
                self._theme_row(tx, row.id, theme_id)
            self._note_row(tx, row.id, note_id).theme_id = theme_id
            return self._themes_changed(tx, row)

    @staticmethod
    def _regroup(tx: Session, workshop_id: int, old: str, new: str | None) -> None:
        notes = select(NoteRow).where(NoteRow.workshop_id == workshop_id, NoteRow.theme_id == old)
        for note in tx.scalars(notes):
            note.theme_id = new

    @staticmethod
    def _note_row(tx: Session, workshop_id: int, note_id: object) -> NoteRow:
        note = tx.get(NoteRow, (workshop_id, note_id)) if isinstance(note_id, str) else None
        if note is None or note.hidden:
            raise Refusal("unknown_note")
        return note

    @staticmethod
    def _theme_row(tx: Session, workshop_id: int, theme_id: object) -> ThemeRow:
        theme = tx.get(ThemeRow, (workshop_id, theme_id)) if isinstance(theme_id, str) else None
        if theme is None:
            raise Refusal("unknown_theme")
        return theme

    def _themes_changed(self, tx: Session, row) -> Change:
        tx.flush()
        themes = self._themes(tx, row.id)
        notes = select(NoteRow).where(NoteRow.workshop_id == row.id, ~NoteRow.hidden)
        grouping = {n.id: n.theme_id for n in tx.scalars(notes)}
        return Change(
            self._bump(tx, row), "themes_changed", {"themes": themes, "grouping": grouping}
        )

    @staticmethod
    def _themes(tx: Session, workshop_id: int) -> tuple[Theme, ...]:
        query = select(ThemeRow).where(ThemeRow.workshop_id == workshop_id)
        return tuple(_theme(t) for t in tx.scalars(query.order_by(ThemeRow.sort_key, ThemeRow.id)))

    # --- votes

    def cast_dot(
        self, code: str, token: str, target: str, dot_id: str
    ) -> tuple[int, Change | None]:
        """Place one dot; a resend of the same dot id places nothing more.

        Only a phone's first dot changes what screens show (the number of voters): the others
        are acknowledged to the phone alone, so that a vote storm does not flood the board.
        """
        try:
            with self.lock, self.driver.begin() as db:
                state, phase, participant = self._vote_seat(db, code, token)
                at = {"workshop_id": state.id, "phase": phase.id, "participant_id": participant}
                mine = db.execute(DOTS_OF_PARTICIPANT, at).all()
                if any(dot.id == dot_id for dot in mine):  # a resend after a lost ack
                    return phase.budget - len(mine), None
                if not self._is_on_ballot(db, state, phase.id, target):
                    raise Refusal("unknown_item")
                if len(mine) >= phase.budget:
                    raise Refusal("no_dots_left")
                if not phase.multiple and any(dot.target == target for dot in mine):
                    raise Refusal("one_dot_per_item")
                db.execute(INSERT_DOT, {**at, "id": dot_id, "target": target})
                return phase.budget - len(mine) - 1, None if mine else self._voted(db, at)
        except IntegrityError:  # the id of a dot already stored: nothing more to place
            with self.driver.connect() as db:
                state, phase, participant = self._vote_seat(db, code, token)
                at = {"workshop_id": state.id, "phase": phase.id, "participant_id": participant}
                return phase.budget - len(db.execute(DOTS_OF_PARTICIPANT, at).all()), None

    def _vote_seat(self, db, code: str, token: str):
        """The open workshop, its vote phase and this phone's participant id; or a refusal."""
        digest = rules.digest(self.secret_key, token)
        state = db.execute(VOTE_SEAT, {"code": code, "digest": digest}).one_or_none()
        if state is None:  # say why: no such workshop, a closed one, or no such phone in it
            found = db.execute(WORKSHOP_STATE, {"code": code}).one_or_none()
            if found is None:
                raise Refusal("unknown_session")
            raise Refusal("session_closed" if found.closed else "not_joined")
        if state.closed:
            raise Refusal("session_closed")
        phase = kit_from_json(state.kit_json).phase(state.phase)
        if phase.kind != "vote" or state.revealed:
            raise Refusal("vote_closed")
        return state, phase, state.participant_id

    @staticmethod
    def _voted(db, at: dict) -> Change:
        """A new voter: the screens learn how many have voted, never for what."""
        voters = db.execute(VOTERS, at).scalar_one()
        rev = db.execute(BUMP_REV, at).scalar_one()
        return Change(rev, "votes_progress", {"phase": at["phase"], "voters": voters})

    @staticmethod
    def _is_on_ballot(db, state, vote_phase: str, target: str) -> bool:
        """Whether `target` is on the ballot, read from its own row rather than the whole one."""
        in_view = rules.phase_in_view(kit_from_json(state.kit_json), vote_phase)
        kind, _, ident = target.partition(":")
        at = {"workshop_id": state.id, "item_id": ident}
        if kind == "theme":
            theme = db.execute(THEME_BY_ID, at).first()
            return theme is not None and priorities.theme_on_ballot(Theme(*theme), in_view)
        found = db.execute(NOTE_AND_THEME, at).first()
        if found is None:
            return False
        note, theme = found[: len(NOTE_COLUMNS)], found[len(NOTE_COLUMNS) :]
        grouped = found.theme_id is not None and theme[0] is not None  # a theme still there
        return priorities.note_on_ballot(Note(*note), Theme(*theme) if grouped else None, in_view)

    def retract_dot(
        self, code: str, token: str, target: str, dot_id: str | None
    ) -> tuple[int, Change | None]:
        """Take one dot back: the one named by `dot_id`, else one of this phone's on `target`."""
        with self.lock, self.driver.begin() as db:
            state, phase, participant = self._vote_seat(db, code, token)
            at = {"workshop_id": state.id, "phase": phase.id, "participant_id": participant}
            mine = db.execute(DOTS_OF_PARTICIPANT, at).all()
            if dot_id is not None:
                found = [dot for dot in mine if dot.id == dot_id]
                if not found:  # already taken back: a resend after a lost ack
                    return phase.budget - len(mine), None
            else:
                found = [dot for dot in mine if dot.target == target]
                if not found:
                    raise Refusal("no_dot_here")
            db.execute(DELETE_DOT, {"workshop_id": state.id, "dot_id": found[0].id})
            progress = self._voted(db, at) if len(mine) == 1 else None  # one voter fewer
            return phase.budget - len(mine) + 1, progress

    def _ballot(self, tx: Session, row, vote_phase: str) -> list[Item]:
        notes = tx.scalars(select(NoteRow).where(NoteRow.workshop_id == row.id))
        in_view = rules.phase_in_view(self._kit_of(row), vote_phase)
        return priorities.ballot(
            tuple(n.to_note() for n in notes), self._themes(tx, row.id), in_view
        )

    @staticmethod
    def _voters(tx: Session, workshop_id: int, phase: str) -> int:
        return tx.scalar(
            select(func.count(distinct(DotRow.participant_id))).where(
                DotRow.workshop_id == workshop_id, DotRow.phase == phase
            )
        )

    def my_dots(self, code: str, token: str) -> list[dict]:
        """This phone's dots in the current vote: it alone may see them."""
        with self.driver.connect() as db:
            state = db.execute(WORKSHOP_STATE, {"code": code}).one_or_none()
            if state is None:
                raise Refusal("unknown_session")
            at = {"workshop_id": state.id, "digest": rules.digest(self.secret_key, token)}
            known = db.execute(PARTICIPANT, at).one_or_none()
            return self._dots_of(db, state, known.id) if known is not None else []

    @staticmethod
    def _dots_of(db, state, participant_id: int) -> list[dict]:
        """A phone's dots in the workshop's current step, when it is a vote."""
        if kit_from_json(state.kit_json).phase(state.phase).kind != "vote":
            return []
        at = {"workshop_id": state.id, "phase": state.phase, "participant_id": participant_id}
        return [
            {"id": dot.id, **priorities.target_ref(dot.target)}
            for dot in db.execute(DOTS_OF_PARTICIPANT, at)
        ]

    def reveal_votes(self, code: str) -> Change:
        """Close the current vote and keep its ranking, with totals per item and no voter."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            phase = self._kit_of(row).phase(row.phase)
            if phase.kind != "vote" or tx.get(VoteRoundRow, (row.id, phase.id)) is not None:
                raise Refusal("vote_closed")
            ranking, voters = self._tally(tx, row, phase.id)
            tx.add(
                VoteRoundRow(
                    workshop_id=row.id,
                    phase=phase.id,
                    revealed=True,
                    voters=voters,
                    ranking_json=_ranking_json(ranking),
                )
            )
            data = {"phase": phase.id, "ranking": tuple(ranking), "voters": voters}
            return Change(self._bump(tx, row), "votes_revealed", data)

    def _tally(self, tx: Session, row, phase: str) -> tuple[list[Priority], int]:
        counts = dict(
            tx.execute(
                select(DotRow.target, func.count())
                .where(DotRow.workshop_id == row.id, DotRow.phase == phase)
                .group_by(DotRow.target)
            ).all()
        )
        ranking = priorities.rank(counts, self._ballot(tx, row, phase))
        return ranking, self._voters(tx, row.id, phase)

    def set_decision(self, code: str, target: str, decision: str, reason: str) -> Change:
        """Record the COPIL's decision on a priority, with the reason to give the teams."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            ranked = {
                p.target
                for r in tx.scalars(select(VoteRoundRow).where(VoteRoundRow.workshop_id == row.id))
                for p in ranking_from_json(r.ranking_json)
            }
            if target not in ranked:
                raise Refusal("unknown_item")
            tx.merge(
                DecisionRow(workshop_id=row.id, target=target, decision=decision, reason=reason)
            )
            data = {"target": target, "decision": decision, "reason": reason}
            return Change(self._bump(tx, row), "decision_changed", data)

    def _forget_voters(self, tx: Session, row) -> None:
        """At close: keep each vote's totals, then drop every dot and so who voted for what."""
        voted = tx.scalars(select(DotRow.phase).where(DotRow.workshop_id == row.id).distinct())
        for phase in voted.all():
            if tx.get(VoteRoundRow, (row.id, phase)) is None:
                ranking, voters = self._tally(tx, row, phase)
                tx.add(
                    VoteRoundRow(
                        workshop_id=row.id,
                        phase=phase,
                        revealed=False,
                        voters=voters,
                        ranking_json=_ranking_json(ranking),
                    )
                )
        tx.execute(delete(DotRow).where(DotRow.workshop_id == row.id))

    def _priorities_state(self, tx: Session, row, notes: tuple) -> dict:
        """What a snapshot needs of prioritisation; rankings read as their items read now."""
        rounds = tx.scalars(select(VoteRoundRow).where(VoteRoundRow.workshop_id == row.id))
        decisions = tx.scalars(select(DecisionRow).where(DecisionRow.workshop_id == row.id))
        themes = self._themes(tx, row.id)
        texts = {f"note:{n.id}": n.text for n in notes if not n.hidden}
        texts |= {f"theme:{t.id}": t.title for t in themes}
        return {
            "themes": themes,
            "rounds": {r.phase: priorities.relabel(vote_round(r), texts) for r in rounds},
            "decisions": {d.target: (d.decision, d.reason) for d in decisions},
            "voters": self._voters(tx, row.id, row.phase),
        }
