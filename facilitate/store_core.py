"""The store's hot paths in SQLAlchemy Core: one statement per step, compiled once.

At a thousand phones the ORM's unit of work cost more than the database itself: a note took
2.6 ms in-process through the ORM and 0.6 ms through these (docs/performance.md). The other,
rarer writes stay in the ORM, clearer to read.
"""

import json
from functools import lru_cache

from sqlalchemy import bindparam, case, delete, distinct, false, func, insert, select, update

from .kits import Kit
from .models import (
    ContributionRow,
    DotRow,
    GridRowRow,
    NoteRow,
    ParticipantRow,
    TableRow,
    ThemeRow,
    VoteRoundRow,
    WorkshopRow,
)


@lru_cache(maxsize=256)
def kit_from_json(kit_json: str) -> Kit:
    """A workshop's kit is written once, at the opening, and never changes: parse it once."""
    return Kit.from_dict(json.loads(kit_json))


WORKSHOPS, NOTES = WorkshopRow.__table__, NoteRow.__table__
PARTICIPANTS = ParticipantRow.__table__
# Takes the next revision and, in PostgreSQL, the workshop's row lock, in one round trip.
BUMP_OPEN_WORKSHOP = (
    update(WORKSHOPS)
    .where(WORKSHOPS.c.code == bindparam("session_code"), WORKSHOPS.c.closed == false())
    .values(rev=WORKSHOPS.c.rev + 1)
    .returning(
        WORKSHOPS.c.id, WORKSHOPS.c.rev, WORKSHOPS.c.phase, WORKSHOPS.c.hold, WORKSHOPS.c.kit_json
    )
)
WORKSHOP_STATE = select(
    WORKSHOPS.c.id, WORKSHOPS.c.closed, WORKSHOPS.c.kit_json, WORKSHOPS.c.phase, WORKSHOPS.c.rev
).where(WORKSHOPS.c.code == bindparam("code"))
INSERT_NOTE = insert(NOTES)
PENDING_NOTES = (
    select(func.count())
    .select_from(NOTES)
    .where(
        NOTES.c.workshop_id == bindparam("workshop_id"),
        NOTES.c.revealed == false(),
        NOTES.c.hidden == false(),
    )
)

TABLES, GRID_ROWS = TableRow.__table__, GridRowRow.__table__
CONTRIBUTIONS = ContributionRow.__table__
# How many tables the phase has, and whether `table_id` is one of them, in one round trip.
PHASE_TABLES = select(
    func.count(), func.count(case((TABLES.c.id == bindparam("table_id"), 1)))
).where(TABLES.c.workshop_id == bindparam("workshop_id"), TABLES.c.phase == bindparam("phase"))
# A grid row, and how many contributions its cell `cell_column` already holds.
GRID_ROW_AND_CELL = select(
    GRID_ROWS.c.phase,
    GRID_ROWS.c.table_id,
    GRID_ROWS.c.position,
    select(func.count())
    .where(
        CONTRIBUTIONS.c.workshop_id == GRID_ROWS.c.workshop_id,
        CONTRIBUTIONS.c.row_id == GRID_ROWS.c.id,
        CONTRIBUTIONS.c.column == bindparam("cell_column"),
    )
    .scalar_subquery()
    .label("in_cell"),
).where(GRID_ROWS.c.workshop_id == bindparam("workshop_id"), GRID_ROWS.c.id == bindparam("row_id"))
GRID_ROWS_AT_TABLE = select(func.count()).where(
    GRID_ROWS.c.workshop_id == bindparam("workshop_id"),
    GRID_ROWS.c.phase == bindparam("phase"),
    GRID_ROWS.c.table_id.is_not_distinct_from(bindparam("table_id")),
)
INSERT_GRID_ROW = insert(GRID_ROWS)
INSERT_CONTRIBUTION = insert(CONTRIBUTIONS)

DOTS = DotRow.__table__
PARTICIPANT = select(PARTICIPANTS.c.id, PARTICIPANTS.c.volunteer).where(
    PARTICIPANTS.c.workshop_id == bindparam("workshop_id"),
    PARTICIPANTS.c.token_digest == bindparam("digest"),
)
INSERT_PARTICIPANT = insert(PARTICIPANTS)
DOTS_OF_PARTICIPANT = select(DOTS.c.id, DOTS.c.target).where(
    DOTS.c.workshop_id == bindparam("workshop_id"),
    DOTS.c.phase == bindparam("phase"),
    DOTS.c.participant_id == bindparam("participant_id"),
)
WORKSHOP_REV = select(WORKSHOPS.c.rev).where(WORKSHOPS.c.code == bindparam("code"))

THEMES, VOTE_ROUNDS = ThemeRow.__table__, VoteRoundRow.__table__
# A dot's seat in one round trip: the workshop, whether its current vote is revealed, and the
# phone's participant id. In PostgreSQL it locks both rows, so that a dot never races a reveal
# and two tabs of one phone racing still share one budget.
VOTE_SEAT = (
    select(
        WORKSHOPS.c.id,
        WORKSHOPS.c.closed,
        WORKSHOPS.c.kit_json,
        WORKSHOPS.c.phase,
        PARTICIPANTS.c.id.label("participant_id"),
        select(VOTE_ROUNDS.c.phase)
        .where(
            VOTE_ROUNDS.c.workshop_id == WORKSHOPS.c.id, VOTE_ROUNDS.c.phase == WORKSHOPS.c.phase
        )
        .exists()
        .label("revealed"),
    )
    .join_from(WORKSHOPS, PARTICIPANTS, PARTICIPANTS.c.workshop_id == WORKSHOPS.c.id)
    .where(
        WORKSHOPS.c.code == bindparam("code"),
        PARTICIPANTS.c.token_digest == bindparam("digest"),
    )
    .with_for_update(of=[WORKSHOPS, PARTICIPANTS])
)
THEME_COLUMNS = (THEMES.c.id, THEMES.c.title, THEMES.c.phase, THEMES.c.sort_key)
THEME_BY_ID = select(*THEME_COLUMNS).where(
    THEMES.c.workshop_id == bindparam("workshop_id"), THEMES.c.id == bindparam("item_id")
)
# A note's columns in the order of `workshop.Note`.
NOTE_COLUMNS = (
    NOTES.c.id,
    NOTES.c.text,
    NOTES.c.sort_key,
    NOTES.c.phase,
    NOTES.c.lane,
    NOTES.c.revealed,
    NOTES.c.hidden,
    NOTES.c.theme_id,
)
# A note on the ballot and, if it is grouped, its theme (null columns otherwise).
NOTE_AND_THEME = (
    select(*NOTE_COLUMNS, *THEME_COLUMNS)
    .select_from(
        NOTES.outerjoin(
            THEMES,
            (THEMES.c.workshop_id == NOTES.c.workshop_id) & (THEMES.c.id == NOTES.c.theme_id),
        )
    )
    .where(NOTES.c.workshop_id == bindparam("workshop_id"), NOTES.c.id == bindparam("item_id"))
)
INSERT_DOT = insert(DOTS)
DELETE_DOT = delete(DOTS).where(
    DOTS.c.workshop_id == bindparam("workshop_id"), DOTS.c.id == bindparam("dot_id")
)
VOTERS = select(func.count(distinct(DOTS.c.participant_id))).where(
    DOTS.c.workshop_id == bindparam("workshop_id"), DOTS.c.phase == bindparam("phase")
)
BUMP_REV = (
    update(WORKSHOPS)
    .where(WORKSHOPS.c.id == bindparam("workshop_id"))
    .values(rev=WORKSHOPS.c.rev + 1)
    .returning(WORKSHOPS.c.rev)
)
