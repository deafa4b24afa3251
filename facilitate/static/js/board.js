// The projected board: the current step, how to join, and the notes as cards.
// Notes are shown in a random order so that nobody can tell who wrote what from where it sits.
import { connectLive } from "./live.js";
import { byId, el, plural, renderKeyed, showConnection, showPhase, showRules } from "./ui.js";

const app = byId("app");
const code = app.dataset.code.toUpperCase();

const view = {
  title: byId("session-title"),
  step: byId("phase-step"),
  phaseTitle: byId("phase-title"),
  prompt: byId("phase-prompt"),
  rules: byId("rules"),
  closed: byId("closed-notice"),
  pending: byId("pending"),
  notes: byId("notes"),
  empty: byId("notes-empty"),
  presence: byId("presence"),
  connection: byId("connection"),
};

let state = null;

// --- Rendering

function renderPhase() {
  view.title.textContent = state.title || "";
  showPhase(state, { step: view.step, title: view.phaseTitle, prompt: view.prompt });
  showRules(view.rules, state);
  view.closed.hidden = !state.closed;
}

function renderPending() {
  const count = state.pending || 0;
  view.pending.hidden = !state.hold && count === 0;
  view.pending.textContent =
    count === 0
      ? "Les post-its restent masqués pendant l'écriture."
      : `${plural(count, "post-it", "post-its")} en attente de révélation`;
  renderEmpty();
}

function renderEmpty() {
  view.empty.hidden = state.notes.length > 0 || !view.pending.hidden;
}

// The more notes, the smaller the cards, so that as many as possible stay on screen.
function density(count) {
  if (count > 40) return "3";
  if (count > 16) return "2";
  return "1";
}

function renderNotes() {
  renderKeyed(view.notes, state.notes, noteCard);
  view.notes.dataset.density = density(state.notes.length);
  renderEmpty();
}

function renderPresence(count) {
  if (typeof count !== "number") return;
  view.presence.textContent = plural(count, "participant connecté", "participants connectés");
}

function render() {
  renderPhase();
  renderPending();
  renderNotes();
  renderPresence(state.participants);
}

/** A card that fades in once; the class then goes, so that moving the card never replays it. */
function noteCard(note) {
  const card = el("li", "note is-new", note.text);
  card.addEventListener("animationend", () => card.classList.remove("is-new"), { once: true });
  return card;
}

// --- Applying updates

// A note arriving now goes to a random place: its position must not tell when it came.
function addNote(note) {
  if (state.notes.some((known) => known.id === note.id)) return;
  state.notes.splice(Math.floor(Math.random() * (state.notes.length + 1)), 0, note);
}

// Held notes that just reached the board: by notes_revealed, or by turning hold off.
function reveal(notes = []) {
  notes.forEach(addNote);
  state.pending = Math.max(0, (state.pending || 0) - notes.length);
}

const handlers = {
  note_added({ note }) {
    addNote(note);
    renderNotes();
  },
  notes_revealed({ notes }) {
    reveal(notes);
    renderNotes();
    renderPending();
  },
  note_hidden({ note_id: id, pending }) {
    state.notes = state.notes.filter((note) => note.id !== id);
    if (typeof pending === "number") state.pending = pending;
    renderNotes();
    renderPending();
  },
  notes_pending({ pending }) {
    state.pending = pending;
    renderPending();
  },
  notes_hold_changed({ hold, notes }) {
    state.hold = hold;
    reveal(notes);
    renderNotes();
    renderPending();
  },
  phase_changed({ phase, hold, notes }) {
    state.phase = phase;
    renderPhase();
    // A kit's notes phase may hold notes back, or end a hold and reveal what it held.
    if (typeof hold === "boolean") handlers.notes_hold_changed({ hold, notes: notes || [] });
  },
  presence({ participants }) {
    state.participants = participants;
    renderPresence(participants);
  },
};

function onState(snapshot) {
  state = { ...snapshot, notes: snapshot.notes || [] };
  render();
}

function onEvent(name, data) {
  if (state && handlers[name]) handlers[name](data);
}

// --- Keep the projector awake (only offered on https and localhost; elsewhere it simply fails).

async function keepAwake() {
  try {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      await navigator.wakeLock.request("screen");
    }
  } catch {
    // not allowed here: the screen saver settings decide
  }
}

document.addEventListener("visibilitychange", keepAwake);
keepAwake();

connectLive({
  code,
  role: "board",
  onState,
  onEvent,
  onStatus(status, message) {
    showConnection(view.connection, status, message);
    // The room must see why nothing happens: the message takes the title's place.
    if (status === "error") view.phaseTitle.textContent = message;
  },
});
