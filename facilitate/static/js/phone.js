// The participant's phone: see the current step, write anonymous post-its, and keep every note
// in an outbox (localStorage) until the server has acknowledged it, so a dead spot loses nothing.
import { connectLive } from "./live.js";
import { createOutbox } from "./outbox.js";
import { byId, el, showConnection, showPhase, showRules } from "./ui.js";
import { readText, removeKey, writeText } from "./store.js";

const MAX_LENGTH = 500;
const RESEND_MS = 10_000;
const SAY_MS = 8000;
// Refusals worth trying again later. Any other (text_empty, session_closed…) is final.
const RETRYABLE = new Set(["offline", "timeout", "not_joined", "server_error"]);

const app = byId("app");
const code = app.dataset.code.toUpperCase();
const tokenKey = `facilitate:token:${code}`;
const draftKey = `facilitate:draft:${code}`;
const outbox = createOutbox(code);

const view = {
  title: byId("session-title"),
  connection: byId("connection"),
  step: byId("phase-step"),
  phaseTitle: byId("phase-title"),
  prompt: byId("phase-prompt"),
  rules: byId("rules"),
  form: byId("note-form"),
  fields: byId("note-fields"),
  text: byId("note-text"),
  count: byId("note-count"),
  error: byId("note-error"),
  feedback: byId("feedback"),
  hold: byId("hold-notice"),
  closed: byId("closed-notice"),
  mine: byId("mine-list"),
  mineEmpty: byId("mine-empty"),
};

const STATUS_TEXT = {
  pending: "En attente d'envoi…",
  sent: "Envoyé ✓",
  hidden: "Retiré du tableau par l'animation",
};

let state = null;
let lastSubmitAt = 0;
const inFlight = new Set(); // ids of notes whose note_add awaits its ack

// --- Session and step

function renderSession() {
  view.title.textContent = state.title || "Séance";
  showPhase(state, { step: view.step, title: view.phaseTitle, prompt: view.prompt });
  showRules(view.rules, state);
  view.hold.hidden = !state.hold || state.closed;
  view.closed.hidden = !state.closed;
  view.fields.disabled = Boolean(state.closed);
}

// --- "Mes post-its"

function statusText(note) {
  if (note.status === "failed") return `Non envoyé : ${note.message || "refusé par le serveur."}`;
  return STATUS_TEXT[note.status] || STATUS_TEXT.pending;
}

function noteItem(note) {
  const item = el("li", `mine-note is-${note.status}`);
  item.append(el("p", "mine-text", note.text), el("p", "mine-status", statusText(note)));
  return item;
}

function renderMine() {
  const notes = outbox.all();
  view.mine.replaceChildren(...notes.map(noteItem));
  view.mineEmpty.hidden = notes.length > 0;
}

// --- Sending

async function deliver(note) {
  if (inFlight.has(note.id)) return null;
  inFlight.add(note.id);
  // The same id on every try: the server stores a resent note only once.
  const ack = await live.send("note_add", { text: note.text, id: note.id });
  inFlight.delete(note.id);
  if (ack.ok) {
    if (outbox.find(note.id)?.status === "pending") outbox.update(note.id, { status: "sent" });
  } else if (!RETRYABLE.has(ack.error.code)) {
    outbox.update(note.id, { status: "failed", message: ack.error.message });
    restoreText(note.text);
    showError(`Post-it non envoyé : ${ack.error.message}`);
  }
  renderMine();
  return ack;
}

async function flush() {
  const pending = outbox.pending();
  if (!pending.length || !live.isJoined()) return;
  const acks = await Promise.all(pending.map(deliver));
  const sent = acks.filter((ack) => ack && ack.ok).length;
  if (sent === 1) say("Votre post-it en attente est parti ✓");
  if (sent > 1) say(`${sent} post-its en attente sont partis ✓`);
}

async function onSubmit(event) {
  event.preventDefault();
  const text = view.text.value.trim();
  if (!text) {
    // A second tap right after sending finds the box already emptied: not a mistake.
    if (Date.now() - lastSubmitAt > 2000) showError("Écrivez quelques mots avant d'envoyer.");
    view.text.focus();
    return;
  }
  showError("");
  const note = outbox.add(text); // stored before it leaves the phone
  lastSubmitAt = Date.now();
  setText("");
  renderMine();
  const ack = await deliver(note);
  if (ack && ack.ok) say("Post-it envoyé ✓");
  else if (ack && RETRYABLE.has(ack.error.code)) {
    say("Pas de connexion pour l'instant : votre post-it est gardé ici et partira tout seul.");
  }
}

// --- Text box

function setText(text) {
  view.text.value = text;
  onInput();
}

// A refused note goes back in the box, unless something new is being written there.
function restoreText(text) {
  if (!view.text.value.trim()) setText(text);
}

function onInput() {
  const length = view.text.value.length;
  view.count.textContent = `${length} / ${MAX_LENGTH}`;
  view.count.classList.toggle("is-near-limit", length > MAX_LENGTH - 50);
  if (view.text.value) writeText(draftKey, view.text.value);
  else removeKey(draftKey);
  if (length) showError("");
}

function showError(message) {
  view.error.textContent = message;
  view.error.hidden = !message;
}

// Feedback fades after a while, so that an old "envoyé" never stands next to a new draft.
let sayTimer = null;

function say(message) {
  clearTimeout(sayTimer);
  view.feedback.textContent = message;
  sayTimer = setTimeout(() => (view.feedback.textContent = ""), SAY_MS);
}

// --- Live connection

function onState(snapshot) {
  state = snapshot;
  renderSession();
}

function onEvent(name, data) {
  if (!state) return;
  if (name === "phase_changed") {
    state.phase = data.phase;
    if (typeof data.hold === "boolean") state.hold = data.hold;
  } else if (name === "notes_hold_changed") state.hold = data.hold;
  else if (name === "note_hidden") return markHidden(data.note_id);
  else return;
  renderSession();
}

function markHidden(id) {
  if (!outbox.find(id)) return; // someone else's note
  outbox.update(id, { status: "hidden" });
  renderMine();
}

function onJoin(ack) {
  if (ack.token) writeText(tokenKey, ack.token);
  flush();
}

function onStatus(status, message) {
  showConnection(view.connection, status, message);
  if (status === "error") view.fields.disabled = true;
}

const live = connectLive({
  code,
  role: "participant",
  getToken: () => readText(tokenKey),
  onState,
  onEvent,
  onJoin,
  onStatus,
});

view.form.addEventListener("submit", onSubmit);
view.text.addEventListener("input", onInput);
// Another tab of this session on the same phone changed the outbox.
window.addEventListener("storage", (event) => {
  if (event.key === outbox.key) renderMine();
});
setInterval(flush, RESEND_MS);

setText(readText(draftKey) || "");
renderMine();
