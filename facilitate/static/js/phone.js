// The participant's phone: see the current step and its timer, write anonymous post-its in the
// steps that collect them, place dots ("gommettes") in a vote, step forward as a rapporteur, and
// keep every note in an outbox (localStorage) until the server has acknowledged it, so a dead
// spot loses nothing. In the follow-up, action plan and recap steps it shows, read only, what
// the room decided; once the minutes are published, a link to read them.
import { errorText, t, tn } from "./i18n.js";
import { connectLive } from "./live.js";
import { createOutbox, newId } from "./outbox.js";
import { FEW_VOTERS_TEXT, applyReveal, itemKey, itemRef, rankingItems, rankingOf, votersText } from "./priorities.js";
import { byId, currentPhase, el, phaseById, renderKeyed, showConnection, showPhase, showRules } from "./ui.js";
import { createCountdown, formatClock, timerState } from "./timer.js";
import { applyGridAdded, applyGridChanged, applyGridReplaced, applyTables, cellOf, columnTitle, gridColumns, gridPhase, rowLabel, rowsOf, tablesOf } from "./grid.js";
import { readJSON, readText, removeKey, writeJSON, writeText } from "./store.js";
import { actionList, applyMinutes, minutesUrl, openPriorities, planHasContent, planKind, recordGroups } from "./plan_view.js";

const MAX_LENGTH = 500;
const RESEND_MS = 10_000;
const SAY_MS = 8000;
const TAP_LOCK_MS = 600; // a double tap on "+" places one dot, however fast the answer comes
// Refusals worth trying again later. Any other (text_empty, session_closed…) is final.
const RETRYABLE = new Set(["offline", "timeout", "not_joined", "server_error", "slow_down"]);
// Of those, the ones where nothing reached the server: the note simply waits for the
// connection. The others are a try that failed: the note says so, and is tried again.
const NOT_TRIED = new Set(["offline", "not_joined"]);

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
  timer: byId("timer"),
  rules: byId("rules"),
  now: byId("phase-now"),
  write: byId("write"),
  late: byId("late-notice"),
  form: byId("note-form"),
  fields: byId("note-fields"),
  text: byId("note-text"),
  count: byId("note-count"),
  lanes: byId("lanes"),
  laneOptions: byId("lane-options"),
  error: byId("note-error"),
  feedback: byId("feedback"),
  hold: byId("hold-notice"),
  closed: byId("closed-notice"),
  minutes: byId("minutes"),
  minutesLink: byId("minutes-link"),
  plan: byId("plan"),
  planTitle: byId("plan-title"),
  planBody: byId("plan-body"),
  mine: byId("mine-list"),
  mineEmpty: byId("mine-empty"),
  volunteer: byId("volunteer"),
  volunteerToggle: byId("volunteer-toggle"),
  volunteerStatus: byId("volunteer-status"),
  vote: byId("vote"),
  budget: byId("vote-budget"),
  budgetDots: byId("vote-budget-dots"),
  voteStatus: byId("vote-status"),
  ballot: byId("ballot"),
  ballotEmpty: byId("ballot-empty"),
  rankingPanel: byId("ranking-panel"),
  rankingVoters: byId("ranking-voters"),
  rankingFew: byId("ranking-few"),
  rankingEmpty: byId("ranking-empty"),
  ranking: byId("ranking"),
  rankingMore: byId("ranking-more"),
  orphans: byId("ballot-orphans"),
  orphansText: byId("ballot-orphans-text"),
  orphansTake: byId("ballot-orphans-take"),
  grid: byId("grid"),
  gridTables: byId("grid-tables"),
  gridTableOptions: byId("grid-table-options"),
  gridTableChosen: byId("grid-table-chosen"),
  gridTableName: byId("grid-table-name"),
  gridTableChange: byId("grid-table-change"),
  gridRowsBox: byId("grid-rows-box"),
  gridRowsEmpty: byId("grid-rows-empty"),
  gridRowsHint: byId("grid-rows-hint"),
  gridRows: byId("grid-rows"),
  gridNewRow: byId("grid-new-row"),
  gridForm: byId("grid-form"),
  gridRowTitle: byId("grid-row-title"),
  gridBack: byId("grid-back"),
  gridFields: byId("grid-fields"),
  gridColumns: byId("grid-columns"),
  gridColumnOptions: byId("grid-column-options"),
  gridTextLabel: byId("grid-text-label"),
  gridText: byId("grid-text"),
  gridCount: byId("grid-count"),
  gridError: byId("grid-error"),
  gridSubmit: byId("grid-submit"),
  gridFeedback: byId("grid-feedback"),
  gridMine: byId("grid-mine"),
  gridCells: byId("grid-cells"),
  gridCellList: byId("grid-cell-list"),
};

// Each note's state in words (the colour of its edge only repeats them). "Envoyé ✓" and
// "En attente d'envoi…" are what the browser tests look for.
const STATUS_TEXT = {
  pending: t("En attente d'envoi…"),
  retrying: t("Échec, nouvel essai…"),
  sent: t("Envoyé ✓"),
  hidden: t("Retiré du tableau par l'animation"),
  withdrawn: t("Retiré par vous : il n'apparaît plus nulle part"),
};

// Steps whose phone feature is still to come: say plainly what happens in the room meanwhile.
const NOW_TEXT = {
  group: t("Regardez le tableau : l'animation regroupe les idées."),
  followup: t("Regardez le tableau et écoutez : on fait le point ensemble."),
  actions: t("Le groupe construit le plan d'action ensemble, à l'oral."),
  recap: t("On relit ensemble ce que l'on retient. Merci pour votre participation !"),
};

let state = null;
let lastSubmitAt = 0;
const inFlight = new Set(); // ids of notes whose note_add awaits its ack
let writing = null; // the notes phase the form writes to; null while the form is hidden
let volunteer = false; // this phone's own choice, from the join ack
let volunteering = false; // a volunteer_set awaits its ack
let volunteerError = ""; // why the last volunteer_set was refused
let ballotPhase = null; // the vote phase whose ballot `state.ballot` is
let withdrawArmed = null; // the note whose "Retirer" was tapped once, waiting for the second tap
const knownDots = new Map(); // vote phase id -> this phone's dots there [{id, note_id|theme_id}]
const voting = new Map(); // item key -> "cast" or "retract" while its request is in flight
const unanswered = new Map(); // item key -> id of a dot whose vote_cast got no answer: reused

const countdown = createCountdown(renderTimer);

// --- Session and step

function renderSession() {
  view.title.textContent = state.title || t("Séance");
  showPhase(state, { step: view.step, title: view.phaseTitle, prompt: view.prompt });
  showRules(view.rules, state);
  // Once the vote is revealed its prompt ("placez vos gommettes") is over.
  if (votePhase() && rankingOf(state, state.phase)) view.prompt.hidden = true;
  renderNow();
  renderWriting();
  renderVolunteer();
  renderVote();
  renderGrid();
  renderPlan();
  renderMinutes();
  renderTimer(countdown.read());
  view.hold.hidden = !state.hold || state.closed;
  view.closed.hidden = !state.closed;
  view.fields.disabled = Boolean(state.closed);
}

function renderNow() {
  const { phase } = currentPhase(state);
  view.now.textContent = (phase && !state.closed && NOW_TEXT[phase.kind]) || "";
  view.now.hidden = !view.now.textContent;
}

// A small line under the title; a step without minutes shows none.
function renderTimer(timer) {
  view.timer.hidden = !timer.planned || !state || state.closed;
  view.timer.dataset.state = timerState(timer);
  const clock = formatClock(timer.remaining);
  if (timer.ended) view.timer.textContent = t("Temps écoulé");
  else if (timer.running) view.timer.textContent = t("Temps restant : {clock}", { clock });
  else view.timer.textContent = t("Temps restant : {clock} (en pause)", { clock });
}

// --- The plan, the records and the minutes: read only, the console writes them

// The panel's title, and another when the step already bears that title just above it.
const PLAN_TITLES = {
  followup: [t("Où en est-on ?"), t("Priorités et actions")],
  actions: [t("Plan d'action"), t("Les actions")],
  recap: [t("Ce que nous retenons"), t("Pour le compte-rendu")],
};

function renderPlan() {
  const kind = planKind(state);
  view.plan.hidden = !planHasContent(state, kind);
  if (view.plan.hidden) return view.planBody.replaceChildren();
  const [title, other] = PLAN_TITLES[kind];
  view.planTitle.textContent = currentPhase(state).phase.title === title ? other : title;
  const actions = state.actions || [];
  const parts = [];
  if (kind === "followup" && state.followup) {
    const { followed, priorities = [] } = state.followup;
    parts.push(el("p", "plan-followed", t("Suite de « {title} »", { title: followed })));
    parts.push(el("h3", "plan-subtitle", t("Priorités encore ouvertes")));
    parts.push(priorities.length ? openPriorities(priorities) : el("p", "muted", t("Aucune priorité n'est restée ouverte.")));
  }
  if (kind === "recap") parts.push(...recordGroups(state.records || [], "h3"));
  if (actions.length) {
    if (kind !== "actions") parts.push(el("h3", "plan-subtitle", kind === "recap" ? t("Plan d'action") : t("Les actions")));
    parts.push(actionList(actions));
  }
  if (kind === "actions") parts.push(...recordGroups(state.records || [], "h3"));
  view.planBody.replaceChildren(...parts);
}

// A plain link: the printable minutes open in place of this page, the back button returns.
function renderMinutes() {
  const url = minutesUrl(state);
  view.minutes.hidden = !url;
  if (url) view.minutesLink.href = url;
}

// --- Where a note goes: its round and its column

/**
 * The phase a note written now belongs to: the current one when it collects notes. When the room
 * has just moved on while a note was half written, the form stays for the round it was written
 * in (the round still in view), so that nothing typed is lost or lands in the wrong step.
 */
function writingPhase() {
  const { phase } = currentPhase(state);
  if (phase && phase.kind === "notes") return phase;
  const round = phaseById(state, state.in_view);
  return round && round.kind === "notes" && view.text.value.trim() ? round : null;
}

function renderWriting() {
  const phase = writingPhase();
  // Rebuilt only when the round changes, so that a column picked stays picked.
  if (!phase || !writing || phase.id !== writing.id) renderLanes(phase);
  writing = phase;
  view.write.hidden = !phase;
  const late = Boolean(phase) && phase.id !== state.phase;
  view.late.hidden = !late;
  view.late.textContent = late
    ? t("L'étape a changé : vous pouvez encore envoyer ce post-it, il rejoindra l'étape « {title} ».", { title: phase.title })
    : "";
}

function renderLanes(phase) {
  const lanes = (phase && phase.lanes) || [];
  view.laneOptions.replaceChildren(...lanes.map(laneOption));
  view.lanes.hidden = lanes.length === 0;
  view.lanes.classList.remove("is-invalid");
}

/** A big radio button: the whole label is the touch target. */
function laneOption(lane) {
  const input = el("input");
  input.type = "radio";
  input.name = "lane";
  input.value = lane;
  const label = el("label", "lane-option");
  label.append(input, el("span", "lane-name", lane));
  return label;
}

function chosenLane() {
  const checked = view.laneOptions.querySelector("input:checked");
  return checked ? checked.value : null;
}

// --- Rapporteurs

function renderVolunteer() {
  const { phase } = currentPhase(state);
  view.volunteer.hidden = !phase || phase.kind !== "rapporteurs";
  view.volunteerToggle.textContent = volunteer
    ? t("Je ne suis plus volontaire")
    : t("Je me porte volontaire pour présenter le travail du groupe");
  // Stepping forward is the call to action; stepping back is the quieter choice.
  view.volunteerToggle.classList.toggle("button-primary", !volunteer);
  view.volunteerToggle.disabled = Boolean(state.closed);
  // Said in words too, also after a reload: the button's label alone is easy to misread.
  view.volunteerStatus.textContent = volunteerError || (volunteer ? t("Vous êtes volontaire ✓ Merci !") : "");
  view.volunteerStatus.classList.toggle("is-error", Boolean(volunteerError));
}

async function toggleVolunteer() {
  if (volunteering || !state) return;
  volunteering = true; // a double tap sends one request
  const wanted = !volunteer;
  const ack = await live.send("volunteer_set", { volunteer: wanted });
  volunteering = false;
  if (ack.ok) volunteer = typeof ack.volunteer === "boolean" ? ack.volunteer : wanted;
  volunteerError = ack.ok ? "" : t("Pas pris en compte : {reason}", { reason: errorText(ack.error) });
  renderVolunteer();
}

// --- Votes: the ballot, this phone's dots, then the group's ranking

function votePhase() {
  const { phase } = currentPhase(state);
  return phase && phase.kind === "vote" ? phase : null;
}

function myDots() {
  return knownDots.get(state.phase) || [];
}

function budget() {
  const phase = votePhase();
  return (phase && phase.budget) || 3; // the kits' default
}

function dotsOn(key) {
  return myDots().filter((dot) => itemKey(dot) === key);
}

function renderVote() {
  const phase = votePhase();
  const round = phase ? rankingOf(state, phase.id) : null;
  const open = Boolean(phase) && !round && !state.closed;
  view.vote.hidden = !open;
  view.rankingPanel.hidden = !round;
  if (open) renderBallot();
  if (round) renderRanking(round);
}

function renderBallot() {
  const total = budget();
  const left = Math.max(0, total - myDots().length);
  view.budget.textContent = tn(left, "Il vous reste {n} gommette sur {total}", "Il vous reste {n} gommettes sur {total}", { total });
  // The dots still in hand, drawn; the words above say the same for screen readers.
  view.budgetDots.replaceChildren(
    ...Array.from({ length: total }, (_, position) => el("span", position < left ? "dot" : "dot is-used")),
  );
  const ready = ballotPhase === state.phase;
  const items = ready ? (state.ballot || []).map((item) => ({ ...item, id: itemKey(item) })) : [];
  view.ballotEmpty.hidden = ready;
  renderKeyed(view.ballot, items, ballotCard);
  items.forEach((item, position) => updateCard(view.ballot.children[position], item, left));
  renderOrphans(ready ? items : null);
}

// A dot on an idea that left the vote (taken off the board) still counts against the budget:
// this phone can take it back, since no card shows it any more.
function orphanDots(items) {
  const keys = new Set(items.map((item) => item.id));
  return myDots().filter((dot) => !keys.has(itemKey(dot)));
}

function renderOrphans(items) {
  const orphans = items ? orphanDots(items) : [];
  view.orphans.hidden = orphans.length === 0;
  view.orphansText.textContent = tn(
    orphans.length,
    "{n} gommette était placée sur une idée retirée du vote.",
    "{n} gommettes étaient placées sur une idée retirée du vote.",
  );
  view.orphansTake.textContent = orphans.length > 1 ? t("Reprendre une de ces gommettes") : t("Reprendre cette gommette");
  const busy = orphans.some((dot) => voting.has(itemKey(dot)));
  view.orphansTake.setAttribute("aria-disabled", String(busy || Boolean(state.closed)));
}

function takeOrphan() {
  if (view.orphansTake.getAttribute("aria-disabled") === "true") return;
  const items = (state.ballot || []).map((item) => ({ id: itemKey(item) }));
  const [dot] = orphanDots(items);
  if (dot) retract(dot);
}

let cardCount = 0;

/** One big card per item: its text, the dots this phone put there, "−" and "+". */
function ballotCard(item) {
  const card = el("li", "ballot-item");
  const text = el("p", "ballot-text");
  text.id = `ballot-text-${++cardCount}`;
  const minus = voteButton("dot-minus", "−", t("Retirer une gommette"), text.id);
  minus.dataset.action = "retract";
  const plus = voteButton("dot-plus", "+", t("Ajouter une gommette"), text.id);
  plus.dataset.action = "cast";
  const dots = el("span", "ballot-dots");
  const row = el("div", "ballot-actions");
  row.append(minus, dots, plus);
  if (item.theme_id) card.append(el("p", "ballot-kind", t("Thème")));
  card.append(text, row);
  return card;
}

function voteButton(className, sign, label, describedBy) {
  const button = el("button", `button dot-button ${className}`);
  button.type = "button";
  button.append(el("span", "dot-sign", sign));
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-describedby", describedBy);
  return button;
}

// Refreshed on every render: the card (and the focus on its buttons) stays.
function updateCard(card, item, left) {
  const mine = dotsOn(item.id).length;
  card.querySelector(".ballot-text").textContent = item.text; // a theme may have been renamed
  card.classList.toggle("is-chosen", mine > 0);
  const dots = card.querySelector(".ballot-dots");
  dots.replaceChildren(...Array.from({ length: mine }, () => el("span", "dot")));
  if (mine) dots.append(el("span", "visually-hidden", tn(mine, "Vous avez mis {n} gommette ici.", "Vous avez mis {n} gommettes ici.")));
  const busy = voting.has(item.id) || Boolean(state.closed);
  const minus = card.querySelector(".dot-minus");
  const plus = card.querySelector(".dot-plus");
  minus.hidden = mine === 0;
  minus.setAttribute("aria-disabled", String(busy));
  plus.setAttribute("aria-disabled", String(busy));
  // No dot left: "+" looks quieter, but a tap still says why nothing happens.
  plus.classList.toggle("button-primary", left > 0);
}

function renderRanking(round) {
  view.rankingVoters.textContent = votersText(round.voters);
  view.rankingFew.textContent = round.counts_shown ? "" : FEW_VOTERS_TEXT;
  view.rankingFew.hidden = round.counts_shown;
  view.rankingEmpty.hidden = round.ranking.length > 0;
  view.ranking.replaceChildren(...rankingItems(round));
  // A phone gets the first priorities only; the room's screen shows them all.
  const more = round.more || 0;
  view.rankingMore.hidden = more === 0;
  view.rankingMore.textContent = more
    ? tn(more, "Et {n} autre priorité, sur l'écran de la salle.", "Et {n} autres priorités, sur l'écran de la salle.")
    : "";
}

function onBallotClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button || button.getAttribute("aria-disabled") === "true") return;
  const item = (state.ballot || []).find((known) => itemKey(known) === button.closest("li").dataset.id);
  if (!item) return;
  if (button.dataset.action === "cast") cast(item);
  else retract(item);
}

/**
 * Place one dot. Its id is made once per tap and kept when no answer came, so that tapping
 * again after a timeout resends the same dot: the server then places nothing more.
 */
async function cast(item) {
  const key = itemKey(item);
  const id = unanswered.get(key) || newId();
  unanswered.set(key, id);
  const ack = await voteRequest(key, "cast", { ...itemRef(item), id });
  if (ack.ok) {
    unanswered.delete(key);
    addDot(ack.phase, { id: ack.id || id, ...itemRef(item) });
    sayVote(t("Gommette placée ✓"));
  } else if (RETRYABLE.has(ack.error.code)) {
    sayVote(`${errorText(ack.error)} ${t("Touchez à nouveau « + » : la gommette ne comptera qu'une fois.")}`, true);
  } else {
    unanswered.delete(key);
    refused(ack);
  }
  afterVote(ack);
}

/** Take back one of this phone's dots on the item, named by its id: a resend takes no other. */
async function retract(item) {
  const key = itemKey(item);
  const mine = dotsOn(key);
  if (!mine.length) return;
  const dot = mine[mine.length - 1];
  const ack = await voteRequest(key, "retract", { ...itemRef(item), id: dot.id });
  if (ack.ok) {
    removeDot(ack.phase, dot.id);
    sayVote(t("Gommette reprise."));
  } else if (RETRYABLE.has(ack.error.code)) {
    sayVote(`${errorText(ack.error)} ${t("Touchez à nouveau « − » pour reprendre la gommette.")}`, true);
  } else refused(ack);
  afterVote(ack);
}

// One request per item at a time: its buttons stay unavailable until the answer, and at least
// TAP_LOCK_MS, so that a double tap never sends a second dot by accident.
async function voteRequest(key, action, payload) {
  const phase = state.phase;
  voting.set(key, action);
  renderVote();
  const [ack] = await Promise.all([
    live.send(action === "cast" ? "vote_cast" : "vote_retract", payload),
    new Promise((resolve) => setTimeout(resolve, TAP_LOCK_MS)),
  ]);
  voting.delete(key);
  return { ...ack, phase };
}

function addDot(phase, dot) {
  const dots = knownDots.get(phase) || [];
  if (!dots.some((known) => known.id === dot.id)) knownDots.set(phase, [...dots, dot]);
}

function removeDot(phase, id) {
  knownDots.set(phase, (knownDots.get(phase) || []).filter((dot) => dot.id !== id));
}

function refused(ack) {
  sayVote(errorText(ack.error), true);
  if (ack.error.code === "session_closed") state.closed = true;
  // The ballot or the vote changed under this phone: ask for the current one.
  if (["vote_closed", "unknown_item", "no_dot_here"].includes(ack.error.code)) live.resync();
}

// The server holds the budget: when its count differs from the dots this phone knows (a dot
// placed by a tap whose answer was lost, another tab), a fresh snapshot tells which they are.
function afterVote(ack) {
  const expected = budget() - (knownDots.get(ack.phase) || []).length;
  if (ack.ok && ack.phase === state.phase && ack.remaining !== expected) live.resync();
  if (state) renderSession();
}

// Feedback fades; an error stays until the next tap.
let voteSayTimer = null;

function sayVote(message, error = false) {
  clearTimeout(voteSayTimer);
  view.voteStatus.textContent = message;
  view.voteStatus.classList.toggle("is-error", error);
  if (!error) voteSayTimer = setTimeout(() => (view.voteStatus.textContent = ""), SAY_MS);
}

/** Keep the ballot and this phone's dots from a snapshot (join, sync). */
function takeBallot(snapshot) {
  if (!Array.isArray(snapshot.ballot)) return;
  ballotPhase = snapshot.phase;
  const dots = snapshot.my_dots || [];
  knownDots.set(snapshot.phase, dots);
  for (const dot of dots) if (unanswered.get(itemKey(dot)) === dot.id) unanswered.delete(itemKey(dot));
}

// A vote step opened without its ballot (the change came in a batch), or the themes changed:
// a fresh snapshot brings the ballot and this phone's dots.
function needBallot() {
  const phase = votePhase();
  return Boolean(phase) && !rankingOf(state, phase.id) && !state.closed;
}

// --- "Mes post-its"

// A refusal for good keeps its code, so that it is said in the page's language; a note
// stored by an older page has only the French message.
function statusText(note) {
  if (note.status !== "failed") return STATUS_TEXT[note.status] || STATUS_TEXT.pending;
  const reason = note.error ? errorText(note.error) : note.message || t("refusé par le serveur.");
  return t("Non envoyé : {reason}", { reason });
}

// "La journée d'hier · Matin": where the note went, once the phases are known.
function whereText(note) {
  const phase = phaseById(state, note.phase);
  return [phase && phase.title, note.lane].filter(Boolean).join(" · ");
}

function noteItem(note) {
  const item = el("li", `mine-note is-${note.status}`);
  const where = whereText(note);
  if (where) item.append(el("p", "mine-where", where));
  item.append(el("p", "mine-text", note.text), el("p", "mine-status", statusText(note)));
  if (note.status === "sent" && note.secret && !state?.closed) {
    const armed = withdrawArmed === note.id;
    const button = el("button", "button button-quiet mine-withdraw", armed ? t("Confirmer le retrait") : t("Retirer ce post-it"));
    button.type = "button";
    button.dataset.withdraw = note.id;
    item.append(button);
  }
  return item;
}

// --- Taking one's own note back: two taps, so that a stray thumb removes nothing

async function onMineClick(event) {
  const button = event.target.closest("button[data-withdraw]");
  if (!button) return;
  const id = button.dataset.withdraw;
  if (withdrawArmed !== id) {
    withdrawArmed = id;
    renderMine();
    document.querySelector(`button[data-withdraw="${id}"]`)?.focus();
    return;
  }
  withdrawArmed = null;
  const note = outbox.find(id);
  const ack = await live.send("note_withdraw", { note_id: id, secret: note.secret });
  if (ack.ok || ack.error.code === "unknown_note") outbox.update(id, { status: "withdrawn" });
  else showError(t("Post-it non retiré : {reason}", { reason: errorText(ack.error) }));
  renderMine();
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
  // The same id, round and column on every try: the server stores a resent note only once,
  // and in the step it was written for, however late it arrives.
  const payload = { text: note.text, id: note.id };
  if (note.secret) payload.secret = note.secret;
  if (note.phase) payload.phase = note.phase;
  if (note.lane) payload.lane = note.lane;
  const ack = await live.send("note_add", payload);
  inFlight.delete(note.id);
  const known = outbox.find(note.id);
  const waiting = known && (known.status === "pending" || known.status === "retrying");
  if (ack.ok) {
    if (waiting) outbox.update(note.id, { status: "sent" });
  } else if (!RETRYABLE.has(ack.error.code)) {
    outbox.update(note.id, { status: "failed", error: ack.error, message: ack.error.message });
    restoreText(note.text);
    showError(t("Post-it non envoyé : {reason}", { reason: errorText(ack.error) }));
  } else if (waiting && !NOT_TRIED.has(ack.error.code) && known.status !== "retrying") {
    // The server was reached but did not take it (no answer in time, too busy): said once.
    outbox.update(note.id, { status: "retrying" });
    say(t("Un post-it n'est pas parti : il est gardé ici, nouvel essai automatique."));
  }
  renderMine();
  return ack;
}

async function flush() {
  const pending = outbox.pending();
  if (!pending.length || !live.isJoined()) return;
  const acks = await Promise.all(pending.map(deliver));
  const sent = acks.filter((ack) => ack && ack.ok).length;
  if (sent) say(tn(sent, "Votre post-it en attente est parti ✓", "{n} post-its en attente sont partis ✓"));
}

async function onSubmit(event) {
  event.preventDefault();
  if (!writing) return;
  const text = view.text.value.trim();
  if (!text) {
    // A second tap right after sending finds the box already emptied: not a mistake.
    if (Date.now() - lastSubmitAt > 2000) showError(t("Écrivez quelques mots avant d'envoyer."));
    view.text.focus();
    return;
  }
  const lanes = writing.lanes || [];
  const lane = chosenLane();
  if (lanes.length && !lane) {
    showError(t("Choisissez une colonne avant d'envoyer."));
    view.lanes.classList.add("is-invalid"); // after showError, which clears it
    view.laneOptions.querySelector("input").focus();
    return;
  }
  showError("");
  // Stored, with its round and column, before it leaves the phone. The column stays picked for
  // the next note: people often write several in a row for the same one.
  const note = outbox.add(text, { phase: writing.id, lane: lanes.length ? lane : null });
  lastSubmitAt = Date.now();
  setText("");
  renderMine();
  const ack = await deliver(note);
  if (ack && ack.ok) say(t("Post-it envoyé ✓"));
  else if (ack && NOT_TRIED.has(ack.error.code)) {
    say(t("Pas de connexion pour l'instant : votre post-it est gardé ici et partira tout seul."));
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
  if (!message) view.lanes.classList.remove("is-invalid");
}

// Feedback fades after a while, so that an old "envoyé" never stands next to a new draft.
let sayTimer = null;

function say(message) {
  clearTimeout(sayTimer);
  view.feedback.textContent = message;
  sayTimer = setTimeout(() => (view.feedback.textContent = ""), SAY_MS);
}

// --- The analysis grid: pick a table, a situation (a row), a column, then write

const gridKey = `facilitate:grid:${code}`; // contributions not yet acknowledged, kept like notes
let gridRow = null; // the row being filled: a row id, "new" for a new situation, or null (the list)
let gridColumnsFor = null; // "phase:row" whose column buttons are drawn: redrawn only on change
let changingTable = false; // "Changer de table" shows the table choice again
const gridInFlight = new Set();

// The server never records who sits at which table: the phone remembers it, per step, and tells
// the server for its connection alone, which then sends it the grid of those tables only.
const tablePrefix = `facilitate:table:${code}:`;
const FOLLOW_LIMIT = 64; // the server refuses a longer id, or more grid phases, in `tables`

function tableKey(phaseId) {
  return `${tablePrefix}${phaseId}`;
}

/**
 * {grid phase id: table id}: where this phone sits, in every grid phase where it chose a table.
 * Before the first snapshot the phone does not know its phases: every stored key of this session
 * counts. An entry the server would refuse (a key edited by hand) is left out, since it would
 * make the server refuse the whole join.
 */
function tablesMap() {
  // This session's grid phases first: should the stored keys be too many, they are the ones kept.
  const grids = ((state && state.phases) || []).filter((phase) => phase.kind === "grid");
  const phases = new Set([...grids.map((phase) => phase.id), ...storedTablePhases()]);
  const tables = {};
  for (const phase of phases) {
    const table = readText(tableKey(phase));
    if (Object.keys(tables).length >= FOLLOW_LIMIT) break;
    if (followable(phase) && followable(table)) tables[phase] = table;
  }
  return tables;
}

function followable(id) {
  return typeof id === "string" && id.length > 0 && id.length <= FOLLOW_LIMIT;
}

// The phases named in this session's table keys. Where storage is refused the values live in
// memory only; the phases of the snapshot find those.
function storedTablePhases() {
  try {
    const storage = window.localStorage;
    const keys = Array.from({ length: storage.length }, (_, index) => storage.key(index));
    return keys.filter((key) => key && key.startsWith(tablePrefix)).map((key) => key.slice(tablePrefix.length));
  } catch {
    return [];
  }
}

let following = 0; // the last grid_follow sent: only its answer is taken
let heldGrid = null; // grid changes heard while a grid_follow awaits its answer

/**
 * Tell the server where this phone sits now, and take the grid it answers with. Changes heard
 * meanwhile may be newer than that grid: they are applied again on top. On a refusal or a
 * timeout the phone keeps what it had: the next join carries the tables anyway.
 */
async function followTables() {
  const mine = ++following;
  heldGrid = [];
  const ack = await live.send("grid_follow", { tables: tablesMap() });
  if (mine !== following) return; // a newer request was sent: its answer is the one to take
  const held = heldGrid;
  heldGrid = null;
  if (!ack.ok || !state) return;
  applyGridReplaced(state, ack);
  for (const [name, data] of held) applyGridUpdate(name, data);
  renderGrid();
}

// A row or a contribution from a batch or a table's grid_batch: both say it whole.
function applyGridUpdate(name, data) {
  if (heldGrid) heldGrid.push([name, data]);
  if (name === "grid_added") applyGridAdded(state, data);
  else applyGridChanged(state, data);
}

/** The table this phone chose for the grid phase: a table id, null when the phase has none. */
function myTable(phase) {
  const tables = tablesOf(state, phase.id);
  if (!tables.length) return null;
  const chosen = readText(tableKey(phase.id));
  return tables.some((table) => table.id === chosen) ? chosen : undefined;
}

function gridPending() {
  const items = readJSON(gridKey, []);
  return Array.isArray(items) ? items.filter((item) => item && item.id && item.text) : [];
}

function saveGridPending(items) {
  if (items.length) writeJSON(gridKey, items);
  else removeKey(gridKey);
}

function renderGrid() {
  const phase = gridPhase(state);
  view.grid.hidden = !phase;
  if (!phase) return;
  const table = myTable(phase);
  const choosing = table === undefined || changingTable;
  renderTableChoice(phase, table, choosing);
  // A row chosen at another table, or gone, is no longer this phone's to fill.
  const rows = choosing ? [] : rowsOf(state, phase.id, table);
  if (gridRow !== "new" && !rows.some((row) => row.id === gridRow)) gridRow = null;
  view.gridRowsBox.hidden = choosing || gridRow !== null;
  view.gridForm.hidden = choosing || gridRow === null;
  view.gridCells.hidden = choosing || !gridRow || gridRow === "new";
  view.gridFields.disabled = Boolean(state.closed);
  view.gridNewRow.disabled = Boolean(state.closed);
  if (!choosing && gridRow === null) renderRowList(rows);
  if (!choosing && gridRow !== null) renderGridForm(phase);
  renderGridMine();
}

function renderTableChoice(phase, table, choosing) {
  const tables = tablesOf(state, phase.id);
  view.gridTables.hidden = !tables.length || !choosing;
  view.gridTableChosen.hidden = !tables.length || choosing;
  const chosen = tables.find((known) => known.id === table);
  view.gridTableName.textContent = chosen ? t("Votre table : {name}", { name: chosen.name }) : "";
  if (!tables.length || !choosing) return;
  // Rebuilt only when the tables change, so that a radio being touched stays under the finger.
  const names = tables.map((known) => `${known.id}=${known.name}`).join("|");
  if (view.gridTableOptions.dataset.names === names) return;
  view.gridTableOptions.dataset.names = names;
  view.gridTableOptions.replaceChildren(
    ...tables.map((known) => radioOption("grid-table", known.id, known.name, known.id === table)),
  );
}

/** A big radio button, like the note form's columns: the whole label is the touch target. */
function radioOption(name, value, text, checked = false) {
  const option = laneOption(text);
  const input = option.querySelector("input");
  input.name = name;
  input.value = value;
  input.checked = checked;
  return option;
}

function chooseTable(event) {
  const input = event.target.closest("input[name='grid-table']");
  const phase = gridPhase(state);
  if (!input || !phase) return;
  writeText(tableKey(phase.id), input.value);
  changingTable = false;
  gridRow = null;
  renderGrid();
  // Even the same table again: tapping it is how one retries after a grid_follow that failed.
  followTables();
}

function renderRowList(rows) {
  view.gridRowsEmpty.hidden = rows.length > 0;
  view.gridRowsHint.hidden = rows.length === 0;
  renderKeyed(view.gridRows, rows, rowChoice);
  rows.forEach((row, position) => {
    const button = view.gridRows.children[position].querySelector("button");
    button.querySelector(".grid-row-text").textContent = rowLabel(state, row.id);
    const count = state.grid.contributions.filter((item) => item.row === row.id && item.column !== "situation").length;
    button.querySelector(".grid-row-count").textContent = tn(count, "{n} contribution", "{n} contributions");
  });
}

function rowChoice(row) {
  const item = el("li");
  const button = el("button", "button button-big grid-row-choice");
  button.type = "button";
  button.dataset.row = row.id;
  button.append(el("span", "grid-row-text"), el("span", "grid-row-count"));
  item.append(button);
  return item;
}

function openRow(event) {
  const button = event.target.closest("button[data-row]");
  if (!button) return;
  gridRow = button.dataset.row;
  showGridError("");
  renderGrid();
  view.gridForm.scrollIntoView({ block: "start" });
}

function openNewRow() {
  gridRow = "new";
  showGridError("");
  renderGrid();
  view.gridText.focus();
}

function backToRows() {
  gridRow = null;
  showGridError("");
  renderGrid();
}

// A new situation needs only its text; an existing row asks for the column first.
function renderGridForm(phase) {
  const fresh = gridRow === "new";
  view.gridRowTitle.textContent = fresh
    ? t("Nouvelle situation de travail")
    : t("Situation : {situation}", { situation: rowLabel(state, gridRow) });
  view.gridColumns.hidden = fresh;
  view.gridSubmit.textContent = fresh ? t("Ajouter la situation") : t("Ajouter à la grille");
  const drawn = `${phase.id}:${gridRow}`;
  if (gridColumnsFor !== drawn) {
    gridColumnsFor = drawn;
    const columns = gridColumns(phase).filter((column) => column.key !== "situation");
    view.gridColumnOptions.replaceChildren(
      ...columns.map((column) => radioOption("grid-column", column.key, column.title)),
    );
  }
  updateTextLabel();
  if (!fresh) renderCells(phase);
}

function chosenColumn() {
  if (gridRow === "new") return "situation";
  const checked = view.gridColumnOptions.querySelector("input:checked");
  return checked ? checked.value : null;
}

function updateTextLabel() {
  const column = chosenColumn();
  view.gridTextLabel.textContent =
    gridRow === "new"
      ? t("Décrivez la situation de travail")
      : column
        ? t("Votre contribution : {column}", { column: columnTitle(column) })
        : t("Votre contribution");
}

// What the others wrote in this row, column by column, read-only.
function renderCells(phase) {
  const blocks = gridColumns(phase).map((column) => {
    const items = cellOf(state, gridRow, column.key);
    const block = el("section", "grid-cell-block");
    block.dataset.column = column.key;
    block.append(el("h4", "grid-cell-title", column.title));
    const list = el("ul", "grid-cell-items");
    list.append(...items.map((item) => el("li", "grid-cell-item", item.text)));
    if (!items.length) list.append(el("li", "grid-cell-none", t("Rien pour l'instant")));
    block.append(list);
    return block;
  });
  view.gridCellList.replaceChildren(...blocks);
}

function onGridSubmit(event) {
  event.preventDefault();
  const phase = gridPhase(state);
  if (!phase || gridRow === null) return;
  const text = view.gridText.value.trim();
  const column = chosenColumn();
  if (!column) {
    showGridError(t("Choisissez une colonne avant d'envoyer."));
    view.gridColumns.classList.add("is-invalid");
    view.gridColumnOptions.querySelector("input")?.focus();
    return;
  }
  if (!text) {
    showGridError(t("Écrivez quelques mots avant d'envoyer."));
    view.gridText.focus();
    return;
  }
  showGridError("");
  const item = {
    id: newId(),
    phase: phase.id,
    group: myTable(phase) || null,
    row: gridRow === "new" ? null : gridRow,
    column,
    text,
    status: "pending",
  };
  saveGridPending([...gridPending(), item]); // stored before it leaves the phone
  setGridText("");
  renderGridMine();
  deliverGrid(item);
}

/** Send one contribution; the same id on every try, so that a resend adds nothing. */
async function deliverGrid(item) {
  if (gridInFlight.has(item.id)) return;
  gridInFlight.add(item.id);
  const payload = { row: item.row, column: item.column, text: item.text, phase: item.phase, id: item.id };
  if (item.group) payload.group = item.group;
  const ack = await live.send("grid_set", payload);
  gridInFlight.delete(item.id);
  const others = gridPending().filter((known) => known.id !== item.id);
  if (ack.ok) {
    saveGridPending(others);
    takeOwnContribution(item, ack);
    showGridSent(item);
    sayGrid(item.row ? t("Envoyé ✓ Ajouté à la grille.") : t("Envoyé ✓ La situation est dans la grille : complétez-la."));
  } else if (NOT_TRIED.has(ack.error.code)) {
    sayGrid(t("Pas de connexion pour l'instant : votre contribution est gardée ici et partira toute seule."));
  } else if (RETRYABLE.has(ack.error.code)) {
    const known = gridPending().find((stored) => stored.id === item.id);
    if (known && known.status !== "retrying") {
      saveGridPending(gridPending().map((stored) => (stored.id === item.id ? { ...stored, status: "retrying" } : stored)));
      sayGrid(t("Une contribution n'est pas partie : elle est gardée ici, nouvel essai automatique."));
    }
  } else {
    // Refused for good (too long, unknown row…): said in the page's language, not retried,
    // the text given back.
    saveGridPending(others);
    if (!view.gridText.value.trim()) setGridText(item.text);
    showGridError(t("Non envoyé : {reason}", { reason: errorText(ack.error) }));
  }
  if (state) renderGrid();
}

// The batch brings it too, a second later; shown at once, and a new row opens for the columns.
function takeOwnContribution(item, ack) {
  const row = ack.row || item.row;
  const opened = item.row === null ? { id: row, phase: item.phase, table: item.group, position: Number.MAX_SAFE_INTEGER } : null;
  applyGridAdded(state, { row: opened, contribution: { id: ack.id || item.id, row, column: item.column, text: item.text, version: 0 } });
  if (item.row === null && gridRow === "new") gridRow = row;
}

function flushGrid() {
  if (!live.isJoined()) return;
  for (const item of gridPending()) deliverGrid(item);
}

// Each contribution still on the phone says whether it waits or failed and is tried again;
// one just sent says so for a moment, then the cells above show it.
const gridSent = new Map(); // id -> contribution acknowledged in the last few seconds

function showGridSent(item) {
  gridSent.set(item.id, { ...item, status: "sent" });
  setTimeout(() => {
    gridSent.delete(item.id);
    renderGridMine();
  }, SAY_MS);
}

function renderGridMine() {
  const items = [...gridSent.values(), ...gridPending()];
  view.gridMine.replaceChildren(
    ...items.map((item) => {
      const status = STATUS_TEXT[item.status] ? item.status : "pending";
      const node = el("li", `mine-note is-${status}`);
      node.append(el("p", "mine-where", columnTitle(item.column)), el("p", "mine-text", item.text));
      node.append(el("p", "mine-status", STATUS_TEXT[status]));
      return node;
    }),
  );
  view.gridMine.hidden = items.length === 0;
}

function setGridText(text) {
  view.gridText.value = text;
  onGridInput();
}

function onGridInput() {
  const length = view.gridText.value.length;
  view.gridCount.textContent = `${length} / ${MAX_LENGTH}`;
  view.gridCount.classList.toggle("is-near-limit", length > MAX_LENGTH - 50);
  if (length) showGridError("");
}

function showGridError(message) {
  view.gridError.textContent = message;
  view.gridError.hidden = !message;
  if (!message) view.gridColumns.classList.remove("is-invalid");
}

let gridSayTimer = null;

function sayGrid(message) {
  clearTimeout(gridSayTimer);
  view.gridFeedback.textContent = message;
  gridSayTimer = setTimeout(() => (view.gridFeedback.textContent = ""), SAY_MS);
}

// --- Live connection

function onState(snapshot) {
  state = snapshot;
  takeBallot(snapshot);
  countdown.set(snapshot.timer);
  renderSession();
  renderMine();
}

// The direct phase_changed carries the new step's timer; the same change in a batch does not,
// and then the timer already received stays.
function onEvent(name, data) {
  if (!state) return;
  if (name === "phase_changed") changePhase(data);
  else if (name === "timer_changed") return countdown.set(data.timer);
  else if (name === "notes_hold_changed") state.hold = data.hold;
  else if (name === "note_hidden") return markHidden(data.note_id);
  else if (name === "ballot") return needBallot() && live.resync();
  else if (name === "votes_revealed") applyReveal(state, data.phase, data);
  else if (name === "session_closed") {
    state.closed = true;
    renderMine(); // nothing can be withdrawn any more
  }
  else if (name === "grid_added" || name === "grid_changed") applyGridUpdate(name, data);
  else if (name === "grid_refresh") return void followTables(); // renders when the grid arrives
  else if (name === "tables_changed") applyTables(state, data);
  else if (name === "actions_changed") state.actions = data.actions || [];
  else if (name === "records_changed") state.records = data.records || [];
  else if (name === "minutes_published") applyMinutes(state, data);
  else return;
  renderSession();
}

// The direct phase_changed carries the ballot when a vote opens; the same change in a batch
// does not, and then the phone asks for it.
function changePhase(data) {
  state.phase = data.phase;
  if (typeof data.in_view === "string") state.in_view = data.in_view;
  if (typeof data.hold === "boolean") state.hold = data.hold;
  if (data.timer) countdown.set(data.timer);
  if (Array.isArray(data.ballot)) {
    state.ballot = data.ballot;
    ballotPhase = data.phase;
  }
  if (needBallot() && ballotPhase !== state.phase) live.resync();
}

function markHidden(id) {
  // A note taken off the board leaves the ballot too.
  if (needBallot()) live.resync();
  const mine = outbox.find(id);
  if (!mine || mine.status === "withdrawn") return; // someone else's, or taken back from here
  outbox.update(id, { status: "hidden" });
  renderMine();
}

function onJoin(ack) {
  if (ack.token) writeText(tokenKey, ack.token);
  volunteer = Boolean(ack.volunteer);
  if (state) renderVolunteer();
  flush();
  flushGrid();
}

function onStatus(status, message) {
  showConnection(view.connection, status, message);
  if (status === "error") {
    view.fields.disabled = true;
    view.volunteerToggle.disabled = true;
    view.vote.hidden = true;
  }
}

const live = connectLive({
  code,
  role: "participant",
  getToken: () => readText(tokenKey),
  joinFields: () => ({ tables: tablesMap() }),
  onState,
  onEvent,
  onJoin,
  onStatus,
});

view.form.addEventListener("submit", onSubmit);
view.mine.addEventListener("click", onMineClick);
view.text.addEventListener("input", onInput);
view.laneOptions.addEventListener("change", () => showError(""));
view.volunteerToggle.addEventListener("click", toggleVolunteer);
view.ballot.addEventListener("click", onBallotClick);
view.orphansTake.addEventListener("click", takeOrphan);
// Another tab of this session on the same phone changed the outbox.
window.addEventListener("storage", (event) => {
  if (event.key === outbox.key) renderMine();
});
// "click", not "change": tapping the table already chosen must close the choice too.
view.gridTableOptions.addEventListener("click", chooseTable);
view.gridTableChange.addEventListener("click", () => {
  changingTable = true;
  renderGrid();
});
view.gridRows.addEventListener("click", openRow);
view.gridNewRow.addEventListener("click", openNewRow);
view.gridBack.addEventListener("click", backToRows);
view.gridForm.addEventListener("submit", onGridSubmit);
view.gridText.addEventListener("input", onGridInput);
view.gridColumnOptions.addEventListener("change", () => {
  showGridError("");
  updateTextLabel();
});
setInterval(() => {
  flush();
  flushGrid();
}, RESEND_MS);

setText(readText(draftKey) || "");
renderMine();
