// Small DOM helpers shared by the phone, the board and the console.
// Every text that comes from the server or from a person goes in with textContent.
import { t } from "./i18n.js";

export const byId = (id) => document.getElementById(id);

/** Create an element with an optional class and text. */
export function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** The current phase of a snapshot and its position, or nulls before the first snapshot. */
export function currentPhase(state) {
  const phases = (state && state.phases) || [];
  const index = phases.findIndex((phase) => phase.id === state.phase);
  return { phase: index >= 0 ? phases[index] : null, index, count: phases.length };
}

/** The phase with this id in a snapshot, or null. */
export function phaseById(state, id) {
  return ((state && state.phases) || []).find((phase) => phase.id === id) || null;
}

/** The notes of the round the room works on (`in_view`); the others belong to earlier steps. */
/**
 * A phase change as the board and the console both take it: the new phase and round in view, and
 * the voter count of a vote already under way (a count from the step left behind is dropped).
 * The hold, the timer and the re-rendering stay with each page.
 */
export function applyPhaseChange(state, { phase, in_view: inView, voters }) {
  if (phase !== state.phase) delete state.voters;
  if (typeof voters === "number") state.voters = voters;
  state.phase = phase;
  if (typeof inView === "string") state.in_view = inView;
}

export function notesInView(state) {
  return state.notes.filter((note) => note.phase === state.in_view);
}

/**
 * Notes split in the columns of their round: [{lane, notes}] in the kit's order, then
 * {lane: null} for notes without a known lane, only if there are any. Order within a column is
 * the order given (the board's random one).
 */
export function byLane(notes, lanes) {
  const columns = lanes.map((lane) => ({ lane, notes: [] }));
  const rest = { lane: null, notes: [] };
  const index = new Map(lanes.map((lane, position) => [lane, columns[position]]));
  for (const note of notes) (index.get(note.lane) || rest).notes.push(note);
  return rest.notes.length ? [...columns, rest] : columns;
}

/** Fill the "Étape en cours" block that the phone and the board share. */
export function showPhase(state, { step, title, prompt }) {
  const { phase, index, count } = currentPhase(state);
  step.textContent = phase ? t("Étape {n} sur {count}", { n: index + 1, count }) : t("Étape en cours");
  title.textContent = phase ? phase.title : t("En attente du début de la séance");
  prompt.textContent = (phase && phase.prompt) || "";
  prompt.hidden = !prompt.textContent;
}

/**
 * List the kit's ground rules while the current step is the rules step. Out of that step the
 * list is emptied, not only hidden, so that its words are nowhere in the page.
 */
export function showRules(list, state) {
  const { phase } = currentPhase(state);
  const rules = phase && phase.kind === "rules" ? state.rules || [] : [];
  list.replaceChildren(...rules.map((rule) => el("li", "", rule)));
  list.hidden = rules.length === 0;
}

const CONNECTION_TEXT = {
  connecting: t("Connexion à la séance…"),
  connected: t("Connecté"),
  reconnecting: t("Hors connexion, nouvelle tentative…"),
};

/** Show the state of the live connection; `message` is the server's words for a fatal error. */
export function showConnection(node, status, message = "") {
  node.textContent = status === "error" ? message : CONNECTION_TEXT[status] || "";
  node.className = `connection is-${status}`;
}

/**
 * Make `list` show one child per item, in order, reusing the children it already has
 * (matched on data-id) so that existing cards keep their state and do not flash again.
 */
export function renderKeyed(list, items, create) {
  const existing = new Map();
  for (const child of list.children) existing.set(child.dataset.id, child);
  items.forEach((item, position) => {
    const node = existing.get(item.id) || create(item);
    node.dataset.id = item.id;
    if (list.children[position] !== node) list.insertBefore(node, list.children[position] || null);
  });
  while (list.children.length > items.length) list.lastElementChild.remove();
}
