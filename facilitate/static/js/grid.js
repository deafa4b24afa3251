// The analysis grid ("grille d'analyse") as every screen reads it: its columns, its tables, its
// rows and their contributions, and how the updates of the protocol change them. A cell is a
// list: every contribution is kept, none overwrites another.
import { t } from "./i18n.js";
import { currentPhase, el, phaseById } from "./ui.js";

/** The six fixed columns, in the order the room reads them. */
export const COLUMNS = [
  { key: "situation", title: t("Situation de travail") },
  { key: "contraintes", title: t("Contraintes") },
  { key: "ressources", title: t("Ressources") },
  { key: "causes", title: t("Causes") },
  { key: "effets", title: t("Effets") },
  { key: "pistes_action", title: t("Pistes d'action") },
];

export const TAGS = [
  { key: "sante", title: t("Santé") },
  { key: "collectif", title: t("Collectif") },
  { key: "performance", title: t("Performance") },
];

const TITLES = new Map(COLUMNS.map((column) => [column.key, column.title]));
const TAG_TITLES = new Map(TAGS.map((tag) => [tag.key, tag.title]));

export const columnTitle = (key) => TITLES.get(key) || key;
export const tagTitle = (key) => TAG_TITLES.get(key) || "";

/** The current phase when it is a grid, else null. */
export function gridPhase(state) {
  const { phase } = currentPhase(state);
  return phase && phase.kind === "grid" ? phase : null;
}

/** The columns a grid phase shows: the kit's, when the state names them, else all six. */
export function gridColumns(phase) {
  const keys = phase && Array.isArray(phase.columns) && phase.columns.length ? phase.columns : null;
  return keys ? COLUMNS.filter((column) => keys.includes(column.key)) : COLUMNS;
}

/** The tables of a phase, in the kit's order; none means one grid without a table. */
export function tablesOf(state, phaseId) {
  return (state.tables || []).filter((table) => table.phase === phaseId);
}

/** The rows of one table (null: the phase's single grid), in the order they were opened. */
export function rowsOf(state, phaseId, tableId) {
  return gridOf(state)
    .rows.filter((row) => row.phase === phaseId && (row.table || null) === (tableId || null))
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/** The contributions of one cell, oldest first (the server's order). */
export function cellOf(state, rowId, column) {
  return gridOf(state).contributions.filter((item) => item.row === rowId && item.column === column);
}

/** "Les repas · Les nuits": what names a row, its situation texts. */
export function rowLabel(state, rowId) {
  const texts = cellOf(state, rowId, "situation").map((item) => item.text);
  return texts.join(" · ") || t("Situation sans texte");
}

/**
 * The grids a screen shows for a phase: one per table, or a single one {id: null} when the
 * phase has no tables. Each is {id, name, rows}.
 */
export function gridsOf(state, phaseId) {
  const tables = tablesOf(state, phaseId);
  if (!tables.length) return [{ id: null, name: "", rows: rowsOf(state, phaseId, null) }];
  return tables.map((table) => ({ id: table.id, name: table.name, rows: rowsOf(state, phaseId, table.id) }));
}

function gridOf(state) {
  if (!state.grid) state.grid = { rows: [], contributions: [] };
  state.grid.rows = state.grid.rows || [];
  state.grid.contributions = state.grid.contributions || [];
  return state.grid;
}

// --- Updates: the same for the board's events and the phones' batches. Applying twice is harmless.

export function applyGridAdded(state, { row, contribution }) {
  const grid = gridOf(state);
  if (row) {
    // The server's row replaces a phone's guess made at the ack (its position, mainly).
    grid.rows = grid.rows.filter((known) => known.id !== row.id);
    grid.rows.push(row);
  }
  if (contribution) applyGridChanged(state, { contribution });
}

/** A contribution, new or changed (an edit, a tag): the newest version wins. */
export function applyGridChanged(state, { contribution }) {
  const grid = gridOf(state);
  const index = grid.contributions.findIndex((known) => known.id === contribution.id);
  if (index < 0) grid.contributions.push(contribution);
  else if ((contribution.version ?? 0) >= (grid.contributions[index].version ?? 0)) {
    grid.contributions[index] = contribution;
  }
}

/** The whole grid after a reorder or a merge: it replaces what the page had. */
export function applyGridReplaced(state, { grid }) {
  if (grid && Array.isArray(grid.rows) && Array.isArray(grid.contributions)) {
    state.grid = { rows: grid.rows, contributions: grid.contributions };
  }
}

export function applyTables(state, { tables }) {
  if (Array.isArray(tables)) state.tables = tables;
}

export function applyGridView(state, { table = null, row = null }) {
  state.grid_view = { table, row };
}

/** The phase a row belongs to, or null. */
export function phaseOfRow(state, rowId) {
  const row = gridOf(state).rows.find((known) => known.id === rowId);
  return row ? phaseById(state, row.phase) : null;
}

/** A contribution's text, with its effect label when it has one. */
export function contributionItem(item, className = "grid-item") {
  const node = el("li", className);
  node.dataset.id = item.id;
  node.append(el("span", "grid-text", item.text));
  if (item.column === "effets" && item.tag) {
    const label = el("span", `grid-tag is-${item.tag}`, tagTitle(item.tag));
    node.append(" ", label);
  }
  return node;
}
