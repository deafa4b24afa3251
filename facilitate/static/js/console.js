// The facilitator's console: move through the steps, hold and reveal notes, hide a note.
// The facilitator key travels in an HttpOnly cookie, so join sends no key.
import { connectLive } from "./live.js";
import { byId, el, plural, renderKeyed, showConnection, showRules } from "./ui.js";

const CONFIRM_MS = 4000;
const SAY_MS = 6000;

const app = byId("app");
const code = app.dataset.code.toUpperCase();

const view = {
  title: byId("session-title"),
  connection: byId("connection"),
  closed: byId("closed-notice"),
  participants: byId("participants"),
  phases: byId("phases"),
  prev: byId("phase-prev"),
  next: byId("phase-next"),
  prompt: byId("phase-prompt"),
  rules: byId("rules"),
  hold: byId("hold"),
  reveal: byId("reveal"),
  notes: byId("notes"),
  notesCount: byId("notes-count"),
  notesEmpty: byId("notes-empty"),
  status: byId("status"),
};

let state = null;
let busy = false; // a command awaits its ack; others wait for it
const armed = new Map(); // hide button -> timer that disarms it

// Buttons are marked unavailable with aria-disabled rather than `disabled`, which would
// throw the keyboard focus away from the button just used. Clicks on them are ignored.
function setAvailable(button, available) {
  button.setAttribute("aria-disabled", String(!available));
}

function isAvailable(button) {
  return button.getAttribute("aria-disabled") !== "true";
}

// --- Rendering

function phaseIndex() {
  return state.phases.findIndex((phase) => phase.id === state.phase);
}

function phaseItem(phase) {
  const position = state.phases.indexOf(phase);
  const button = el("button", "phase-item");
  button.type = "button";
  button.dataset.phase = phase.id;
  button.append(
    el("span", "phase-number", `${position + 1}.`),
    el("span", "phase-name", phase.title),
    el("span", "phase-minutes", phase.minutes ? `${phase.minutes} min` : ""),
  );
  const item = el("li");
  item.append(button);
  return item;
}

function renderPhases() {
  const current = phaseIndex();
  renderKeyed(view.phases, state.phases, phaseItem);
  view.phases.querySelectorAll("button").forEach((button, position) => {
    if (position === current) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
    setAvailable(button, !state.closed);
  });
  const phase = state.phases[current];
  view.prompt.textContent = (phase && phase.prompt) || "Pas de consigne pour cette étape.";
  showRules(view.rules, state);
  setAvailable(view.prev, !state.closed && current > 0);
  setAvailable(view.next, !state.closed && current >= 0 && current < state.phases.length - 1);
}

function renderHold() {
  const pending = state.pending || 0;
  view.hold.checked = Boolean(state.hold);
  view.hold.disabled = Boolean(state.closed);
  view.reveal.textContent = `Révéler les post-its (${pending} en attente)`;
  setAvailable(view.reveal, !state.closed && (pending > 0 || Boolean(state.hold)));
}

function noteItem(note) {
  const item = el("li", "console-note");
  const hide = el("button", "button button-quiet hide-button", "Masquer");
  hide.type = "button";
  hide.dataset.note = note.id;
  item.append(el("p", "console-note-text", note.text), el("p", "held-badge", "Pas encore au tableau"), hide);
  return item;
}

function renderNotes() {
  renderKeyed(view.notes, state.notes, noteItem);
  // Cards are reused: refresh what can change on them.
  state.notes.forEach((note, position) => {
    const item = view.notes.children[position];
    item.classList.toggle("is-held", Boolean(note.held));
    setAvailable(item.querySelector("button"), !state.closed);
  });
  view.notesCount.textContent = `(${state.notes.length})`;
  view.notesEmpty.hidden = state.notes.length > 0;
}

function renderParticipants() {
  const count = state.participants;
  view.participants.textContent =
    typeof count === "number" ? plural(count, "participant connecté", "participants connectés") : "";
}

function render() {
  view.title.textContent = state.title || "";
  view.closed.hidden = !state.closed;
  renderPhases();
  renderHold();
  renderNotes();
  renderParticipants();
}

// Confirmations fade after a while; an error stays until the next message.
let sayTimer = null;

function say(message, { error = false } = {}) {
  clearTimeout(sayTimer);
  view.status.textContent = message;
  view.status.classList.toggle("is-error", error);
  if (!error) sayTimer = setTimeout(() => (view.status.textContent = ""), SAY_MS);
}

// --- Commands

async function command(event, payload, onOk) {
  if (busy || !state) return;
  busy = true;
  app.classList.add("is-busy");
  const ack = await live.send(event, payload);
  busy = false;
  app.classList.remove("is-busy");
  if (ack.ok) onOk(ack);
  else say(ack.error.message, { error: true });
  if (state) render();
}

function setPhase(id) {
  if (id === state.phase) return;
  command("phase_set", { phase: id }, (ack) => {
    state.phase = ack.phase || id;
    const phase = state.phases[phaseIndex()];
    say(`Étape en cours : ${phase ? phase.title : state.phase}`);
  });
}

function stepBy(offset) {
  const target = state && state.phases[phaseIndex() + offset];
  if (target) setPhase(target.id);
}

function setHold() {
  if (busy || !state) {
    view.hold.checked = Boolean(state && state.hold); // the switch follows the state, not the click
    return;
  }
  const hold = view.hold.checked;
  command("notes_hold_set", { hold }, (ack) => {
    state.hold = typeof ack.hold === "boolean" ? ack.hold : hold;
    say(state.hold ? "Les nouveaux post-its restent masqués au tableau." : "Les post-its s'affichent au tableau.");
  });
  // If refused, render() puts the switch back to the state's value.
}

function reveal() {
  command("notes_reveal", {}, (ack) => {
    const count = ack.revealed || 0;
    say(count ? `${plural(count, "post-it révélé", "post-its révélés")} au tableau.` : "Aucun post-it en attente.");
  });
}

// Hiding takes two clicks: the first arms the button, the second (within 4 s) hides the note.
function onHideClick(button) {
  if (!armed.has(button)) return arm(button);
  disarm(button);
  const id = button.dataset.note;
  const neighbour = neighbourButton(button);
  command("note_hide", { note_id: id }, () => {
    removeNote(id);
    if (neighbour && neighbour.isConnected) neighbour.focus();
    say("Post-it masqué : il n'apparaît plus au tableau.");
  });
}

// Where the keyboard focus goes once a note is gone: the next note, else the previous one.
function neighbourButton(button) {
  const item = button.closest("li");
  const other = item.nextElementSibling || item.previousElementSibling;
  return other && other.querySelector("button");
}

function arm(button) {
  button.textContent = "Confirmer le masquage";
  button.classList.add("is-armed");
  armed.set(button, setTimeout(() => disarm(button), CONFIRM_MS));
}

function disarm(button) {
  clearTimeout(armed.get(button));
  armed.delete(button);
  button.textContent = "Masquer";
  button.classList.remove("is-armed");
}

function removeNote(id) {
  state.notes = state.notes.filter((note) => note.id !== id);
  renderNotes();
}

// --- Live updates

// Held notes that just reached the board: by notes_revealed, or by turning hold off.
function markRevealed(notes = []) {
  const revealed = new Set(notes.map((note) => note.id));
  for (const note of state.notes) if (revealed.has(note.id)) note.held = false;
  state.pending = Math.max(0, (state.pending || 0) - notes.length);
}

function setPending(pending) {
  if (typeof pending === "number") state.pending = pending;
}

const handlers = {
  note_added({ note, pending }) {
    if (!state.notes.some((known) => known.id === note.id)) {
      state.notes.unshift(note); // newest first: what needs a look is at the top
    }
    setPending(pending);
    renderNotes();
    renderHold();
  },
  notes_revealed({ notes }) {
    markRevealed(notes);
    renderNotes();
    renderHold();
  },
  note_hidden({ note_id: id, pending }) {
    setPending(pending);
    removeNote(id);
    renderHold();
  },
  notes_pending({ pending }) {
    setPending(pending);
    renderHold();
  },
  notes_hold_changed({ hold, notes }) {
    state.hold = hold;
    markRevealed(notes);
    renderNotes();
    renderHold();
  },
  phase_changed({ phase, hold, notes }) {
    state.phase = phase;
    renderPhases();
    // A kit's notes phase may hold notes back, or end a hold and reveal what it held.
    if (typeof hold === "boolean") handlers.notes_hold_changed({ hold, notes: notes || [] });
  },
  presence({ participants }) {
    state.participants = participants;
    renderParticipants();
  },
};

function onState(snapshot) {
  state = { ...snapshot, notes: snapshot.notes || [], phases: snapshot.phases || [] };
  render();
}

function onEvent(name, data) {
  if (state && handlers[name]) handlers[name](data);
}

const live = connectLive({
  code,
  role: "facilitator",
  onState,
  onEvent,
  onStatus: (status, message) => showConnection(view.connection, status, message),
});

// Clicks on unavailable buttons (aria-disabled) do nothing.
function onClick(selector, action) {
  return (event) => {
    const button = event.target.closest(selector);
    if (button && isAvailable(button)) action(button);
  };
}

view.phases.addEventListener("click", onClick("button[data-phase]", (button) => setPhase(button.dataset.phase)));
view.notes.addEventListener("click", onClick("button[data-note]", onHideClick));
view.prev.addEventListener("click", onClick("button", () => stepBy(-1)));
view.next.addEventListener("click", onClick("button", () => stepBy(1)));
view.reveal.addEventListener("click", onClick("button", reveal));
view.hold.addEventListener("change", setHold);
