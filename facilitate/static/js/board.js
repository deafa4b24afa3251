// The projected board: the current step and its timer, how to join, and the notes of the round
// in view as cards, in one column per lane when the round has lanes. While the room groups and
// votes, one column per theme; once a vote is revealed, the group's priorities as a bar chart.
// Notes are shown in a random order so that nobody can tell who wrote what from where it sits.
// In the follow-up, action plan and recap steps, what the console wrote: "Où en est-on ?", the
// action plan, the records.
//
// In the room: a presenter mode (P) that leaves only the step, its timer and the notes; the QR
// code full screen (Q); an instant black screen on this machine (B); the browser's full screen
// (F); the keys listed on screen (?). Many notes: the cards shrink until all fit (fitNotes).
import { t, tn } from "./i18n.js";
import { connectLive } from "./live.js";
import {
  FEW_VOTERS_TEXT,
  applyDecision,
  applyReveal,
  applyThemes,
  decisionBadge,
  decisionFor,
  followRewording,
  grouped,
  phaseKind,
  rankingItems,
  rankingOf,
  voteOpen,
  votersText,
} from "./priorities.js";
import {
  applyPhaseChange,
  byId,
  byLane,
  currentPhase,
  el,
  notesInView,
  phaseById,
  renderKeyed,
  showConnection,
  showPhase,
  showRules,
} from "./ui.js";
import { createCountdown, formatClock, timerState } from "./timer.js";
import {
  applyGridAdded,
  applyGridChanged,
  applyGridReplaced,
  applyGridView,
  applyTables,
  cellOf,
  contributionItem,
  gridColumns,
  gridPhase,
  gridsOf,
} from "./grid.js";
import {
  actionList,
  actionTable,
  applyMinutes,
  minutesUrl,
  openPriorities,
  planHasContent,
  planKind,
  recordGroups,
} from "./plan_view.js";

const app = byId("app");
const code = app.dataset.code.toUpperCase();

const view = {
  title: byId("session-title"),
  step: byId("phase-step"),
  phaseTitle: byId("phase-title"),
  prompt: byId("phase-prompt"),
  timer: byId("timer"),
  timerClock: byId("timer-clock"),
  timerLabel: byId("timer-label"),
  rules: byId("rules"),
  closed: byId("closed-notice"),
  minutes: byId("minutes-notice"),
  pending: byId("pending"),
  notes: byId("notes"),
  lanes: byId("lanes"),
  themes: byId("themes"),
  empty: byId("notes-empty"),
  voteProgress: byId("vote-progress"),
  voters: byId("voters"),
  voteHow: byId("vote-how"),
  priorities: byId("priorities"),
  prioritiesVoters: byId("priorities-voters"),
  prioritiesFew: byId("priorities-few"),
  prioritiesEmpty: byId("priorities-empty"),
  ranking: byId("ranking"),
  volunteers: byId("volunteers"),
  volunteersCount: byId("volunteers-count"),
  presence: byId("presence"),
  connection: byId("connection"),
  grid: byId("grid"),
  gridEmpty: byId("grid-empty"),
  gridTables: byId("grid-tables"),
  plan: byId("plan"),
  area: byId("notes-area"),
  blank: byId("blank"),
  blankRemote: byId("blank-remote"),
  blankLocal: byId("blank-local"),
  presenter: byId("presenter-toggle"),
  qrOpen: byId("qr-open"),
  qrDialog: byId("qr-dialog"),
  qrCode: byId("qr-full-code"),
  joinCode: byId("join-code"),
  helpOpen: byId("help-open"),
  helpDialog: byId("help-dialog"),
};

// Past this many notes the join box gives its column to them.
const CROWDED = 24;

const TIMER_LABEL = { running: t("Temps restant"), paused: t("En pause"), ended: t("Temps écoulé") };

let state = null;
const countdown = createCountdown(renderTimer);

// --- Rendering

function renderPhase() {
  view.title.textContent = state.title || "";
  showPhase(state, { step: view.step, title: view.phaseTitle, prompt: view.prompt });
  showRules(view.rules, state);
  fitPrompt(boardMode());
  view.closed.hidden = !state.closed;
  renderMinutes();
  renderVolunteers();
  renderTimer(countdown.read());
  scheduleFit();
}

// Big, beside the title. At 0:00 it says so calmly: no blinking in front of a room.
function renderTimer(timer) {
  view.timer.hidden = !timer.planned || !state || state.closed;
  view.timer.dataset.state = timerState(timer);
  view.timerClock.textContent = formatClock(timer.remaining);
  view.timerLabel.textContent = TIMER_LABEL[timerState(timer)];
}

function isRapporteurs() {
  const { phase } = currentPhase(state);
  return Boolean(phase) && phase.kind === "rapporteurs";
}

function renderVolunteers() {
  view.volunteers.hidden = !isRapporteurs();
  view.volunteersCount.textContent = tn(state.volunteers || 0, "{n} volontaire", "{n} volontaires");
  renderEmpty();
}

function renderPending() {
  const count = state.pending || 0;
  view.pending.hidden = (!state.hold && count === 0) || Boolean(gridPhase(state));
  view.pending.textContent =
    count === 0
      ? t("Les post-its restent masqués pendant l'écriture.")
      : tn(count, "{n} post-it en attente de révélation", "{n} post-its en attente de révélation");
  renderEmpty();
  scheduleFit();
}

// Nothing to show yet: say where the notes will come, except while volunteers step forward
// or the priorities are on screen.
function renderEmpty() {
  view.empty.hidden =
    notesInView(state).length > 0 ||
    !view.pending.hidden ||
    isRapporteurs() ||
    !view.priorities.hidden ||
    !view.grid.hidden ||
    !view.plan.hidden;
}

// The more notes, the smaller the cards, so that as many as possible stay on screen.
function density(count) {
  if (count > 40) return "3";
  if (count > 16) return "2";
  return "1";
}

// In lanes, what fills the screen is the longest column: two lanes leave room for two cards
// side by side in each, more lanes for one.
function laneDensity(columns) {
  const across = columns.length <= 2 ? 2 : 1;
  const rows = Math.max(0, ...columns.map((column) => Math.ceil(column.notes.length / across)));
  if (rows > 5) return "3";
  if (rows > 3) return "2";
  return "1";
}

/**
 * What the notes area shows: "ranking" once the vote of this step is revealed, "themes" while
 * the room groups or votes and the round has themes, else "notes" (in lanes if it has some).
 */
function boardMode() {
  const kind = phaseKind(state);
  if (gridPhase(state)) return "grid";
  if (planHasContent(state)) return "plan";
  if (kind === "vote" && rankingOf(state, state.phase)) return "ranking";
  if ((kind === "group" || kind === "vote") && grouped(state).groups.length) return "themes";
  return "notes";
}

function renderNotes() {
  const mode = boardMode();
  fitPrompt(mode);
  view.priorities.hidden = mode !== "ranking";
  view.themes.hidden = mode !== "themes";
  view.grid.hidden = mode !== "grid";
  view.plan.hidden = mode !== "plan";
  app.classList.toggle("is-grid", mode === "grid");
  app.classList.toggle("is-plan", mode === "plan");
  // Many notes: the step's title and timer take a step less height, still read from afar.
  app.classList.toggle("is-crowded", FIT_MODES.has(mode) && notesInView(state).length > CROWDED);
  if (mode !== "grid") view.gridTables.replaceChildren();
  if (mode !== "plan") view.plan.replaceChildren();
  renderVoteProgress();
  if (mode === "plan") {
    clearNotes();
    view.themes.replaceChildren();
    renderPlan();
  } else if (mode === "grid") {
    clearNotes();
    view.themes.replaceChildren();
    renderGrid();
  } else if (mode === "ranking") {
    clearNotes();
    view.themes.replaceChildren();
    renderRanking();
  } else if (mode === "themes") {
    clearNotes();
    renderThemes();
  } else {
    view.themes.replaceChildren();
    renderPlainNotes();
  }
  renderEmpty();
  scheduleFit();
}

// Once the vote is revealed its prompt ("placez vos gommettes") is over: the ranking takes its room.
// So with the plan: once something is written, what was written says more than the prompt.
function fitPrompt(mode) {
  view.prompt.hidden = !view.prompt.textContent || mode === "ranking" || mode === "plan";
}

function clearNotes() {
  view.notes.hidden = true;
  view.lanes.hidden = true;
  view.notes.replaceChildren();
  view.lanes.replaceChildren();
  app.classList.remove("has-many-lanes");
  app.classList.add("is-wide");
}

function renderPlainNotes() {
  const notes = notesInView(state);
  // Many notes: the room has joined by then, the join box shrinks to a strip beside the title.
  app.classList.toggle("is-wide", notes.length > CROWDED);
  const round = phaseById(state, state.in_view);
  const lanes = (round && round.lanes) || [];
  view.lanes.hidden = lanes.length === 0;
  view.notes.hidden = lanes.length > 0;
  app.classList.toggle("has-many-lanes", lanes.length >= 4);
  if (lanes.length) {
    view.notes.replaceChildren();
    const columns = byLane(notes, lanes);
    renderLanes(columns, laneDensity(columns));
  } else {
    view.lanes.replaceChildren();
    renderKeyed(view.notes, notes, noteCard);
    view.notes.dataset.density = density(notes.length);
  }
}

// --- Themes, votes and priorities

// While a vote is open the room sees how many took part, never for what: no count per item
// exists before the reveal.
function renderVoteProgress() {
  const open = voteOpen(state);
  view.voteProgress.hidden = !open;
  if (!open) return;
  view.voters.textContent = votersText(state.voters || 0);
  const { phase } = currentPhase(state);
  const budget = (phase && phase.budget) || 3;
  scheduleFit();
  view.voteHow.textContent = tn(
    budget,
    "{n} gommette par personne, à placer sur son téléphone.",
    "{n} gommettes par personne, à placer sur son téléphone.",
  );
}

// One column per theme, its title large, its notes under it; the notes of no theme come last.
function renderThemes() {
  const { groups, loose } = grouped(state);
  const columns = groups.map((group) => ({ id: `theme:${group.id}`, title: group.theme.title, notes: group.notes }));
  if (loose.length) columns.push({ id: "loose", title: t("Sans thème"), notes: loose, loose: true });
  renderKeyed(view.themes, columns, themeColumn);
  const longest = Math.max(0, ...columns.map((column) => column.notes.length));
  view.themes.dataset.density = longest > 6 || columns.length > 6 ? "2" : "1";
  columns.forEach((column, position) => {
    const section = view.themes.children[position];
    section.querySelector("h2").textContent = column.title; // a rename changes it
    section.classList.toggle("is-loose", Boolean(column.loose));
    renderKeyed(section.querySelector("ul"), column.notes, noteCard);
  });
}

function themeColumn() {
  const section = el("section", "theme-column");
  section.append(el("h2", "theme-title"), el("ul", "theme-notes"));
  return section;
}

// Best first, ties on the same rank; bars only when counts may be shown. The COPIL's decision
// sits under its item, in its own colour: it never moves the group's order.
function renderRanking() {
  const round = rankingOf(state, state.phase);
  view.prioritiesVoters.textContent = votersText(round.voters);
  view.prioritiesFew.textContent = round.counts_shown ? "" : FEW_VOTERS_TEXT;
  view.prioritiesFew.hidden = round.counts_shown;
  view.prioritiesEmpty.hidden = round.ranking.length > 0;
  // A decision takes most of a line of its own: count it when sizing the rows.
  const decided = round.ranking.filter((entry) => decisionFor(state, entry)).length;
  view.ranking.dataset.density = round.ranking.length + decided * 0.6 > 6 ? "2" : "1";
  view.ranking.classList.toggle("has-bars", round.counts_shown);
  const items = rankingItems(round, {
    bars: round.counts_shown,
    extra(entry, item, body) {
      const decision = decisionFor(state, entry);
      if (decision) body.append(decisionBadge(decision));
    },
  });
  view.ranking.replaceChildren(...items);
}

// One column per lane, headed by its name; a last one for notes without a lane, if any.
function renderLanes(columns, cardDensity) {
  const items = columns.map((column) => ({
    ...column,
    id: column.lane === null ? "" : `lane:${column.lane}`,
  }));
  renderKeyed(view.lanes, items, laneColumn);
  items.forEach((column, position) => {
    const list = view.lanes.children[position].querySelector("ul");
    renderKeyed(list, column.notes, noteCard);
    list.dataset.density = cardDensity;
  });
}

function laneColumn(column) {
  const section = el("section", "lane");
  const title = el("h2", "lane-title", column.lane === null ? t("Sans colonne") : column.lane);
  section.append(title, el("ul", "notes-grid lane-notes"));
  return section;
}

// --- The analysis grid

/**
 * What the projector shows of the grid, as the facilitator chose (`grid_view`): one table or
 * all of them, one row or every row. Tables with no row yet stay off the screen when all are shown.
 */
function shownGrids(phase) {
  const { table = null, row = null } = state.grid_view || {};
  let grids = gridsOf(state, phase.id);
  if (table) grids = grids.filter((grid) => grid.id === table);
  else if (grids.length > 1) grids = grids.filter((grid) => grid.rows.length > 0);
  const focused = row ? grids.map((grid) => ({ ...grid, rows: grid.rows.filter((known) => known.id === row) })) : [];
  const one = focused.filter((grid) => grid.rows.length > 0);
  // A row that is gone (or of another step) leaves the whole grid on screen.
  return one.length ? { grids: one, focus: true } : { grids, focus: false };
}

function renderGrid() {
  const phase = gridPhase(state);
  const { grids, focus } = shownGrids(phase);
  const columns = gridColumns(phase);
  const rows = grids.reduce((total, grid) => total + grid.rows.length, 0);
  view.gridEmpty.hidden = rows > 0;
  view.grid.dataset.focus = focus ? "row" : "all";
  // Fewer rows on screen, bigger type; many rows scroll rather than shrink out of reach.
  view.grid.dataset.density = focus ? "0" : rows > 4 ? "2" : "1";
  view.gridTables.replaceChildren(...grids.filter((grid) => grid.rows.length).map((grid) => gridTable(grid, columns)));
}

function gridTable(grid, columns) {
  const section = el("section", "grid-board");
  section.dataset.table = grid.id || "";
  if (grid.name) section.append(el("h2", "grid-board-title", grid.name));
  const table = el("table", "grid-table");
  const head = el("tr");
  for (const column of columns) {
    const th = el("th", "grid-head", column.title);
    th.scope = "col";
    th.dataset.column = column.key;
    head.append(th);
  }
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const row of grid.rows) table.tBodies[0].append(gridRow(row, columns));
  section.append(table);
  return section;
}

function gridRow(row, columns) {
  const tr = el("tr", "grid-row");
  tr.dataset.row = row.id;
  for (const column of columns) {
    const cell = el(column.key === "situation" ? "th" : "td", "grid-cell");
    if (column.key === "situation") cell.scope = "row";
    cell.dataset.column = column.key;
    const list = el("ul", "grid-cell-list");
    list.append(...cellOf(state, row.id, column.key).map((item) => contributionItem(item)));
    cell.append(list);
    tr.append(cell);
  }
  return tr;
}

// --- The follow-up, the action plan and the records (read only: the console writes them)

// Rebuilt whole on each change: a few dozen lines at most, and no card to keep animating.
function renderPlan() {
  const kind = planKind(state);
  view.plan.dataset.kind = kind;
  if (kind === "followup") view.plan.replaceChildren(...followupBlocks());
  else if (kind === "actions") view.plan.replaceChildren(planTable(false), ...recordsBlock());
  else view.plan.replaceChildren(...recapBlocks());
}

/** "Où en est-on ?": what the followed session left open beside the actions and their status. */
function followupBlocks() {
  const { followup } = state;
  const actions = state.actions || [];
  const blocks = [];
  if (followup) {
    blocks.push(el("p", "plan-followed", t("Ce que la séance « {title} » a laissé ouvert", { title: followup.followed })));
  }
  const columns = el("div", "plan-columns");
  if (followup) {
    const priorities = followup.priorities || [];
    const block = planBlock(t("Priorités encore ouvertes"));
    const list = openPriorities(priorities);
    list.classList.add("ranking-board"); // the projector's sizes for a ranking
    block.append(priorities.length ? list : el("p", "board-empty", t("Aucune priorité n'est restée ouverte.")));
    columns.append(block);
  }
  const block = planBlock(t("Où en sont les actions ?"));
  const list = actionList(actions);
  // More actions, smaller cards: a follow-up rarely carries more than a handful.
  list.dataset.density = actions.length > 5 ? "3" : actions.length > 2 ? "2" : "1";
  block.append(actions.length ? list : el("p", "board-empty", t("Aucune action à suivre pour l'instant.")));
  columns.append(block);
  columns.classList.toggle("has-two", columns.children.length > 1);
  blocks.push(columns);
  return blocks;
}

/** The records, one column per kind, then the action plan when there is one. */
function recapBlocks() {
  const blocks = recordsBlock();
  // Under records, the plan takes its smaller type so that more of it stays on screen.
  if ((state.actions || []).length) blocks.push(planTable(true, blocks.length > 0));
  return blocks;
}

/** The records as one block of columns, or nothing when none was written. */
function recordsBlock() {
  const groups = recordGroups(state.records || [], "h2");
  if (!groups.length) return [];
  const records = el("div", "plan-records");
  records.append(...groups);
  return [records];
}

/** The action plan's table; its heading is shown only where the step's title is not the plan. */
function planTable(titled, tight = false) {
  const actions = state.actions || [];
  const block = planBlock(titled ? t("Plan d'action") : "");
  const table = actionTable(actions);
  if (!titled) {
    const caption = el("caption", "visually-hidden", t("Plan d'action"));
    table.prepend(caption);
  }
  table.dataset.density = tight || actions.length > 6 ? "2" : "1";
  block.append(table);
  return block;
}

function planBlock(title) {
  const block = el("section", "plan-block");
  if (title) block.append(el("h2", "plan-block-title", title));
  return block;
}

// Discreet: the room is leaving; the phones hold the link.
function renderMinutes() {
  view.minutes.hidden = !minutesUrl(state);
}

function renderPresence(count) {
  if (typeof count !== "number") return;
  view.presence.textContent = tn(count, "{n} participant connecté", "{n} participants connectés");
}

function render() {
  renderBlank();
  renderPhase();
  renderPending();
  renderNotes();
  renderPresence(state.participants);
}

// The facilitator's blank screen: everything stays underneath, nothing shows on the wall.
// "B" on this machine does the same at once, for this screen only (the console's B is for all).
function renderBlank() {
  const remote = Boolean(state && state.blank);
  const blank = remote || room.blank;
  view.blank.hidden = !blank;
  view.blankRemote.hidden = !remote;
  view.blankLocal.hidden = remote || !room.blank;
  document.body.classList.toggle("is-blank", blank);
  app.inert = blank; // nothing under the black screen takes the focus
  if (blank) closeDialogs();
}

/** A card that fades in once; the class then goes, so that moving the card never replays it. */
function noteCard(note) {
  const card = el("li", "note is-new", note.text);
  card.addEventListener("animationend", () => card.classList.remove("is-new"), { once: true });
  return card;
}

// --- Many notes: shrink the cards until every one is on screen

// First the whole text in more, smaller cards to a row; then the text cut after four, three,
// two lines (…) rather than pushed off screen. The type, as a share of the board's, never goes
// under the last floor (about 16px at 1080 lines, 11px at 720: the same size on the wall).
const FIT_STEPS = [
  { lines: "all", floor: 0.8 },
  { lines: "4", floor: 0.85 },
  { lines: "3", floor: 0.7 },
  { lines: "2", floor: 0.6 },
];
const FIT_MODES = new Set(["notes", "themes"]);
let fitPending = false;

function scheduleFit() {
  if (fitPending) return;
  fitPending = true;
  requestAnimationFrame(() => {
    fitPending = false;
    fitNotes();
  });
}

function overflows(node) {
  return node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1;
}

function fitNotes() {
  const area = view.area;
  area.style.removeProperty("--fit");
  delete area.dataset.fit;
  if (!state || !FIT_MODES.has(boardMode()) || !overflows(area)) return;
  for (const { lines, floor } of FIT_STEPS) {
    area.dataset.fit = lines;
    area.style.setProperty("--fit", String(floor));
    if (overflows(area)) continue;
    // The largest size that fits, to a hundredth.
    let low = floor;
    let high = 1;
    while (high - low > 0.01) {
      const middle = (low + high) / 2;
      area.style.setProperty("--fit", middle.toFixed(3));
      if (overflows(area)) high = middle;
      else low = middle;
    }
    area.style.setProperty("--fit", low.toFixed(3));
    return;
  }
  // More than the screen can hold even so: the smallest cards, and the area scrolls.
}

new ResizeObserver(scheduleFit).observe(view.area);

// --- In the room: presenter mode, the QR code full screen, the black screen, the keys

const room = { blank: false, presenter: false };
const PRESENTER_KEY = "facilitate.board.presenter";

function remembered() {
  try {
    return localStorage.getItem(PRESENTER_KEY) === "1";
  } catch {
    return false; // storage refused (private window, policy): the mode simply starts off
  }
}

/** Presenter mode: only the step, its timer and the content stay; the choice is remembered. */
function setPresenter(on) {
  room.presenter = on;
  document.body.classList.toggle("is-presenter", on);
  view.presenter.setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem(PRESENTER_KEY, on ? "1" : "0");
  } catch {
    // not remembered, still applied
  }
  scheduleFit();
}

function setLocalBlank(on) {
  room.blank = on;
  renderBlank();
}

function closeDialogs() {
  for (const dialog of [view.qrDialog, view.helpDialog]) if (dialog.open) dialog.close();
}

/** Open one dialog, closing the other: the code is copied in only while the QR code is shown. */
function openDialog(dialog) {
  if (!view.blank.hidden) return; // the black screen stays black
  closeDialogs();
  if (dialog === view.qrDialog) view.qrCode.replaceChildren(...[...view.joinCode.childNodes].map((node) => node.cloneNode(true)));
  dialog.showModal();
}

function toggleDialog(dialog) {
  if (dialog.open) dialog.close();
  else openDialog(dialog);
}

async function toggleFullscreen() {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await document.documentElement.requestFullscreen();
  } catch {
    // refused by the browser: F11 does the same
  }
}

const KEYS = {
  p: () => setPresenter(!room.presenter),
  q: () => toggleDialog(view.qrDialog),
  b: () => setLocalBlank(!room.blank),
  f: toggleFullscreen,
  "?": () => toggleDialog(view.helpDialog),
  h: () => toggleDialog(view.helpDialog),
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target instanceof Element && event.target.closest("input, textarea, select, [contenteditable]")) return;
  if (event.key === "Escape") {
    if (room.blank) setLocalBlank(false); // an open dialog closes by itself
    return;
  }
  const action = KEYS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  action();
});

view.presenter.addEventListener("click", () => setPresenter(!room.presenter));
view.qrOpen.addEventListener("click", () => openDialog(view.qrDialog));
view.helpOpen.addEventListener("click", () => openDialog(view.helpDialog));
view.qrDialog.addEventListener("close", () => view.qrCode.replaceChildren());
view.blank.addEventListener("click", () => setLocalBlank(false));
// A click on the dim surround of a dialog closes it, as Escape does.
for (const dialog of [view.qrDialog, view.helpDialog]) {
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
setPresenter(remembered());

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
  phase_changed(data) {
    const { hold, timer, notes } = data;
    applyPhaseChange(state, data);
    if (timer) countdown.set(timer);
    renderPhase();
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
    renderPresence(participants);
  },
  themes_changed(data) {
    applyThemes(state, data);
    followRewording(state);
    renderNotes();
  },
  note_changed({ note }) {
    state.notes = state.notes.map((known) => (known.id === note.id ? note : known));
    followRewording(state);
    renderNotes();
  },
  board_blanked({ blank }) {
    state.blank = blank;
    renderBlank();
  },
  votes_progress({ voters }) {
    state.voters = voters;
    renderVoteProgress();
  },
  votes_revealed(data) {
    applyReveal(state, data.phase, data);
    renderNotes();
  },
  decision_changed({ decision }) {
    applyDecision(state, decision);
    renderNotes();
  },
  grid_added(data) {
    applyGridAdded(state, data);
    renderNotes();
  },
  grid_changed(data) {
    applyGridChanged(state, data);
    renderNotes();
  },
  grid_replaced(data) {
    applyGridReplaced(state, data);
    renderNotes();
  },
  tables_changed(data) {
    applyTables(state, data);
    renderNotes();
  },
  grid_view_changed(data) {
    applyGridView(state, data);
    renderNotes();
  },
  actions_changed({ actions }) {
    state.actions = actions || [];
    renderNotes();
  },
  records_changed({ records }) {
    state.records = records || [];
    renderNotes();
  },
  minutes_published(data) {
    applyMinutes(state, data);
    renderMinutes();
  },
  session_closed({ notes }) {
    state.closed = true;
    reveal(notes);
    renderPhase();
    renderPending();
    renderNotes();
  },
};

function onState(snapshot) {
  state = { ...snapshot, notes: snapshot.notes || [] };
  countdown.set(snapshot.timer);
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
