"""The analysis grid ("grille d'analyse"): rows of work situations, cells of contributions.

Pure rules. The six column keys are fixed names in the protocol and the minutes, whatever a kit
displays. A cell is a list of contributions: many phones writing into one cell all survive.
"""

from dataclasses import dataclass

from .errors import Refusal
from .kits import GRID_COLUMNS, Kit, Phase

EFFECT_TAGS = ("sante", "collectif", "performance")  # effects on health, the team, performance


@dataclass(frozen=True)
class Table:
    id: str
    name: str
    phase: str
    position: int


@dataclass(frozen=True)
class Contribution:
    id: str
    row: str
    column: str
    text: str
    position: int
    version: int = 1
    tag: str | None = None


@dataclass(frozen=True)
class GridRow:
    id: str
    phase: str
    table: str | None
    position: int


def grid_phase(kit: Kit, current: str, phase: object) -> Phase:
    """The grid phase a write is for: the one it names (a late write), else the current one."""
    phase_id = current if phase is None else phase
    found = kit.phase(phase_id) if isinstance(phase_id, str) else None
    if found is None:
        raise Refusal("unknown_phase")
    if found.kind != "grid":
        raise Refusal("not_a_grid")
    return found


def check_column(phase: Phase, column: object) -> str:
    """A column key of this grid phase."""
    if not isinstance(column, str) or column not in (phase.columns or GRID_COLUMNS):
        raise Refusal("unknown_column")
    return column


def check_tag(column: str, tag: object) -> str | None:
    """An effect's family (health, team, performance), only on the `effets` column."""
    if tag is None:
        return None
    if column != "effets" or tag not in EFFECT_TAGS:
        raise Refusal("invalid_payload")
    return tag


def kit_tables(phase: Phase) -> list[tuple[str, str]]:
    """The tables a kit names for a phase, with ids stable across restarts."""
    return [(f"t{i + 1}", name) for i, name in enumerate(phase.tables)]


FOLLOWED_LIMIT = 64  # grid phases a phone may name; kits have a handful


def check_tables(value: object) -> tuple[tuple[str, str], ...]:
    """The tables a phone sits at, one per grid phase (`{phase id: table id}`), as pairs.

    Said by the phone, kept in memory for its connection alone: the server never stores who
    sits at which table.
    """
    if value is None:
        return ()
    if not isinstance(value, dict) or len(value) > FOLLOWED_LIMIT:
        raise Refusal("invalid_payload")
    for phase, table in value.items():
        if not (_short_text(phase) and _short_text(table)):
            raise Refusal("invalid_payload")
    return tuple(sorted(value.items()))


def _short_text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def seen_at(tables: dict[str, str], phase: str, table: str | None) -> bool:
    """Whether a phone sitting at `tables` sees the grid of `table` in `phase`: every grid
    without tables, and its own table's."""
    return table is None or tables.get(phase) == table


def grid_seen_at(
    tables: tuple[tuple[str, str], ...], rows: tuple[GridRow, ...], contributions: tuple
) -> tuple[list[GridRow], list[Contribution]]:
    """The rows and contributions a phone sitting at `tables` sees."""
    at = dict(tables)
    kept = [row for row in rows if seen_at(at, row.phase, row.table)]
    ids = {row.id for row in kept}
    return kept, [c for c in contributions if c.row in ids]
