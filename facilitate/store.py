"""Storage: one short unit of work per operation, on the tables of `models.py`.

Every write commits before it returns, so that an adapter acknowledges only what is on disk.
Nothing here stores an author, an address or a time finer than the day.
"""

import datetime
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import workshop as rules
from .errors import Refusal
from .kits import Kit
from .models import Base, NoteRow, ParticipantRow, WorkshopRow, add_missing_columns, engine_for
from .plan import Action
from .store_core import (
    BUMP_OPEN_WORKSHOP,
    INSERT_NOTE,
    INSERT_PARTICIPANT,
    PARTICIPANT,
    PENDING_NOTES,
    WORKSHOP_REV,
    WORKSHOP_STATE,
    kit_from_json,
)
from .store_driver import Driver
from .store_grid import GridStore
from .store_plan import PlanStore
from .store_priorities import PrioritiesStore
from .workshop import Change, Note, Snapshot, Timer, Workshop


def _kit(row: WorkshopRow) -> Kit:
    return kit_from_json(row.kit_json)


def _timer(row: WorkshopRow) -> Timer:
    return Timer(row.timer_left, row.timer_ends_at)


def _set_timer(row: WorkshopRow, timer: Timer) -> None:
    row.timer_left, row.timer_ends_at = timer.left, timer.ends_at


def _workshop(row: WorkshopRow, volunteers: int = 0) -> Workshop:
    return Workshop(
        row.code,
        row.title,
        _kit(row),
        row.phase,
        row.hold,
        row.closed,
        row.rev,
        _timer(row),
        volunteers,
        row.opened_on,
        row.took_part,
        row.published,
        row.blank,
    )


def _note_columns(note: Note, workshop_id: int) -> dict:
    return {
        "workshop_id": workshop_id,
        "id": note.id,
        "text": note.text,
        "sort_key": note.sort_key,
        "phase": note.phase,
        "lane": note.lane,
        "theme_id": note.theme,
        "revealed": note.revealed,
        "hidden": note.hidden,
    }


class Store(PrioritiesStore, GridStore, PlanStore):
    """The workshops' database. Writes are serialised by `lock`, which the caller holds."""

    _kit_of = staticmethod(_kit)

    def __init__(self, url: str, secret_key: str) -> None:
        self.engine = engine_for(url)
        self.driver = Driver(self.engine)  # the hot paths (store_core.py)
        self.unit = sessionmaker(self.engine, expire_on_commit=False)
        self.secret_key = secret_key
        # Every write holds this lock. Under eventlet it is a green lock (made after
        # monkey-patching): a writer waiting on SQLite's own lock would freeze the whole server.
        # Re-entrant, so that an adapter can hold it around a write and its push, keeping the
        # pushes in revision order.
        self.lock = threading.RLock()
        # A write that changes no screen (a phone's seat) has no push to keep in order: in
        # PostgreSQL, which orders concurrent writers itself, it need not wait for the others.
        # SQLite allows one writer at a time, and one waiting for it would freeze the server.
        self.quiet_write_lock = self.lock if self.driver.sqlite else nullcontext()
        self._snapshots: dict[str, Snapshot] = {}  # the latest snapshot read, per workshop

    def create_schema(self) -> None:
        """Create the tables that do not exist yet, and the columns added since a data folder
        was made, so that an upgrade keeps every earlier session."""
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self.lock, self.unit.begin() as tx:
            yield tx

    def _row(self, tx: Session, code: str, *, for_write: bool = False) -> WorkshopRow:
        query = select(WorkshopRow).where(WorkshopRow.code == code)
        row = tx.scalars(query.with_for_update() if for_write else query).one_or_none()
        if row is None:
            raise Refusal("unknown_session")
        return row

    def _open_row(self, tx: Session, code: str) -> WorkshopRow:
        row = self._row(tx, code, for_write=True)
        if row.closed:
            raise Refusal("session_closed")
        return row

    def _bump(self, tx: Session, row: WorkshopRow) -> int:
        """Next revision, taken atomically in the database so processes never share one."""
        rev = tx.execute(
            update(WorkshopRow)
            .where(WorkshopRow.id == row.id)
            .values(rev=WorkshopRow.rev + 1)
            .returning(WorkshopRow.rev)
        ).scalar_one()
        row.rev = rev
        return rev

    def open_workshop(
        self, kit: Kit, title: str, story: dict | None = None, carried: list[Action] = ()
    ) -> tuple[str, str]:
        """Store a new workshop; return its code and the facilitator key (kept nowhere else).

        `story` and `carried` are what the session it follows left to it (`followup.py`).
        """
        key = rules.new_secret()
        for _ in range(20):
            code = rules.new_code()
            try:
                with self._write() as tx:
                    row = self._new_row(kit, title, code, key)
                    row.story_json = json.dumps(story, ensure_ascii=False) if story else None
                    tx.add(row)
                    tx.flush()
                    self._seed_tables(tx, row.id, kit)
                    self._carry_actions(tx, row.id, carried)
                return code, key
            except IntegrityError:  # code already taken: draw again
                continue
        raise RuntimeError("no free session code after 20 draws")

    def _new_row(self, kit: Kit, title: str, code: str, key: str) -> WorkshopRow:
        return WorkshopRow(
            code=code,
            title=title,
            kit_id=kit.id,
            kit_json=json.dumps(kit.to_dict(), ensure_ascii=False),
            phase=kit.phases[0].id,
            hold=kit.phases[0].hold,
            closed=False,
            rev=0,
            timer_left=Timer.for_phase(kit.phases[0]).left,
            timer_ends_at=None,
            key_digest=rules.digest(self.secret_key, key),
            opened_on=rules.today(),
            published=False,
            blank=False,
        )

    def snapshot(self, code: str) -> Snapshot:
        """The workshop and all its notes, in board order.

        Every change bumps the revision, so a snapshot read at a revision stays true until the
        next one: it is kept, and a storm of phones joining at once reads it from the database
        once (each join still asks the database for the current revision).
        """
        with self.driver.connect() as db:
            rev = db.execute(WORKSHOP_REV, {"code": code}).scalar()
        if rev is None:
            raise Refusal("unknown_session")
        kept = self._snapshots.get(code)
        if kept is not None and kept.workshop.rev == rev:
            return kept
        with self.unit() as tx:
            snapshot = self._read_snapshot(tx, code)
            self._snapshots[code] = snapshot
            return snapshot

    def advance_snapshot(self, code: str, change: Change) -> None:
        """Keep the latest snapshot up to date through a change this process just committed,
        when the change alone tells how (`workshop.advance`); otherwise the next read will."""
        kept = self._snapshots.get(code)
        advanced = rules.advance(kept, change) if kept is not None else None
        if advanced is not None:
            self._snapshots[code] = advanced

    def _read_snapshot(self, tx: Session, code: str) -> Snapshot:
        row = self._row(tx, code)
        notes = tx.scalars(
            select(NoteRow)
            .where(NoteRow.workshop_id == row.id)
            .order_by(NoteRow.sort_key, NoteRow.id)
        )
        volunteers = self._volunteers(tx, row.id)
        notes = tuple(n.to_note() for n in notes)
        return Snapshot(
            _workshop(row, volunteers),
            notes,
            **self._priorities_state(tx, row, notes),
            **self._grid_state(tx, row),
            **self._plan_state(tx, row),
            story=json.loads(row.story_json) if row.story_json else None,
        )

    @staticmethod
    def _volunteers(tx: Session, workshop_id: int) -> int:
        return tx.scalar(
            select(func.count())
            .select_from(ParticipantRow)
            .where(ParticipantRow.workshop_id == workshop_id, ParticipantRow.volunteer)
        )

    def is_facilitator(self, code: str, key: object) -> bool:
        """Whether `key` is this workshop's facilitator key."""
        if not isinstance(key, str) or not key:
            return False
        with self.unit() as tx:
            return rules.same_digest(self.secret_key, key, self._row(tx, code).key_digest)

    def join_participant(self, code: str, token: object) -> tuple[str, bool, list[dict]]:
        """A phone takes its seat: `(token, volunteer, my dots in the open vote)`.

        The token is the one it sent if this workshop knows it, else a new one. A closed
        workshop stores no one new: the phone may read, and has nothing to write.
        """
        with self.driver.connect() as db:
            state = db.execute(WORKSHOP_STATE, {"code": code}).one_or_none()
            if state is None:
                raise Refusal("unknown_session")
            if isinstance(token, str) and 0 < len(token) <= 64:
                digest = rules.digest(self.secret_key, token)
                at = {"workshop_id": state.id, "digest": digest}
                known = db.execute(PARTICIPANT, at).one_or_none()
                if known is not None:
                    return token, known.volunteer, self._dots_of(db, state, known.id)
            if state.closed:
                return rules.new_secret(), False, []
            token = rules.new_secret()
            digest = rules.digest(self.secret_key, token)
            with self.quiet_write_lock:  # one statement, committed on its own
                db.execute(
                    INSERT_PARTICIPANT,
                    {"workshop_id": state.id, "token_digest": digest, "volunteer": False},
                )
            return token, False, []

    def add_note(
        self,
        code: str,
        note_id: str,
        text: str,
        phase: object = None,
        lane: object = None,
        secret: str | None = None,
    ) -> tuple[Note, Change | None]:
        """Store a note once; a resend of the same id returns the stored note and no change.

        `secret`, drawn by the phone for this note alone, lets it withdraw the note later.
        """
        try:
            with self.lock, self.driver.begin() as db:
                bumped = db.execute(BUMP_OPEN_WORKSHOP, {"session_code": code}).one_or_none()
                if bumped is None:
                    self._refuse_write(db, code)
                kit = kit_from_json(bumped.kit_json)
                phase, lane = rules.place_note(kit, bumped.phase, phase, lane)
                note = Note(note_id, text, rules.new_sort_key(), phase, lane, not bumped.hold)
                digest = rules.withdraw_digest(secret) if secret else None
                db.execute(
                    INSERT_NOTE, {**_note_columns(note, bumped.id), "withdraw_digest": digest}
                )
                pending = db.execute(PENDING_NOTES, {"workshop_id": bumped.id}).scalar_one()
                return note, Change(bumped.rev, "note_added", {"note": note, "pending": pending})
        except IntegrityError:  # a resend of a stored note (or a racing one from another process)
            with self.unit() as tx:
                row = self._row(tx, code)
                return self._resent(tx.get(NoteRow, (row.id, note_id)), text)

    @staticmethod
    def _refuse_write(db, code: str):
        state = db.execute(WORKSHOP_STATE, {"code": code}).one_or_none()
        raise Refusal("unknown_session" if state is None else "session_closed")

    @staticmethod
    def _resent(existing: NoteRow, text: str) -> tuple[Note, None]:
        if existing.text != text:
            raise Refusal("note_id_taken")
        return existing.to_note(), None

    @staticmethod
    def _pending(tx: Session, workshop_id: int) -> int:
        return tx.scalar(
            select(func.count())
            .select_from(NoteRow)
            .where(NoteRow.workshop_id == workshop_id, ~NoteRow.revealed, ~NoteRow.hidden)
        )

    def hide_note(self, code: str, note_id: str, secret: str | None = None) -> Change:
        """Take a note off every screen and out of the minutes: the facilitator's decision, or
        its writer's, who proves it with the note's own secret."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            note = tx.get(NoteRow, (row.id, note_id))
            if note is None or note.hidden:
                raise Refusal("unknown_note")
            if secret is not None and not (
                note.withdraw_digest
                and hmac.compare_digest(rules.withdraw_digest(secret), note.withdraw_digest)
            ):
                raise Refusal("not_your_note")
            note.hidden, note.withdraw_digest = True, None
            rev = self._bump(tx, row)
            return Change(
                rev, "note_hidden", {"note_id": note_id, "pending": self._pending(tx, row.id)}
            )

    def edit_note(self, code: str, note_id: str, text: str) -> Change:
        """Reword a note (after the review): its id, round, theme and votes stay."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            note = tx.get(NoteRow, (row.id, note_id))
            if note is None or note.hidden:
                raise Refusal("unknown_note")
            note.text = text
            rev = self._bump(tx, row)
            data = {"note": note.to_note(), "pending": self._pending(tx, row.id)}
            return Change(rev, "note_changed", data)

    def set_phase(self, code: str, phase_id: str) -> Change:
        """Move the workshop to one of its kit's phases."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            kit = _kit(row)
            if kit.phase(phase_id) is None:
                raise Refusal("unknown_phase")
            row.phase = phase_id
            _set_timer(row, Timer.for_phase(kit.phase(phase_id)))
            revealed = self._follow_kit_hold(tx, row, kit.phase(phase_id))
            rev = self._bump(tx, row)
            data = {
                "phase": phase_id,
                "in_view": rules.phase_in_view(kit, phase_id),
                "hold": row.hold,
                "notes": revealed,
                "timer": _timer(row),
            }
            if kit.phase(phase_id).kind == "vote":  # phones get what to vote on with the phase
                data["ballot"] = tuple(self._ballot(tx, row, phase_id))
                data["voters"] = self._voters(tx, row.id, phase_id)
            return Change(rev, "phase_changed", data)

    def set_timer(self, code: str, action: str, minutes: int = 0) -> Change:
        """Start, pause, extend or reset the current phase's timer."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            if action == "reset":
                timer = Timer.for_phase(_kit(row).phase(row.phase))
            else:
                timer = _timer(row).apply(action, time.time(), minutes)
            _set_timer(row, timer)
            return Change(self._bump(tx, row), "timer_changed", {"timer": timer})

    def set_volunteer(self, code: str, token: str, volunteer: bool) -> Change | None:
        """A phone steps forward as a rapporteur, or back; only the count ever leaves here."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            digest = rules.digest(self.secret_key, token)
            participant = tx.scalars(
                select(ParticipantRow).where(
                    ParticipantRow.workshop_id == row.id, ParticipantRow.token_digest == digest
                )
            ).one()
            if participant.volunteer == volunteer:
                return None  # a double tap or a resend: nothing changes
            participant.volunteer = volunteer
            tx.flush()
            count = self._volunteers(tx, row.id)
            return Change(self._bump(tx, row), "volunteers_changed", {"volunteers": count})

    def _follow_kit_hold(self, tx: Session, row: WorkshopRow, phase) -> tuple[Note, ...]:
        """Each phase sets the hold its kit asks for; ending a hold reveals what it held.

        Only a notes phase can hold: grouping, votes and the grid work on the notes in view.
        """
        hold = phase.hold and phase.kind == "notes"
        if row.hold == hold:
            return ()
        row.hold = hold
        return () if hold else self._reveal(tx, row.id)

    def set_blank(self, code: str, blank: bool) -> Change:
        """Blank the projector, or show it again; allowed after the close too."""
        with self._write() as tx:
            row = self._row(tx, code, for_write=True)
            row.blank = blank
            return Change(self._bump(tx, row), "board_blanked", {"blank": blank})

    def set_hold(self, code: str, hold: bool) -> Change:
        """Hold new notes back from the board, or stop holding and reveal the held ones."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            row.hold = hold
            revealed = () if hold else self._reveal(tx, row.id)
            rev = self._bump(tx, row)
            return Change(rev, "hold_changed", {"hold": hold, "notes": revealed})

    def reveal(self, code: str) -> Change:
        """Send every held note to the board at once."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            revealed = self._reveal(tx, row.id)
            return Change(self._bump(tx, row), "notes_revealed", {"notes": revealed})

    @staticmethod
    def _reveal(tx: Session, workshop_id: int) -> tuple[Note, ...]:
        held = tx.scalars(
            select(NoteRow)
            .where(NoteRow.workshop_id == workshop_id, ~NoteRow.revealed, ~NoteRow.hidden)
            .order_by(NoteRow.sort_key, NoteRow.id)
        ).all()
        for note in held:
            note.revealed = True
        return tuple(n.to_note() for n in held)

    def purge(self, keep_days: int) -> int:
        """Delete every session opened more than `keep_days` days ago, with all it holds;
        return how many. The host's retention period: 0 keeps everything."""
        if keep_days <= 0:
            return 0
        cutoff = rules.today() - datetime.timedelta(days=keep_days)
        with self._write() as tx:
            return tx.execute(delete(WorkshopRow).where(WorkshopRow.opened_on < cutoff)).rowcount

    def close(self, code: str) -> Change:
        """Stop all writing. Keep each vote's totals and the number who took part; forget
        every phone, so that nothing is left that ties anything to one participant."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            self._forget_voters(tx, row)
            row.took_part = tx.scalar(
                select(func.count())
                .select_from(ParticipantRow)
                .where(ParticipantRow.workshop_id == row.id)
            )
            tx.execute(delete(ParticipantRow).where(ParticipantRow.workshop_id == row.id))
            tx.execute(
                update(NoteRow).where(NoteRow.workshop_id == row.id).values(withdraw_digest=None)
            )
            row.closed, row.hold = True, False
            revealed = self._reveal(tx, row.id)
            _set_timer(row, Timer(0))
            return Change(self._bump(tx, row), "session_closed", {"notes": revealed})
