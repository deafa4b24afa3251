"""Storage of the action plan and the records the minutes keep, and of publishing.

A mixin of `Store`: it shares its lock, its units of work and its revision counter.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import plan
from .errors import Refusal
from .models import ActionRow, RecordRow
from .plan import Action, Record
from .workshop import Change


def _action(row: ActionRow) -> Action:
    return Action(
        row.id, row.what, row.owner, row.due, row.status, row.indicator, row.position, row.origin
    )


def _record(row: RecordRow) -> Record:
    return Record(row.id, row.kind, row.text, row.position)


class PlanStore:
    """Actions, records and the minutes' publication; see `plan.py` for the rules."""

    def save_action(self, code: str, action_id: str, payload: dict) -> tuple[Action, Change]:
        """Write a new action, or update the fields the payload names of an existing one."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = tx.get(ActionRow, (row.id, action_id))
            fields = plan.action_fields(payload, creating=found is None)
            if found is None:
                found = ActionRow(
                    workshop_id=row.id,
                    id=action_id,
                    position=self._next_position(tx, ActionRow, row.id),
                    **{"due": "", "indicator": "", **fields},
                )
                tx.add(found)
            else:
                for name, value in fields.items():
                    setattr(found, name, value)
            tx.flush()
            return _action(found), self._actions_changed(tx, row)

    def delete_action(self, code: str, action_id: str) -> Change:
        """Take an action off the plan."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = tx.get(ActionRow, (row.id, action_id))
            if found is None:
                raise Refusal("unknown_action")
            tx.delete(found)
            tx.flush()
            return self._actions_changed(tx, row)

    def save_record(self, code: str, record_id: str, kind: object, text: str) -> Change:
        """Write a new record of `kind`, or reword an existing one (its kind stays)."""
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = tx.get(RecordRow, (row.id, record_id))
            if found is None:
                position = self._next_position(tx, RecordRow, row.id)
                kind = plan.clean_kind(kind)
                tx.add(
                    RecordRow(
                        workshop_id=row.id, id=record_id, kind=kind, text=text, position=position
                    )
                )
            else:
                found.text = text
            tx.flush()
            return self._records_changed(tx, row)

    def delete_record(self, code: str, record_id: str) -> Change:
        with self._write() as tx:
            row = self._open_row(tx, code)
            found = tx.get(RecordRow, (row.id, record_id))
            if found is None:
                raise Refusal("unknown_record")
            tx.delete(found)
            tx.flush()
            return self._records_changed(tx, row)

    def set_published(self, code: str, published: bool) -> Change:
        """Make the minutes readable without the key, or withdraw them; only once closed, so
        that what people read is final."""
        with self._write() as tx:
            row = self._row(tx, code, for_write=True)
            if not row.closed:
                raise Refusal("not_closed")
            row.published = published
            return Change(
                self._bump(tx, row), "minutes_published", {"published": published, "code": code}
            )

    def is_published(self, code: str) -> bool:
        with self.unit() as tx:
            return self._row(tx, code).published

    @staticmethod
    def _next_position(tx: Session, table, workshop_id: int) -> int:
        last = tx.scalar(select(func.max(table.position)).where(table.workshop_id == workshop_id))
        return 0 if last is None else last + 1

    def _actions_changed(self, tx: Session, row) -> Change:
        actions = self._actions(tx, row.id)
        return Change(self._bump(tx, row), "actions_changed", {"actions": actions})

    def _records_changed(self, tx: Session, row) -> Change:
        records = self._records(tx, row.id)
        return Change(self._bump(tx, row), "records_changed", {"records": records})

    @staticmethod
    def _actions(tx: Session, workshop_id: int) -> tuple[Action, ...]:
        query = select(ActionRow).where(ActionRow.workshop_id == workshop_id)
        return tuple(_action(a) for a in tx.scalars(query.order_by(ActionRow.position)))

    @staticmethod
    def _records(tx: Session, workshop_id: int) -> tuple[Record, ...]:
        query = select(RecordRow).where(RecordRow.workshop_id == workshop_id)
        return tuple(_record(r) for r in tx.scalars(query.order_by(RecordRow.position)))

    @staticmethod
    def _carry_actions(tx: Session, workshop_id: int, actions: list[Action]) -> None:
        """At opening: the followed session's open actions become this one's."""
        for a in actions:
            tx.add(
                ActionRow(
                    workshop_id=workshop_id,
                    id=a.id,
                    what=a.what,
                    owner=a.owner,
                    due=a.due,
                    status=a.status,
                    indicator=a.indicator,
                    position=a.position,
                    origin=a.origin,
                )
            )

    def _plan_state(self, tx: Session, row) -> dict:
        """What a snapshot needs of the plan."""
        return {"actions": self._actions(tx, row.id), "records": self._records(tx, row.id)}
