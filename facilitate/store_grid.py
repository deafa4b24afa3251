"""Storage of the analysis grid: tables, rows, and contributions that never overwrite each other.

A mixin of `Store`: it shares its lock, its units of work and its revision counter.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import grid
from . import workshop as rules
from .errors import Refusal
from .grid import Contribution, GridRow, Table
from .models import ContributionRow, GridRowRow, NoteRow, TableRow, ThemeRow
from .store_core import (
    BUMP_OPEN_WORKSHOP,
    GRID_ROW_AND_CELL,
    GRID_ROWS_AT_TABLE,
    INSERT_CONTRIBUTION,
    INSERT_GRID_ROW,
    PHASE_TABLES,
    kit_from_json,
)
from .workshop import Change


def _table(row: TableRow) -> Table:
    return Table(row.id, row.name, row.phase, row.position)


def _grid_row(row: GridRowRow) -> GridRow:
    return GridRow(row.id, row.phase, row.table_id, row.position)


def _contribution(row: ContributionRow) -> Contribution:
    return Contribution(
        row.id, row.row_id, row.column, row.text, row.position, row.version, row.tag
    )


class GridStore:
    """Tables, grid rows and contributions; see `grid.py` for the rules."""

    def _seed_tables(self, tx: Session, workshop_id: int, kit) -> None:
        """The kit's tables, stored at opening so the facilitator can add and rename."""
        for phase in kit.phases:
            for position, (table_id, name) in enumerate(grid.kit_tables(phase)):
                tx.add(
                    TableRow(
                        workshop_id=workshop_id,
                        phase=phase.id,
                        id=table_id,
                        name=name,
                        position=position,
                    )
                )

    def add_table(self, code: str, table_id: str, name: str) -> Change:
        """A new table for the current phase."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            count = tx.scalar(
                select(func.count())
                .select_from(TableRow)
                .where(TableRow.workshop_id == row.id, TableRow.phase == row.phase)
            )
            tx.add(
                TableRow(
                    workshop_id=row.id, phase=row.phase, id=table_id, name=name, position=count
                )
            )
            return self._tables_changed(tx, row)

    def rename_table(self, code: str, table_id: str, name: str) -> Change:
        with self._write() as tx:
            row = self._open_row(tx, code)
            self._table_row(tx, row.id, row.phase, table_id).name = name
            return self._tables_changed(tx, row)

    @staticmethod
    def _table_row(tx: Session, workshop_id: int, phase: str, table_id: object) -> TableRow:
        found = (
            tx.get(TableRow, (workshop_id, phase, table_id)) if isinstance(table_id, str) else None
        )
        if found is None:
            raise Refusal("unknown_table")
        return found

    def _tables_changed(self, tx: Session, row) -> Change:
        tx.flush()
        return Change(self._bump(tx, row), "tables_changed", {"tables": self._tables(tx, row.id)})

    @staticmethod
    def _tables(tx: Session, workshop_id: int) -> tuple[Table, ...]:
        query = select(TableRow).where(TableRow.workshop_id == workshop_id)
        return tuple(_table(t) for t in tx.scalars(query.order_by(TableRow.position)))

    def add_contribution(
        self, code: str, cell: dict, text: str, contribution_id: str
    ) -> tuple[dict, Change | None]:
        """Add `text` to a cell (`cell`: phase?, group?, row, column); a resend adds nothing."""
        try:
            with self.lock, self.driver.begin() as db:
                bumped = db.execute(BUMP_OPEN_WORKSHOP, {"session_code": code}).one_or_none()
                if bumped is None:
                    self._refuse_write(db, code)
                return self._contribute(db, bumped, cell, text, contribution_id)
        except IntegrityError:  # a resend of a stored contribution
            with self.unit() as tx:
                row = self._row(tx, code)
                existing = tx.get(ContributionRow, (row.id, contribution_id))
                if existing is None or existing.text != text:
                    raise Refusal("note_id_taken") from None
                return {"row": existing.row_id, "id": existing.id}, None

    def _contribute(self, db, bumped, cell: dict, text: str, contribution_id: str):
        workshop_id = bumped.id
        phase = grid.grid_phase(kit_from_json(bumped.kit_json), bumped.phase, cell.get("phase"))
        column = grid.check_column(phase, cell.get("column"))
        table = self._cell_table(db, workshop_id, phase.id, cell.get("group"))
        grid_row, in_cell = self._cell_row(
            db, workshop_id, phase.id, table, cell.get("row"), column
        )
        added = Contribution(contribution_id, grid_row.id, column, text, in_cell, 1)
        db.execute(
            INSERT_CONTRIBUTION,
            {
                "workshop_id": workshop_id,
                "id": added.id,
                "row_id": added.row,
                "column": added.column,
                "text": added.text,
                "position": added.position,
                "version": added.version,
            },
        )
        data = {"contribution": added, "row": grid_row if cell.get("row") is None else None}
        data["phase"], data["table"] = phase.id, table  # where it goes: see push.py
        return {"row": grid_row.id, "id": added.id}, Change(bumped.rev, "grid_added", data)

    @staticmethod
    def _cell_table(db, workshop_id: int, phase: str, group: object) -> str | None:
        named = group if isinstance(group, str) else None
        at = {"workshop_id": workshop_id, "phase": phase, "table_id": named}
        tables, found = db.execute(PHASE_TABLES, at).one()
        if not tables and group is None:  # a grid without tables
            return None
        if not found:
            raise Refusal("unknown_table")
        return group

    @staticmethod
    def _cell_row(
        db, workshop_id: int, phase: str, table, row_id: object, column: str
    ) -> tuple[GridRow, int]:
        """The row a contribution goes to, and how many its cell already holds."""
        if row_id is None:
            if column != "situation":  # a row starts from its work situation
                raise Refusal("unknown_row")
            at = {"workshop_id": workshop_id, "phase": phase, "table_id": table}
            position = db.execute(GRID_ROWS_AT_TABLE, at).scalar_one()
            new = GridRow(rules.clean_note_id(None), phase, table, position)
            db.execute(INSERT_GRID_ROW, {**at, "id": new.id, "position": position})
            return new, 0  # a new row's cells are empty
        at = {"workshop_id": workshop_id, "row_id": row_id, "cell_column": column}
        found = db.execute(GRID_ROW_AND_CELL, at).first() if isinstance(row_id, str) else None
        if found is None or found.phase != phase or found.table_id != table:
            raise Refusal("unknown_row")
        return GridRow(row_id, found.phase, found.table_id, found.position), found.in_cell

    def edit_contribution(self, code: str, contribution_id: str, text: str, version: int) -> Change:
        """The facilitator rewords a contribution; refused if it changed since they read it."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = self._contribution_row(tx, row.id, contribution_id)
            if found.version != version:
                raise Refusal("edit_conflict")
            found.text, found.version = text, found.version + 1
            return self._contribution_changed(tx, row, found)

    def tag_contribution(self, code: str, contribution_id: str, tag: object) -> Change:
        """Mark an effect as bearing on health, the team or performance (or on nothing)."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = self._contribution_row(tx, row.id, contribution_id)
            found.tag = grid.check_tag(found.column, tag)
            found.version += 1
            return self._contribution_changed(tx, row, found)

    @staticmethod
    def _contribution_row(tx: Session, workshop_id: int, contribution_id: object):
        found = (
            tx.get(ContributionRow, (workshop_id, contribution_id))
            if isinstance(contribution_id, str)
            else None
        )
        if found is None:
            raise Refusal("unknown_contribution")
        return found

    def _contribution_changed(self, tx: Session, row, found: ContributionRow) -> Change:
        tx.flush()
        grid_row = tx.get(GridRowRow, (row.id, found.row_id))
        data = {
            "contribution": _contribution(found),
            "phase": grid_row.phase,
            "table": grid_row.table_id,  # where it goes: see push.py
        }
        return Change(self._bump(tx, row), "grid_changed", data)

    def reorder_contribution(self, code: str, contribution_id: str, position: int) -> Change:
        """Move a contribution to `position` within its cell."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            moved = self._contribution_row(tx, row.id, contribution_id)
            cell = self._cell(tx, row.id, moved.row_id, moved.column)
            self._renumber(cell, moved, position)
            return self._grid_replaced(tx, row, tx.get(GridRowRow, (row.id, moved.row_id)))

    def merge_contribution(self, code: str, contribution_id: str, into: str) -> Change:
        """Join one contribution's text to another of the same cell; nothing of either is lost."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            gone = self._contribution_row(tx, row.id, contribution_id)
            kept = self._contribution_row(tx, row.id, into)
            if gone.id == kept.id or (gone.row_id, gone.column) != (kept.row_id, kept.column):
                raise Refusal("invalid_payload")
            kept.text, kept.version = f"{kept.text}\n{gone.text}", kept.version + 1
            tx.delete(gone)
            tx.flush()
            self._renumber(self._cell(tx, row.id, kept.row_id, kept.column), kept, kept.position)
            return self._grid_replaced(tx, row, tx.get(GridRowRow, (row.id, kept.row_id)))

    def merge_row(self, code: str, row_id: str, into: str) -> Change:
        """Pour one row's contributions into another row of the same table, and drop the first.

        Two tables' rows never merge: each table keeps its own grid."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            gone, kept = (
                self._grid_row_row(tx, row.id, row_id),
                self._grid_row_row(tx, row.id, into),
            )
            if gone.id == kept.id or (gone.phase, gone.table_id) != (kept.phase, kept.table_id):
                raise Refusal("invalid_payload")
            moved = tx.scalars(
                select(ContributionRow).where(
                    ContributionRow.workshop_id == row.id, ContributionRow.row_id == gone.id
                )
            ).all()
            for contribution in moved:
                cell = self._cell(tx, row.id, kept.id, contribution.column)
                contribution.row_id, contribution.position = kept.id, len(cell)
                tx.flush()
            tx.delete(gone)
            return self._grid_replaced(tx, row, kept)

    @staticmethod
    def _grid_row_row(tx: Session, workshop_id: int, row_id: object) -> GridRowRow:
        found = tx.get(GridRowRow, (workshop_id, row_id)) if isinstance(row_id, str) else None
        if found is None:
            raise Refusal("unknown_row")
        return found

    def reorder_row(self, code: str, row_id: str, position: int) -> Change:
        """Move a row to `position` within its table's grid."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = self._grid_row_row(tx, row.id, row_id)
            siblings = tx.scalars(
                select(GridRowRow)
                .where(
                    GridRowRow.workshop_id == row.id,
                    GridRowRow.phase == found.phase,
                    GridRowRow.table_id == found.table_id
                    if found.table_id is not None
                    else GridRowRow.table_id.is_(None),
                )
                .order_by(GridRowRow.position)
            ).all()
            self._renumber(siblings, found, position)
            return self._grid_replaced(tx, row, found)

    @staticmethod
    def _cell(tx: Session, workshop_id: int, row_id: str, column: str) -> list:
        return tx.scalars(
            select(ContributionRow)
            .where(
                ContributionRow.workshop_id == workshop_id,
                ContributionRow.row_id == row_id,
                ContributionRow.column == column,
            )
            .order_by(ContributionRow.position)
        ).all()

    @staticmethod
    def _renumber(items: list, moved, position: int) -> None:
        """Positions 0..n-1 with `moved` at `position` (clamped to the list)."""
        others = [item for item in items if item is not moved]
        others.insert(max(0, min(position, len(others))), moved)
        for index, item in enumerate(others):
            item.position = index

    def _grid_replaced(self, tx: Session, row, where: GridRowRow) -> Change:
        """The whole grid, after a change within the grid of one table (`where`'s)."""
        tx.flush()
        grid_state = self._grid_state(tx, row)
        data = {"rows": grid_state["grid_rows"], "contributions": grid_state["contributions"]}
        data["phase"], data["table"] = where.phase, where.table_id  # who refreshes: see push.py
        return Change(self._bump(tx, row), "grid_replaced", data)

    def import_text(self, code: str, target: str) -> str:
        """The text of a note or theme, to carry into the grid."""
        kind, _, ident = target.partition(":")
        with self.unit() as tx:
            row = self._row(tx, code)
            found = tx.get(NoteRow if kind == "note" else ThemeRow, (row.id, ident))
            if found is None or getattr(found, "hidden", False):
                raise Refusal("unknown_item")
            return found.text if kind == "note" else found.title

    def set_grid_view(self, code: str, table: object, grid_row: object) -> Change:
        """What the projector shows of the grid: one table or all, one row or the whole."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            if table is not None:
                self._table_row(tx, row.id, row.phase, table)
            if grid_row is not None and (
                not isinstance(grid_row, str) or tx.get(GridRowRow, (row.id, grid_row)) is None
            ):
                raise Refusal("unknown_row")
            row.grid_table, row.grid_row = table, grid_row
            data = {"table": table, "row": grid_row}
            return Change(self._bump(tx, row), "grid_view_changed", data)

    def _grid_state(self, tx: Session, row) -> dict:
        """What a snapshot needs of the grid."""
        rows = tx.scalars(
            select(GridRowRow).where(GridRowRow.workshop_id == row.id).order_by(GridRowRow.position)
        )
        cells = tx.scalars(
            select(ContributionRow)
            .where(ContributionRow.workshop_id == row.id)
            .order_by(ContributionRow.row_id, ContributionRow.column, ContributionRow.position)
        )
        return {
            "tables": self._tables(tx, row.id),
            "grid_rows": tuple(_grid_row(r) for r in rows),
            "contributions": tuple(_contribution(c) for c in cells),
            "grid_view": {"table": row.grid_table, "row": row.grid_row},
        }
