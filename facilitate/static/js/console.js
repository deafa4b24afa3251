// The facilitator's console: move through the steps, run the timer, hold and reveal notes, hide
// a note. The facilitator key travels in an HttpOnly cookie, so join sends no key.
import { connectLive } from "./live.js";
import {
  byId,
  currentPhase,
  el,
  notesInView,
  phaseById,
  plural,
  renderKeyed,
  showConnection,
  showRules,
} from "./ui.js";
import { createCountdown, formatClock, timerState } from "./timer.js";

const CONFIRM_MS = 4000;
const SAY_MS = 6000;

const app = byId("app");
const code = app.dataset.code.toUpperCase();

const view = {
  title: byId("session-title"),
  connection: byId("connection"),
  closed: byId("closed-notice"),
  participants: byId("participants"),
  sizeWarning: byId("size-warning"),
  timer: byId("timer"),
  timerClock: byId("timer-clock"),
  timerLabel: byId("timer-label"),
  timerToggle: byId("timer-toggle"),
  timerButtons: document.querySelectorAll("button[data-timer]:not(#timer-toggle)"),
  phases: byId("phases"),
  prev: byId("phase-prev"),
  next: byId("phase-next"),
  prompt: byId("phase-prompt"),
  volunteers: byId("volunteers"),
  rules: byId("rules"),
  guidanceBox: byId("guidance-box"),
  guidance: byId("guidance"),
  hold: byId("hold"),
  reveal: byId("reveal"),
  notes: byId("notes"),
  notesCount: byId("notes-count"),
  notesEmpty: byId("notes-empty"),
  notesRound: byId("notes-round"),
  other: byId("other-notes"),
  otherSummary: byId("other-summary"),
  otherGroups: byId("other-groups"),
  status: byId("status"),
};

const TIMER_LABEL = {
  running: "En cours",
  paused: "En pause",
  ended: "Temps écoulé",
  unplanned: "Pas de durée prévue : ajoutez des minutes.",
};

let state = null;
let busy = false; // a command awaits its ack; others wait for it
const armed = new Map(); // hide button -> timer that disarms it
let guidanceFor = null; // the phase whose guidance is shown: not rewritten on every render
const countdown = createCountdown(renderTimer);

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
  renderGuidance(phase);
  renderVolunteers();
  setAvailable(view.prev, !state.closed && current > 0);
  setAvailable(view.next, !state.closed && current >= 0 && current < state.phases.length - 1);
}

// The kit's guidance, rendered from Markdown and passed through an allow-list by the server:
// the one place where server HTML goes in as HTML.
function renderGuidance(phase) {
  const id = phase ? phase.id : null;
  if (id === guidanceFor) return;
  guidanceFor = id;
  view.guidance.innerHTML = (phase && phase.guidance_html) || "";
  view.guidanceBox.hidden = !view.guidance.innerHTML;
}

function renderVolunteers() {
  const { phase } = currentPhase(state);
  view.volunteers.hidden = !phase || phase.kind !== "rapporteurs";
  view.volunteers.textContent = plural(state.volunteers || 0, "volontaire", "volontaires");
}

// --- Timer

// Paused at 0:00: the time ran out, unless the step never had minutes.
function timerLook(timer) {
  if (timer.planned) return timerState(timer);
  const { phase } = currentPhase(state || {});
  return phase && phase.minutes ? "ended" : "unplanned";
}

function renderTimer(timer) {
  const look = timerLook(timer);
  view.timer.dataset.state = look;
  view.timerClock.textContent = formatClock(timer.remaining);
  view.timerLabel.textContent = TIMER_LABEL[look];
  const counting = timer.running && !timer.ended;
  view.timerToggle.textContent = counting ? "Pause" : "Démarrer";
  view.timerToggle.dataset.timer = counting ? "pause" : "start";
  const open = Boolean(state) && !state.closed;
  setAvailable(view.timerToggle, open && (counting || timer.remaining > 0));
  view.timerButtons.forEach((button) => setAvailable(button, open));
}

const TIMER_SAID = {
  start: () => "Minuteur lancé.",
  pause: () => "Minuteur en pause.",
  extend: (minutes) => `${plural(minutes, "minute ajoutée", "minutes ajoutées")} au minuteur.`,
  reset: () => "Minuteur remis à la durée de l'étape.",
};

function setTimer(button) {
  const action = button.dataset.timer;
  const payload = { action };
  if (action === "extend") payload.minutes = Number(button.dataset.minutes);
  command("timer_set", payload, (ack) => {
    countdown.set(ack.timer);
    say(TIMER_SAID[action](payload.minutes));
  });
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
  item.append(el("p", "console-note-text", note.text));
  if (note.lane) item.append(el("p", "lane-badge", note.lane));
  item.append(el("p", "held-badge", "Pas encore au tableau"), hide);
  return item;
}

function renderNoteList(list, notes) {
  renderKeyed(list, notes, noteItem);
  // Cards are reused: refresh what can change on them.
  notes.forEach((note, position) => {
    const item = list.children[position];
    item.classList.toggle("is-held", Boolean(note.held));
    setAvailable(item.querySelector("button"), !state.closed);
  });
}

// The round the room works on comes first; the others wait, folded, under their step's title.
function renderNotes() {
  const notes = notesInView(state);
  const round = phaseById(state, state.in_view);
  renderNoteList(view.notes, notes);
  view.notesCount.textContent = `(${notes.length})`;
  // Named only when it is a round of notes: before the first one, there is nothing to name.
  view.notesRound.textContent = round && round.kind === "notes" ? `Étape « ${round.title} »` : "";
  view.notesEmpty.hidden = notes.length > 0;
  renderOtherNotes();
}

function renderOtherNotes() {
  const groups = state.phases
    .filter((phase) => phase.id !== state.in_view)
    .map((phase) => ({ id: phase.id, phase, notes: notesOf(phase.id) }))
    .filter((group) => group.notes.length > 0);
  renderKeyed(view.otherGroups, groups, otherGroup);
  groups.forEach((group, position) => {
    renderNoteList(view.otherGroups.children[position].querySelector("ul"), group.notes);
  });
  const count = groups.reduce((total, group) => total + group.notes.length, 0);
  view.otherSummary.textContent = `Autres étapes (${count})`;
  view.other.hidden = count === 0;
}

function notesOf(phaseId) {
  return state.notes.filter((note) => note.phase === phaseId);
}

function otherGroup(group) {
  const section = el("section", "other-group");
  section.append(el("h3", "other-title", group.phase.title), el("ul", "console-notes"));
  return section;
}

function renderParticipants() {
  const count = state.participants;
  view.participants.textContent =
    typeof count === "number" ? plural(count, "participant connecté", "participants connectés") : "";
  // Past the kit's group size, fewer people speak: say it once, politely, while it is true.
  const limit = state.warn_above;
  const over = typeof limit === "number" && typeof count === "number" && count > limit;
  view.sizeWarning.hidden = !over;
  view.sizeWarning.textContent = over
    ? `Plus de ${limit} participants : au-delà, moins de personnes prennent la parole. Pensez à former des sous-groupes.`
    : "";
}

function render() {
  view.title.textContent = state.title || "";
  view.closed.hidden = !state.closed;
  renderPhases();
  renderHold();
  renderNotes();
  renderParticipants();
  renderTimer(countdown.read());
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
  phase_changed({ phase, in_view: inView, hold, timer, notes }) {
    state.phase = phase;
    if (typeof inView === "string") state.in_view = inView;
    if (timer) countdown.set(timer);
    renderPhases();
    // A kit's notes phase may hold notes back, or end a hold and reveal what it held.
    if (typeof hold === "boolean") handlers.notes_hold_changed({ hold, notes: notes || [] });
    else renderNotes(); // the round in view may have changed
  },
  timer_changed({ timer }) {
    countdown.set(timer);
  },
  volunteers_changed({ volunteers }) {
    state.volunteers = volunteers;
    renderVolunteers();
  },
  presence({ participants }) {
    state.participants = participants;
    renderParticipants();
  },
};

function onState(snapshot) {
  state = { ...snapshot, notes: snapshot.notes || [], phases: snapshot.phases || [] };
  countdown.set(snapshot.timer);
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
view.otherGroups.addEventListener("click", onClick("button[data-note]", onHideClick));
view.timer.closest("section").addEventListener("click", onClick("button[data-timer]", setTimer));
view.prev.addEventListener("click", onClick("button", () => stepBy(-1)));
view.next.addEventListener("click", onClick("button", () => stepBy(1)));
view.reveal.addEventListener("click", onClick("button", reveal));
view.hold.addEventListener("change", setHold);
