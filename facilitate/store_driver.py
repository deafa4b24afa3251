"""The hot paths' statements, compiled once and run on the database driver's own connection.

A note, a dot, a grid cell and a join run a handful of statements each, thousands of times a
second in a storm. SQLAlchemy's execution around each (its context, events, result objects)
cost more CPU than SQLite's own work: a dot took 0.33 to 0.43 ms of CPU in the store through
it, 0.16 ms this way (docs/performance.md). The statements stay SQLAlchemy Core, written once in
`store_core.py` and compiled by SQLAlchemy for the engine's dialect; only the running is direct.

The values passed are str, int, bool and None, which sqlite3 and psycopg both take as they are
(checked when a statement is compiled); booleans read back from SQLite are made bools again.
"""

from collections import namedtuple
from contextlib import contextmanager

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql.expression import Insert
from sqlalchemy.types import NullType

# The types whose Python values both drivers bind without SQLAlchemy's help.
PLAIN_TYPES = (Boolean, Integer, String, NullType)


class Rows(list):
    """A statement's rows, with the few accessors of SQLAlchemy's `Result` the store uses."""

    def all(self) -> list:
        return self

    def first(self):
        return self[0] if self else None

    def one_or_none(self):
        if len(self) > 1:
            raise MultipleResultsFound("more than one row")
        return self.first()

    def one(self):
        if not self:
            raise NoResultFound("no row")
        return self.one_or_none()

    def scalar(self):
        return self[0][0] if self else None

    def scalar_one(self):
        return self.one()[0]


class Prepared:
    """One statement compiled for one dialect, with how to pass its values and read its rows."""

    def __init__(self, statement, dialect, keys: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        for name, bind in compiled.binds.items():
            if not isinstance(bind.type, PLAIN_TYPES):
                raise TypeError(f"{name}: {bind.type!r} needs SQLAlchemy's own execution")
        self.compiled, self.sql = compiled, compiled.string
        self.order = compiled.positiontup  # the parameters' order for qmark (SQLite); else None
        # What it RETURNs (in PostgreSQL an INSERT also returns its new key), or a select's.
        columns = list(compiled.returning or statement.exported_columns)
        self.row = namedtuple("Row", [c.key or f"c{i}" for i, c in enumerate(columns)], rename=True)
        self.booleans = [i for i, c in enumerate(columns) if isinstance(c.type, Boolean)]
        self.returns_rows = bool(compiled.returning) or getattr(statement, "is_select", False)

    def parameters(self, values: dict):
        params = self.compiled.construct_params(values)  # adds the literal ones (rev + 1)
        return params if self.order is None else [params[name] for name in self.order]

    def rows(self, fetched: list[tuple]) -> Rows:
        if self.booleans:
            fetched = [_with_bools(row, self.booleans) for row in fetched]
        return Rows(self.row._make(row) for row in fetched)


def _with_bools(row: tuple, booleans: list[int]) -> list:
    row = list(row)
    for i in booleans:
        if row[i] is not None:
            row[i] = bool(row[i])
    return row


class Driver:
    """Runs `store_core`'s statements on pooled driver connections, one transaction a block."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.dbapi = engine.dialect.loaded_dbapi
        self._prepared: dict[tuple, Prepared] = {}  # module-level statements only: bounded
        self.sqlite = engine.dialect.name == "sqlite"  # one writer at a time; else PostgreSQL
        # How the driver's connection is told to commit each statement (sqlite3 of Python 3.11
        # has no `autocommit` attribute; psycopg's `isolation_level` is another thing).
        self._autocommit = ("isolation_level", None) if self.sqlite else ("autocommit", True)

    @contextmanager
    def begin(self):
        """A transaction, committed when the block ends without an exception."""
        raw = self.engine.raw_connection()  # the pool's: pings and pragmas apply as usual
        try:
            yield Connection(self, raw)
            try:
                raw.commit()
            except self.dbapi.Error as error:  # as SQLAlchemy would raise it
                raise DBAPIError.instance("COMMIT", None, error, self.dbapi.Error) from error
        except BaseException:
            self._roll_back(raw)
            raise
        finally:
            raw.close()

    def _roll_back(self, raw) -> None:
        if raw.dbapi_connection is None:  # invalidated: nothing left to roll back
            return
        try:
            raw.rollback()
        except self.dbapi.Error as error:  # a dead connection: the pool replaces it
            raw.invalidate(error)

    @contextmanager
    def connect(self):
        """A block whose statements each commit on their own: reads, or one write that needs no
        other. In PostgreSQL that spares the round trips of BEGIN and COMMIT (each statement
        still sees what was committed when it started, as in a transaction at READ COMMITTED);
        in SQLite, a write outside a transaction commits at once."""
        raw = self.engine.raw_connection()
        driver_connection = raw.dbapi_connection
        name, on = self._autocommit
        was = getattr(driver_connection, name)
        try:
            setattr(driver_connection, name, on)
            yield Connection(self, raw)
        finally:
            try:
                setattr(driver_connection, name, was)
            except self.dbapi.Error as error:  # a dead connection: the pool replaces it
                raw.invalidate(error)
            raw.close()

    def prepared(self, statement, values: dict) -> Prepared:
        keys = tuple(values) if isinstance(statement, Insert) else ()
        key = (id(statement), keys)
        found = self._prepared.get(key)
        if found is None:
            found = self._prepared[key] = Prepared(statement, self.engine.dialect, keys)
        return found


class Connection:
    """What a block of the store sees: `execute(statement, values)` and its rows."""

    def __init__(self, driver: Driver, raw) -> None:
        self.driver, self.raw = driver, raw

    def execute(self, statement, values: dict) -> Rows:
        prepared = self.driver.prepared(statement, values)
        params = prepared.parameters(values)
        cursor = self.raw.cursor()
        try:
            cursor.execute(prepared.sql, params)
            return prepared.rows(cursor.fetchall() if prepared.returns_rows else [])
        except self.driver.dbapi.Error as error:
            if self.driver.engine.dialect.is_disconnect(error, self.raw.dbapi_connection, cursor):
                self.raw.invalidate(error)  # the pool opens a new one next time
            # The same exceptions as SQLAlchemy's own execution: IntegrityError for a resend.
            raise DBAPIError.instance(
                prepared.sql, params, error, self.driver.dbapi.Error
            ) from error
        finally:
            cursor.close()
