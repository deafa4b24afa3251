"""The database tables (SQLAlchemy 2 typed models) and the engine settings.

No table has a column for an author, an address, a browser or a time finer than the day.
"""

import datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    literal,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .workshop import Note


class Base(DeclarativeBase):
    pass


class WorkshopRow(Base):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kit_id: Mapped[str] = mapped_column(String(100))
    kit_json: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(String(100))
    hold: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    timer_left: Mapped[int] = mapped_column(Integer, default=0)
    timer_ends_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    took_part: Mapped[int | None] = mapped_column(Integer, nullable=True)  # counted at close
    # What the projector shows of the grid: one table (or all, None), one row (or all, None).
    grid_table: Mapped[str | None] = mapped_column(String(36), nullable=True)
    grid_row: Mapped[str | None] = mapped_column(String(36), nullable=True)
    key_digest: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[datetime.date] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    blank: Mapped[bool] = mapped_column(Boolean, default=False)  # the projector shows nothing
    # What an earlier session left to this one (`follows`): a JSON copy, so that the story
    # survives the earlier session's deletion. See `followup.py`.
    story_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class ParticipantRow(Base):
    """A phone's keyed token hash, for its identity across reconnections; linked to no note."""

    __tablename__ = "participants"
    __table_args__ = (Index("ix_participants_workshop", "workshop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    volunteer: Mapped[bool] = mapped_column(Boolean, default=False)


class NoteRow(Base):
    __tablename__ = "notes"
    # Each note counts the held ones (store_core.PENDING_NOTES): without this index the count
    # read every note of the workshop, 1 ms at 4,000 notes, and a burst grew quadratic.
    __table_args__ = (Index("ix_notes_pending", "workshop_id", "revealed", "hidden"),)

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    sort_key: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(100))
    lane: Mapped[str | None] = mapped_column(String(100), nullable=True)
    theme_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    revealed: Mapped[bool] = mapped_column(Boolean, default=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # A hash of a secret only the writing phone knows, drawn afresh for every note: the proof
    # that lets it withdraw the note, and that no two notes share. Cleared at the close.
    withdraw_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def to_note(self) -> Note:
        """The domain value: what views may show of it."""
        return Note(
            self.id,
            self.text,
            self.sort_key,
            self.phase,
            self.lane,
            self.revealed,
            self.hidden,
            self.theme_id,
        )


def engine_for(url: str):
    """An engine with the settings each backend needs to be safe under many writers."""
    if url.startswith("postgres://"):  # PaaS spelling; SQLAlchemy only knows postgresql://
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        # A file on this machine does not drop connections: no ping before each use.
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)  # a restarted server drops pooled connections


def add_missing_columns(engine) -> None:
    """Add to existing tables the columns and indexes the models gained since, with defaults.

    Enough while every schema change only adds nullable or defaulted columns; the first change
    that is not additive needs a real migration tool (Alembic, with `render_as_batch` on SQLite).
    """
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    connection.execute(text(_add_column(engine, table.name, column)))
            for index in table.indexes:  # create_all adds indexes to new tables only
                index.create(connection, checkfirst=True)


def _add_column(engine, table: str, column) -> str:
    kind = column.type.compile(engine.dialect)
    ddl = f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}"
    if column.default is not None and column.default.is_scalar:
        value = literal(column.default.arg, column.type)
        ddl += " DEFAULT " + str(
            value.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        )
    return ddl


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the writer; NORMAL sync survives a killed process.
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "busy_timeout=5000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class ThemeRow(Base):
    """A theme the facilitator made from notes of one round."""

    __tablename__ = "themes"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phase: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[int] = mapped_column(Integer)


class DotRow(Base):
    """One dot, while a vote is open: the budget needs its owner. Deleted when the session
    closes, leaving only the totals in `vote_rounds`."""

    __tablename__ = "dots"
    __table_args__ = (Index("ix_dots_voter", "workshop_id", "phase", "participant_id"),)

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phase: Mapped[str] = mapped_column(String(100))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(50))


class VoteRoundRow(Base):
    """A vote phase once revealed: its ranking with the totals per item, and no voter."""

    __tablename__ = "vote_rounds"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    phase: Mapped[str] = mapped_column(String(100), primary_key=True)
    revealed: Mapped[bool] = mapped_column(Boolean, default=True)
    voters: Mapped[int] = mapped_column(Integer)
    ranking_json: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    """The COPIL's decision on one of the group's priorities, kept apart from the ranking."""

    __tablename__ = "decisions"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(50), primary_key=True)
    decision: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class TableRow(Base):
    """A table (sub-group) of a phase: from the kit, or named by the facilitator."""

    __tablename__ = "grid_tables"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    phase: Mapped[str] = mapped_column(String(100), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class GridRowRow(Base):
    """A row of the analysis grid: one typical work situation, at one table."""

    __tablename__ = "grid_rows"
    __table_args__ = (Index("ix_grid_rows_table", "workshop_id", "phase", "table_id"),)

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phase: Mapped[str] = mapped_column(String(100))
    table_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    position: Mapped[int] = mapped_column(Integer)


class ContributionRow(Base):
    """One contribution in a cell: a cell is a list of them, so no write overwrites another."""

    __tablename__ = "grid_contributions"
    __table_args__ = (Index("ix_contributions_cell", "workshop_id", "row_id", "column"),)

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36))
    column: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    tag: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ActionRow(Base):
    """A line of the action plan, carried by a function or a group."""

    __tablename__ = "actions"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(300), nullable=True)


class RecordRow(Base):
    """A disagreement, an unresolved question or intersession work, for the minutes."""

    __tablename__ = "records"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
