// The facilitator's console: move through the steps, run the timer, hold and reveal notes, hide
// a note, group notes into themes, open and reveal a vote, record the COPIL's decisions. The
// action plan, the records, the review before closing and the minutes are in console_plan.js.
// The facilitator key travels in an HttpOnly cookie, so join sends no key.
import { connectLive } from "./live.js";
import {
  applyDecision,
  applyReveal,
  applyThemes,
  decisionBadge,
  decisionFor,
  FEW_VOTERS_TEXT,
  followRewording,
  grouped,
  itemKey,
  itemRef,
  phaseKind,
  rankingItems,
  rankingOf,
  voteOpen,
  votersText,
} from "./priorities.js";
import {
  applyPhaseChange,
  byId,
  currentPhase,
  el,
  notesInView,
  phaseById,
  renderKeyed,
  showConnection,
  showRules,
} from "./ui.js";
import { createCountdown, formatClock, timerState } from "./timer.js";
import {
  COLUMNS,
  TAGS,
  applyGridAdded,
  applyGridChanged,
  applyGridReplaced,
  applyGridView,
  applyTables,
  cellOf,
  gridColumns,
  gridPhase,
  gridsOf,
  rowLabel,
  rowsOf,
  tablesOf,
  tagTitle,
} from "./grid.js";
import { newId } from "./outbox.js";
import { applyPublished, initPlan, renderPlan } from "./console_plan.js";
import { errorText, t, tn } from "./i18n.js";

const CONFIRM_MS = 4000;
const SAY_MS = 6000;

const app = byId("app");
const code = app.dataset.code.toUpperCase();

const view = {
  title: byId("session-title"),
  connection: byId("connection"),
  closed: byId("closed-notice"),
  roomConnected: byId("room-connected"),
  roomWriters: byId("room-writers"),
  roomVoters: byId("room-voters"),
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
  groupingHint: byId("grouping-hint"),
  grouping: byId("grouping"),
  selectionCount: byId("selection-count"),
  themeNew: byId("theme-new"),
  themeNewForm: byId("theme-new-form"),
  themeNewTitle: byId("theme-new-title"),
  themeNewCancel: byId("theme-new-cancel"),
  themeBoxes: byId("theme-boxes"),
  votePanel: byId("vote-panel"),
  voteOpen: byId("vote-open"),
  voters: byId("voters"),
  votesReveal: byId("votes-reveal"),
  rankings: byId("rankings"),
  status: byId("status"),
  gridPanel: byId("grid-panel"),
  gridWork: byId("grid-work"),
  blank: byId("blank-toggle"),
  shortcuts: byId("shortcuts"),
  shortcutsOpen: byId("shortcuts-open"),
};

const TIMER_LABEL = {
  running: t("En cours"),
  paused: t("En pause"),
  ended: t("Temps écoulé"),
  unplanned: t("Pas de durée prévue : ajoutez des minutes."),
};

let state = null;
let busy = false; // a command awaits its ack; others wait for it
const armed = new Map(); // id of a note whose hide button waits for its confirmation -> timer
// Grouping and decisions are redrawn from the state on every change; what the facilitator has
// under way there lives here, so that a redraw keeps it.
const selected = new Set(); // ids of the notes ticked for a new theme
const choices = new Map(); // data-focus key of a select -> the option picked
const drafts = new Map(); // data-focus key of a field -> its text not yet sent
let renaming = null; // id of the theme whose title is being edited
let focusNext = null; // {key, until}: what gets the focus once the change shows
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
    el("span", "phase-minutes", phase.minutes ? t("{n} min", { n: phase.minutes }) : ""),
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
  view.prompt.textContent = (phase && phase.prompt) || t("Pas de consigne pour cette étape.");
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
  const volunteers = state.volunteers || 0;
  view.volunteers.textContent = tn(volunteers, "{n} volontaire", "{n} volontaires");
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
  view.timerToggle.querySelector(".button-label").textContent = counting ? t("Pause") : t("Démarrer");
  view.timerToggle.dataset.timer = counting ? "pause" : "start";
  const open = Boolean(state) && !state.closed;
  setAvailable(view.timerToggle, open && (counting || timer.remaining > 0));
  view.timerButtons.forEach((button) => setAvailable(button, open));
}

const TIMER_SAID = {
  start: () => t("Minuteur lancé."),
  pause: () => t("Minuteur en pause."),
  extend: (minutes) => tn(minutes, "{n} minute ajoutée au minuteur.", "{n} minutes ajoutées au minuteur."),
  reset: () => t("Minuteur remis à la durée de l'étape."),
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
  view.reveal.querySelector(".button-label").textContent = t("Révéler les post-its ({n} en attente)", { n: pending });
  setAvailable(view.reveal, !state.closed && (pending > 0 || Boolean(state.hold)));
}

function hideButton(note) {
  const hide = el("button", "button button-quiet hide-button");
  hide.type = "button";
  hide.dataset.note = note.id;
  paintHide(hide);
  return hide;
}

function noteItem(note) {
  const item = el("li", "console-note");
  const hide = hideButton(note);
  item.append(el("p", "console-note-text", note.text));
  if (note.lane) item.append(el("p", "lane-badge", note.lane));
  item.append(el("p", "held-badge", t("Pas encore au tableau")), hide);
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
// While the room groups (and votes, until the reveal), the round is shown by theme instead.
function renderNotes() {
  const notes = notesInView(state);
  const round = phaseById(state, state.in_view);
  const grouping = isGrouping();
  view.notes.hidden = grouping;
  view.grouping.hidden = !grouping;
  view.groupingHint.hidden = !grouping;
  if (grouping) {
    view.notes.replaceChildren();
    renderGrouping();
  } else {
    view.themeBoxes.replaceChildren();
    renderNoteList(view.notes, notes);
  }
  view.notesCount.textContent = `(${notes.length})`;
  // Named only when it is a round of notes: before the first one, there is nothing to name.
  view.notesRound.textContent = round && round.kind === "notes" ? t("Étape « {title} »", { title: round.title }) : "";
  view.notesEmpty.hidden = notes.length > 0;
  renderOtherNotes();
  renderGridPanel(); // its list of notes to bring into the grid follows the notes
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
  view.otherSummary.textContent = t("Autres étapes ({n})", { n: count });
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
  renderRoom();
  // Past the kit's group size, fewer people speak: say it once, politely, while it is true.
  const limit = state.warn_above;
  const over = typeof limit === "number" && typeof count === "number" && count > limit;
  view.sizeWarning.hidden = !over;
  view.sizeWarning.textContent = over
    ? t("Plus de {limit} participants : au-delà, moins de personnes prennent la parole. Pensez à former des sous-groupes.", { limit })
    : "";
}

// --- The room's progress: counts only, never who

/** One line of the room panel: a big number and what it counts, or nothing when unknown. */
function roomStat(node, count, label) {
  node.hidden = typeof count !== "number";
  if (node.hidden) return;
  node.querySelector(".room-count").textContent = String(count);
  node.querySelector(".room-label").textContent = label;
}

// Phones write notes in a notes step and contributions in a grid step: how many wrote is said
// there, or wherever someone did write. The server counts them in memory (`presence.writers`,
// phase id -> phones); an older server sends no such count, and nothing is shown.
function writersNow() {
  const { phase } = currentPhase(state);
  if (!phase || !state.writers) return null;
  const count = state.writers[phase.id] || 0;
  return ["notes", "grid"].includes(phase.kind) || count > 0 ? count : null;
}

function renderRoom() {
  const connected = typeof state.participants === "number" ? state.participants : null;
  roomStat(view.roomConnected, connected, tn(connected || 0, "connecté", "connectés"));
  const writers = writersNow();
  roomStat(view.roomWriters, writers, tn(writers || 0, "a écrit dans cette étape", "ont écrit dans cette étape"));
  const voters = voteOpen(state) ? state.voters || 0 : null;
  roomStat(view.roomVoters, voters, tn(voters || 0, "a voté", "ont voté"));
}

function render() {
  renderBlank();
  view.title.textContent = state.title || "";
  view.closed.hidden = !state.closed;
  renderPhases();
  renderHold();
  renderNotes();
  renderVote();
  renderPlan();
  renderParticipants();
  renderTimer(countdown.read());
}

// --- Redrawing without losing the facilitator's place

/**
 * Rebuild `container` with `draw`, then give the focus back to the control that had it (matched
 * on data-focus), caret included, or to the one a command asked for (`focusNext`).
 */
function redraw(container, draw) {
  const active = document.activeElement;
  const kept = active && container.contains(active) ? active.dataset.focus : null;
  const caret = kept && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
  draw();
  const find = (key) => key && container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  const asked = focusNext && focusNext.until > Date.now() ? find(focusNext.key) : null;
  if (asked) focusNext = null;
  const target = asked || find(kept);
  if (!target) return;
  if (target !== document.activeElement) target.focus();
  if (caret && !asked && target.setSelectionRange) target.setSelectionRange(...caret);
}

// The change shows once the server's update arrives, maybe after the ack: wait a little for it.
function focusSoon(key) {
  focusNext = { key, until: Date.now() + 3000 };
}

function focusable(node, key) {
  node.dataset.focus = key;
  return node;
}

// A select that keeps its choice across redraws; its first option says what it is for.
function choiceSelect(key, label, options) {
  const select = focusable(el("select", "select"), key);
  select.setAttribute("aria-label", label);
  select.append(new Option(label, ""));
  for (const option of options) select.append(new Option(option.title, option.id));
  select.value = options.some((option) => option.id === choices.get(key)) ? choices.get(key) : "";
  select.disabled = Boolean(state.closed);
  return select;
}

function actionButton(text, className, key, action) {
  const node = focusable(el("button", `button ${className}`, text), key);
  node.type = "button";
  if (action) node.dataset.act = action;
  setAvailable(node, !state.closed);
  return node;
}

function field(tag, key, { id, maxLength, rows } = {}) {
  const node = focusable(el(tag), key);
  if (tag === "input") node.type = "text";
  if (id) node.id = id;
  if (maxLength) node.maxLength = maxLength;
  if (rows) node.rows = rows;
  node.autocomplete = "off";
  node.disabled = Boolean(state.closed);
  return node;
}

// --- Grouping into themes

function isGrouping() {
  const kind = phaseKind(state);
  return kind === "group" || (kind === "vote" && !rankingOf(state, state.phase));
}

function renderGrouping() {
  const { groups, loose } = grouped(state);
  const inView = new Set(notesInView(state).map((note) => note.id));
  for (const id of selected) if (!inView.has(id)) selected.delete(id);
  if (renaming && !groups.some((group) => group.id === renaming)) renaming = null;
  renderSelection();
  redraw(view.themeBoxes, () => {
    const boxes = [looseBox(loose, groups), ...groups.map((group) => themeBox(group, groups))];
    view.themeBoxes.replaceChildren(...boxes);
  });
}

function renderSelection() {
  const count = selected.size;
  view.selectionCount.textContent = count
    ? tn(count, "{n} post-it sélectionné", "{n} post-its sélectionnés")
    : t("Aucun post-it sélectionné : le thème sera vide.");
  setAvailable(view.themeNew, !state.closed);
  view.themeNewTitle.disabled = Boolean(state.closed);
  if (state.closed) view.themeNewForm.hidden = true;
  view.themeNew.setAttribute("aria-expanded", String(!view.themeNewForm.hidden));
}

// The notes of no theme: the facilitator's work list, so it comes first.
function looseBox(notes, groups) {
  const box = el("section", "theme-box is-loose");
  box.setAttribute("aria-label", t("Post-its sans thème"));
  box.append(el("h3", "theme-box-title", t("Sans thème ({n})", { n: notes.length })));
  if (!notes.length) box.append(el("p", "muted", t("Tous les post-its sont dans un thème.")));
  const list = el("ul", "group-notes");
  list.append(...notes.map((note) => groupNote(note, groups)));
  box.append(list);
  return box;
}

function themeBox(group, groups) {
  const { theme, notes } = group;
  const box = el("section", "theme-box");
  box.dataset.theme = theme.id;
  box.setAttribute("aria-label", t("Thème : {title}", { title: theme.title }));
  if (renaming === theme.id) box.append(renameForm(theme));
  else {
    const title = focusable(el("h3", "theme-box-title"), `theme:${theme.id}`);
    title.tabIndex = -1; // the focus lands here once the theme is made
    title.append(el("span", "", theme.title), el("span", "theme-box-count", ` (${notes.length})`));
    box.append(title);
  }
  box.append(themeTools(theme, groups));
  const list = el("ul", "group-notes");
  list.append(...notes.map((note) => groupNote(note, groups)));
  if (!notes.length) box.append(el("p", "muted", t("Aucun post-it dans ce thème.")));
  box.append(list);
  return box;
}

function themeTools(theme, groups) {
  const tools = el("div", "theme-tools");
  tools.append(actionButton(t("Renommer"), "button-quiet", `rename:${theme.id}`, "rename"));
  const others = groups.filter((group) => group.id !== theme.id).map((group) => group.theme);
  if (others.length) {
    const merge = el("div", "pair");
    merge.append(
      choiceSelect(`merge:${theme.id}`, t("Fusionner avec…"), others),
      actionButton(t("Fusionner"), "button-quiet", `merge-go:${theme.id}`, "merge"),
    );
    tools.append(merge);
  }
  tools.append(actionButton(t("Défaire le thème"), "button-quiet", `delete:${theme.id}`, "delete"));
  for (const node of tools.querySelectorAll("button")) node.dataset.theme = theme.id;
  return tools;
}

function renameForm(theme) {
  const form = el("form", "inline-form rename-form");
  form.noValidate = true;
  form.dataset.theme = theme.id;
  const id = `rename-${theme.id}`;
  const label = el("label", "label-inline", t("Nouveau titre du thème"));
  label.htmlFor = id;
  const input = field("input", `rename-title:${theme.id}`, { id, maxLength: 120 });
  input.value = drafts.has(input.dataset.focus) ? drafts.get(input.dataset.focus) : theme.title;
  const buttons = el("div", "inline-buttons");
  const save = actionButton(t("Enregistrer le titre"), "button-primary", `rename-save:${theme.id}`);
  save.type = "submit";
  buttons.append(save, actionButton(t("Annuler"), "button-quiet", `rename-cancel:${theme.id}`, "rename-cancel"));
  form.append(label, input, buttons);
  return form;
}

/** A note while grouping: a big tick box, its text, and where it can go. */
function groupNote(note, groups) {
  const item = el("li", "group-note");
  item.classList.toggle("is-held", Boolean(note.held));
  const pick = el("label", "pick");
  const box = focusable(el("input"), `pick:${note.id}`);
  box.type = "checkbox";
  box.dataset.pick = note.id;
  box.checked = selected.has(note.id);
  box.disabled = Boolean(state.closed);
  pick.append(box, el("span", "pick-text", note.text));
  item.append(pick);
  if (note.lane) item.append(el("p", "lane-badge", note.lane));
  const tools = el("div", "group-note-tools");
  if (note.theme && groups.some((group) => group.id === note.theme)) {
    tools.append(actionButton(t("Sortir du thème"), "button-quiet", `out:${note.id}`, "out"));
  } else if (groups.length) {
    const move = el("div", "pair");
    move.append(
      choiceSelect(`move:${note.id}`, t("Mettre dans…"), groups.map((group) => group.theme)),
      actionButton(t("Déplacer"), "button-quiet", `move-go:${note.id}`, "move"),
    );
    tools.append(move);
  }
  const hide = focusable(hideButton(note), `hide:${note.id}`);
  setAvailable(hide, !state.closed);
  tools.append(hide);
  for (const node of tools.querySelectorAll("button[data-act]")) node.dataset.target = note.id;
  item.append(tools);
  return item;
}

function themeTitle(id) {
  const theme = (state.themes || []).find((known) => known.id === id);
  return theme ? theme.title : "";
}

function openNewTheme() {
  view.themeNewForm.hidden = false;
  view.themeNew.setAttribute("aria-expanded", "true");
  view.themeNewTitle.focus();
}

function closeNewTheme() {
  view.themeNewForm.hidden = true;
  view.themeNewTitle.value = "";
  view.themeNewTitle.removeAttribute("aria-invalid");
  view.themeNew.setAttribute("aria-expanded", "false");
  view.themeNew.focus();
}

function createTheme(event) {
  event.preventDefault();
  const title = view.themeNewTitle.value.trim();
  if (!title) {
    view.themeNewTitle.setAttribute("aria-invalid", "true");
    view.themeNewTitle.focus();
    return say(t("Donnez un titre au thème."), { error: true });
  }
  const noteIds = [...selected];
  command("theme_create", { title, note_ids: noteIds }, (ack) => {
    for (const id of noteIds) selected.delete(id);
    view.themeNewForm.hidden = true;
    view.themeNewTitle.value = "";
    view.themeNewTitle.removeAttribute("aria-invalid");
    if (ack.theme_id) focusSoon(`theme:${ack.theme_id}`);
    say(tn(noteIds.length, "Thème « {title} » créé avec {n} post-it.", "Thème « {title} » créé avec {n} post-its.", { title }));
  });
}

function renameTheme(event) {
  event.preventDefault();
  const form = event.target;
  const id = form.dataset.theme;
  const key = `rename-title:${id}`;
  const title = form.querySelector("input").value.trim();
  if (!title) return say(t("Le titre du thème ne peut pas être vide."), { error: true });
  command("theme_rename", { theme_id: id, title }, () => {
    renaming = null;
    drafts.delete(key);
    focusSoon(`rename:${id}`);
    say(t("Thème renommé : « {title} ».", { title }));
  });
}

const themeActions = {
  rename(id) {
    renaming = id;
    drafts.delete(`rename-title:${id}`);
    focusSoon(`rename-title:${id}`);
    renderNotes();
  },
  "rename-cancel"(id) {
    renaming = null;
    drafts.delete(`rename-title:${id}`);
    focusSoon(`rename:${id}`);
    renderNotes();
  },
  merge(id) {
    const into = choices.get(`merge:${id}`);
    if (!into) return pickFirst(`merge:${id}`, t("Choisissez le thème avec lequel fusionner."));
    const [from, to] = [themeTitle(id), themeTitle(into)];
    command("theme_merge", { theme_id: id, into }, () => {
      choices.delete(`merge:${id}`);
      focusSoon(`theme:${into}`);
      say(t("Thème « {from} » fusionné dans « {to} ».", { from, to }));
    });
  },
  delete(id) {
    const title = themeTitle(id);
    command("theme_delete", { theme_id: id }, () => {
      view.themeNew.focus(); // the theme and its buttons are gone
      say(t("Thème « {title} » défait : ses post-its sont de nouveau sans thème.", { title }));
    });
  },
};

const noteActions = {
  out(id) {
    command("note_move", { note_id: id, theme_id: null }, () => {
      focusSoon(`pick:${id}`);
      say(t("Post-it sorti du thème."));
    });
  },
  move(id) {
    const into = choices.get(`move:${id}`);
    if (!into) return pickFirst(`move:${id}`, t("Choisissez d'abord un thème dans la liste."));
    command("note_move", { note_id: id, theme_id: into }, () => {
      choices.delete(`move:${id}`);
      focusSoon(`pick:${id}`);
      say(t("Post-it mis dans « {title} ».", { title: themeTitle(into) }));
    });
  },
};

function pickFirst(key, message) {
  const select = view.themeBoxes.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (select) select.focus();
  say(message, { error: true });
}

function onGroupingClick(event) {
  const target = event.target.closest("button");
  if (!target || !isAvailable(target)) return;
  if (target.classList.contains("hide-button")) return onHideClick(target);
  const action = target.dataset.act;
  if (themeActions[action]) themeActions[action](target.dataset.theme || target.closest("[data-theme]").dataset.theme);
  else if (noteActions[action]) noteActions[action](target.dataset.target);
}

function onGroupingChange(event) {
  const node = event.target;
  if (node.dataset.pick) {
    if (node.checked) selected.add(node.dataset.pick);
    else selected.delete(node.dataset.pick);
    renderSelection();
  } else if (node.tagName === "SELECT") choices.set(node.dataset.focus, node.value);
}

function onDraftInput(event) {
  const node = event.target;
  if (node.dataset.focus && (node.tagName === "INPUT" || node.tagName === "TEXTAREA")) {
    drafts.set(node.dataset.focus, node.value);
    node.removeAttribute("aria-invalid");
  }
}

// Escape leaves a title being edited as it was.
function onGroupingKey(event) {
  if (event.key !== "Escape") return;
  const form = event.target.closest(".rename-form");
  if (form) themeActions["rename-cancel"](form.dataset.theme);
}

// --- The vote: how many took part, the reveal, then the priorities and the COPIL's decisions

function renderVote() {
  const open = voteOpen(state);
  const revealed = state.phases.filter((phase) => rankingOf(state, phase.id));
  view.votePanel.hidden = phaseKind(state) !== "vote" && revealed.length === 0;
  view.voteOpen.hidden = !open;
  view.voters.textContent = votersText(state.voters || 0);
  setAvailable(view.votesReveal, open);
  if (!open) disarmVoteKey();
  renderRoom();
  redraw(view.rankings, () => {
    view.rankings.replaceChildren(...revealed.map((phase) => rankingBlock(phase, revealed.length > 1)));
  });
}

function rankingBlock(phase, named) {
  const round = rankingOf(state, phase.id);
  const block = el("section", "ranking-block");
  block.setAttribute("aria-label", t("Priorités du groupe : {title}", { title: phase.title }));
  const heading = named ? t("Priorités du groupe · {title}", { title: phase.title }) : t("Priorités du groupe");
  block.append(el("h3", "ranking-title", heading));
  block.append(el("p", "ranking-voters", votersText(round.voters)));
  if (!round.counts_shown) block.append(el("p", "few-voters", FEW_VOTERS_TEXT));
  if (!round.ranking.length) block.append(el("p", "muted", t("Aucune gommette n'a été placée.")));
  const list = el("ol", "ranking");
  // Once the session is closed nothing can be recorded: the decisions stay, their forms go.
  const extra = (entry, item, body) =>
    body.append(...(state.closed ? decisionShown(entry) : decisionParts(entry)));
  list.append(...rankingItems(round, { extra }));
  block.append(list);
  return block;
}

function decisionShown(entry) {
  const current = decisionFor(state, entry);
  return current ? [decisionBadge(current)] : [];
}

/** The COPIL's decision, apart from the group's ranking, and the form to set or change it. */
function decisionParts(entry) {
  const key = itemKey(entry);
  const current = decisionFor(state, entry);
  const parts = decisionShown(entry);
  const form = el("form", "decision-form");
  form.noValidate = true;
  form.dataset.item = key;
  const decision = field("input", `decision:${key}`, { id: `decision-${key}`, maxLength: 500 });
  const reason = field("textarea", `reason:${key}`, { id: `reason-${key}`, maxLength: 500, rows: 2 });
  decision.required = reason.required = true;
  decision.dataset.field = "decision";
  reason.dataset.field = "reason";
  for (const input of [decision, reason]) {
    const draft = drafts.get(input.dataset.focus);
    input.value = draft !== undefined ? draft : (current && current[input.dataset.field]) || "";
  }
  const save = actionButton(t("Enregistrer la décision"), "button-secondary", `decision-save:${key}`);
  save.type = "submit";
  setAvailable(save, !state.closed);
  form.append(labelled(t("Décision du COPIL"), decision), labelled(t("Raison donnée aux équipes"), reason), save);
  parts.push(form);
  return parts;
}

function labelled(text, input) {
  const wrap = el("div", "field");
  const label = el("label", "label-inline", text);
  label.htmlFor = input.id;
  wrap.append(label, input);
  return wrap;
}

function saveDecision(event) {
  event.preventDefault();
  const form = event.target;
  const save = form.querySelector("button[type=submit]");
  if (!isAvailable(save)) return;
  const key = form.dataset.item;
  const entry = rankedEntry(key);
  if (!entry) return;
  const decision = form.querySelector("[data-field=decision]");
  const reason = form.querySelector("[data-field=reason]");
  const missing = [decision, reason].filter((input) => !input.value.trim());
  for (const input of missing) input.setAttribute("aria-invalid", "true");
  if (missing.length) {
    missing[0].focus();
    return say(t("Indiquez la décision du COPIL et la raison donnée aux équipes."), { error: true });
  }
  const payload = { ...itemRef(entry), decision: decision.value.trim(), reason: reason.value.trim() };
  command("decision_set", payload, () => {
    applyDecision(state, itemRefDecision(entry, payload));
    drafts.delete(`decision:${key}`);
    drafts.delete(`reason:${key}`);
    focusSoon(`decision-save:${key}`);
    say(t("Décision du COPIL enregistrée : le tableau l'affiche à côté de la priorité."));
  });
}

function itemRefDecision(entry, payload) {
  return { ...itemRef(entry), decision: payload.decision, reason: payload.reason };
}

function rankedEntry(key) {
  for (const round of Object.values(state.rankings || {})) {
    const entry = round.ranking.find((known) => itemKey(known) === key);
    if (entry) return entry;
  }
  return null;
}

function revealVotes() {
  const phase = state.phase;
  command("votes_reveal", {}, (ack) => {
    applyReveal(state, phase, ack);
    say(t("Vote révélé : {voters}.", { voters: votersText(ack.voters).toLowerCase() }));
  });
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
  const ack = await ask(event, payload);
  if (ack && ack.ok) onOk(ack);
  if (ack && state) render();
}

/**
 * Send one command and hand its ack to the caller; null while another command awaits its own.
 * A refusal is said, unless its code is one the caller deals with itself (`handled`).
 */
// --- The blank screen: instant, so it never waits for another command to finish

function renderBlank() {
  view.blank.setAttribute("aria-pressed", String(Boolean(state.blank)));
  view.blank.querySelector(".button-label").textContent = state.blank ? t("Rallumer le tableau") : t("Masquer le tableau");
}

async function toggleBlank() {
  if (!state) return;
  const blank = !state.blank;
  state.blank = blank; // shown at once; the server's answer confirms or puts it back
  renderBlank();
  const ack = await live.send("board_blank", { blank });
  if (!ack.ok) {
    state.blank = !blank;
    renderBlank();
    say(errorText(ack.error), { error: true });
  }
}

// --- Keyboard shortcuts: one key each, for what the facilitator does while talking to the room.
// "B" blanks the projector, as in presentation software. None fires while the facilitator types
// in a field, nor with Ctrl, Alt or Cmd (the browser's own shortcuts). Closing the session has
// none: it goes through its button and the review.

const SHORTCUTS = {
  n: () => press(view.next),
  p: () => press(view.prev),
  t: () => press(view.timerToggle),
  b: () => {
    flash(view.blank);
    toggleBlank();
  },
  r: revealByKey,
  "?": toggleHelp,
};

let voteKeyArmed = null; // the timer while a first "R" waits for the second one during a vote

/** What a click on the button would do, if the button is available now. */
function press(button) {
  if (!isAvailable(button)) return;
  flash(button);
  button.click();
}

// The button the key stands for shows it was pressed, for the facilitator glancing at it.
function flash(button) {
  button.classList.add("is-keyed");
  setTimeout(() => button.classList.remove("is-keyed"), 300);
}

// "R" reveals what the step holds back. Revealing a vote also ends it, for good: during a
// vote a first "R" asks, a second one within a few seconds reveals.
function revealByKey() {
  if (!state || state.closed) return;
  if (voteOpen(state)) {
    if (voteKeyArmed) {
      disarmVoteKey();
      return press(view.votesReveal);
    }
    voteKeyArmed = setTimeout(disarmVoteKey, CONFIRM_MS);
    view.votesReveal.classList.add("is-armed");
    return say(t("Appuyez encore sur R pour révéler le vote : plus personne ne pourra voter."));
  }
  if (isAvailable(view.reveal)) return press(view.reveal);
  say(t("Rien à révéler dans cette étape."));
}

function disarmVoteKey() {
  clearTimeout(voteKeyArmed);
  voteKeyArmed = null;
  view.votesReveal.classList.remove("is-armed");
}

function toggleHelp() {
  if (view.shortcuts.open) view.shortcuts.close();
  else view.shortcuts.showModal();
}

// A letter typed in a field is text, and in a list it picks an option; on a tick box or a
// switch it does nothing, so the shortcuts still work once one was clicked.
const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset"]);

function isTyping(target) {
  if (!target || !target.closest) return false;
  if (target.closest("textarea, select, [contenteditable]:not([contenteditable=false])")) return true;
  return target.tagName === "INPUT" && !NOT_TYPED.has(target.type);
}

function onShortcut(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.repeat) return;
  const typing = isTyping(event.target);
  const key = event.key.length === 1 ? event.key.toLowerCase() : "";
  const action = !typing && SHORTCUTS[key];
  if (!action) return;
  // While the help is open, only "?" (and Escape, the dialog's own) does something.
  if (view.shortcuts.open && key !== "?") return;
  event.preventDefault();
  action();
}

async function ask(event, payload, handled = []) {
  if (busy || !state) return null;
  busy = true;
  app.classList.add("is-busy");
  const ack = await live.send(event, payload);
  busy = false;
  app.classList.remove("is-busy");
  if (!ack.ok && !handled.includes(ack.error.code)) say(errorText(ack.error), { error: true });
  return ack;
}

function setPhase(id) {
  if (id === state.phase) return;
  command("phase_set", { phase: id }, (ack) => {
    state.phase = ack.phase || id;
    const phase = state.phases[phaseIndex()];
    say(t("Étape en cours : {title}", { title: phase ? phase.title : state.phase }));
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
    say(state.hold ? t("Les nouveaux post-its restent masqués au tableau.") : t("Les post-its s'affichent au tableau."));
  });
  // If refused, render() puts the switch back to the state's value.
}

function reveal() {
  command("notes_reveal", {}, (ack) => {
    const count = ack.revealed || 0;
    say(count ? tn(count, "{n} post-it révélé au tableau.", "{n} post-its révélés au tableau.") : t("Aucun post-it en attente."));
  });
}

// Hiding takes two clicks: the first arms the button, the second (within 4 s) hides the note.
function onHideClick(button) {
  const id = button.dataset.note;
  if (!armed.has(id)) return arm(id);
  disarm(id);
  const neighbour = neighbourButton(button);
  command("note_hide", { note_id: id }, () => {
    if (neighbour && neighbour.dataset.focus) focusSoon(neighbour.dataset.focus);
    removeNote(id);
    if (neighbour && neighbour.isConnected) neighbour.focus();
    say(t("Post-it masqué : il n'apparaît plus au tableau."));
  });
}

// Where the keyboard focus goes once a note is gone: the next note, else the previous one.
function neighbourButton(button) {
  const item = button.closest("li");
  const other = item.nextElementSibling || item.previousElementSibling;
  return other && other.querySelector("button");
}

// Armed by note id, so that a redraw of the grouping keeps a button armed.
function arm(id) {
  armed.set(id, setTimeout(() => disarm(id), CONFIRM_MS));
  paintHideButtons(id);
}

function disarm(id) {
  clearTimeout(armed.get(id));
  armed.delete(id);
  paintHideButtons(id);
}

function paintHideButtons(id) {
  document.querySelectorAll(`button.hide-button[data-note="${CSS.escape(id)}"]`).forEach(paintHide);
}

function paintHide(button) {
  const on = armed.has(button.dataset.note);
  button.textContent = on ? t("Confirmer le masquage") : t("Masquer");
  button.classList.toggle("is-armed", on);
}

function removeNote(id) {
  state.notes = state.notes.filter((note) => note.id !== id);
  renderNotes();
}

// --- The analysis grid: read, reword, tag, project, and bring notes in

const gridOpen = new Map(); // inline form open -> what it needs: "edit:<id>" -> version read, etc.
const gridConflicts = new Map(); // contribution id -> the server's words when an edit was refused
let gridFieldCount = 0;

function renderGridPanel() {
  const phase = gridPhase(state);
  view.gridPanel.hidden = !phase;
  if (!phase) return redraw(view.gridWork, () => view.gridWork.replaceChildren());
  redraw(view.gridWork, () => {
    gridFieldCount = 0;
    view.gridWork.replaceChildren(projectBar(phase), importBox(phase), ...gridsOf(state, phase.id).map((grid) => consoleGrid(phase, grid)));
  });
}

// What the projector shows, and how to change it.
function projectBar(phase) {
  const bar = el("div", "grid-project");
  const tables = tablesOf(state, phase.id);
  const { table = null, row = null } = state.grid_view || {};
  const shown = tables.find((known) => known.id === table);
  let where = tables.length ? t("Au tableau : toutes les tables") : t("Au tableau : toute la grille");
  if (shown) where = t("Au tableau : la grille de {table}", { table: shown.name });
  if (row) where = t("Au tableau : la ligne « {row} »", { row: rowLabel(state, row) });
  bar.append(el("p", "stat grid-projected", where));
  const controls = el("div", "button-row");
  if (tables.length) {
    const select = focusable(el("select", "select"), "grid:view");
    select.id = "grid-view-table";
    select.append(new Option(t("Toutes les tables"), ""), ...tables.map((known) => new Option(known.name, known.id)));
    select.value = table || "";
    select.disabled = Boolean(state.closed);
    select.dataset.gridAct = "view-table";
    controls.append(labelled(t("Projeter"), select));
  }
  const whole = actionButton(t("Toute la grille"), "button-secondary", "grid:whole", "view-whole");
  setAvailable(whole, !state.closed && Boolean(row));
  controls.append(whole);
  if (tables.length) controls.append(actionButton(t("Ajouter une table"), "button-secondary", "grid:add-table", "add-table"));
  bar.append(controls);
  if (gridOpen.has("add-table")) bar.append(gridForm("add-table", "", t("Nom de la nouvelle table"), t("Ajouter la table"), 80));
  return bar;
}

/** An inline form with one field; submit and cancel travel with its `data-form`. */
function gridForm(name, value, label, submit, maxLength = 500) {
  const form = el("form", "inline-form grid-inline-form");
  form.noValidate = true;
  form.dataset.form = name;
  const key = `grid:field:${name}`;
  const input = field(maxLength > 120 ? "textarea" : "input", key, { id: `grid-field-${++gridFieldCount}`, maxLength, rows: 3 });
  input.value = drafts.has(key) ? drafts.get(key) : value;
  const buttons = el("div", "inline-buttons");
  const save = actionButton(submit, "button-primary", `grid:save:${name}`);
  save.type = "submit";
  buttons.append(save, actionButton(t("Annuler"), "button-quiet", `grid:cancel:${name}`, "cancel"));
  form.append(labelled(label, input), buttons);
  return form;
}

function consoleGrid(phase, grid) {
  const section = el("section", "grid-console-table");
  const head = el("div", "grid-console-head");
  const tableKey = grid.id || "";
  if (grid.id) head.append(el("h3", "grid-console-title", grid.name));
  const tools = el("div", "button-row");
  if (grid.id) tools.append(withTarget(actionButton(t("Renommer"), "button-quiet", `grid:rename:${tableKey}`, "rename"), tableKey));
  tools.append(withTarget(actionButton(t("Nouvelle situation"), "button-secondary", `grid:new-row:${tableKey}`, "new-row"), tableKey));
  head.append(tools);
  section.append(head);
  if (gridOpen.has(`rename:${tableKey}`)) section.append(gridForm(`rename:${tableKey}`, grid.name, t("Nouveau nom de la table"), t("Enregistrer le nom"), 80));
  if (gridOpen.has(`new-row:${tableKey}`)) section.append(gridForm(`new-row:${tableKey}`, "", t("Situation de travail"), t("Ajouter la situation")));
  if (!grid.rows.length) section.append(el("p", "muted", t("Aucune situation pour l'instant.")));
  for (const row of grid.rows) section.append(consoleRow(phase, row));
  return section;
}

function withTarget(node, id) {
  node.dataset.target = id;
  return node;
}

function consoleRow(phase, row) {
  const article = el("article", "grid-console-row");
  article.dataset.row = row.id;
  const head = el("div", "grid-console-row-head");
  head.append(el("h4", "grid-console-row-title", rowLabel(state, row.id)));
  const projected = (state.grid_view || {}).row === row.id;
  const projectText = projected ? t("Ligne projetée ✓") : t("Projeter cette ligne");
  const project = withTarget(actionButton(projectText, "button-secondary", `grid:project:${row.id}`, "project-row"), row.id);
  setAvailable(project, !state.closed && !projected);
  head.append(project, ...rowOrderButtons(phase, row));
  const cells = el("div", "grid-console-cells");
  for (const column of gridColumns(phase)) {
    const cell = el("section", "grid-console-cell");
    cell.dataset.column = column.key;
    cell.append(el("h5", "grid-console-cell-title", column.title));
    const list = el("ul", "grid-console-items");
    const items = cellOf(state, row.id, column.key);
    list.append(...items.map((item, index) => consoleContribution(item, index, items)));
    cell.append(list);
    cells.append(cell);
  }
  article.append(head, cells);
  return article;
}

function consoleContribution(item, index = 0, cell = [item]) {
  const node = el("li", "grid-console-item");
  node.dataset.id = item.id;
  const editing = gridOpen.has(`edit:${item.id}`);
  // A refused edit says why first, then the newer text, above the field still holding the draft.
  const conflict = gridConflicts.get(item.id);
  if (conflict) node.append(el("p", "form-error", conflict), el("p", "grid-newer", t("Texte actuel : {text}", { text: item.text })));
  if (editing) node.append(gridForm(`edit:${item.id}`, item.text, t("Nouveau texte"), t("Enregistrer")));
  else node.append(el("p", "grid-console-text", item.text));
  const tools = el("div", "grid-console-tools");
  if (!editing) tools.append(withTarget(actionButton(t("Modifier"), "button-quiet", `grid:edit:${item.id}`, "edit"), item.id));
  if (item.column === "effets") tools.append(tagSelect(item));
  if (!editing) tools.append(...orderButtons(item, index, cell));
  node.append(tools);
  return node;
}

// Up, down, and "merge into the one above": the cell keeps every text, in the order chosen.
function orderButtons(item, index, cell) {
  if (cell.length < 2) return []; // nothing to order or merge in a cell of one
  const buttons = [];
  const add = (text, label, act, enabled) => {
    const button = withTarget(actionButton(text, "button-quiet", `grid:${act}:${item.id}`, act), item.id);
    button.setAttribute("aria-label", label);
    if (!enabled) setAvailable(button, false);
    buttons.push(button);
  };
  const text = item.text;
  add("↑", t("Monter : {text}", { text }), "up", index > 0);
  add("↓", t("Descendre : {text}", { text }), "down", index < cell.length - 1);
  add(t("Fusionner avec celle du dessus"), t("Fusionner avec celle du dessus : {text}", { text }), "merge", index > 0);
  return buttons;
}

function rowOrderButtons(phase, row) {
  const siblings = rowsOf(state, phase.id, row.table);
  const index = siblings.findIndex((known) => known.id === row.id);
  const up = withTarget(actionButton(t("Monter la ligne"), "button-quiet", `grid:row-up:${row.id}`, "row-up"), row.id);
  const down = withTarget(actionButton(t("Descendre la ligne"), "button-quiet", `grid:row-down:${row.id}`, "row-down"), row.id);
  if (index <= 0) setAvailable(up, false);
  if (index >= siblings.length - 1) setAvailable(down, false);
  if (index <= 0) return [up, down];
  // Two rows that turn out to be one situation: everything goes into the row above.
  const merge = withTarget(actionButton(t("Fusionner avec la ligne du dessus"), "button-quiet", `grid:row-merge:${row.id}`, "row-merge"), row.id);
  return [up, down, merge];
}

async function mergeRow(id) {
  const row = state.grid.rows.find((known) => known.id === id);
  if (!row) return;
  const siblings = rowsOf(state, row.phase, row.table);
  const index = siblings.findIndex((known) => known.id === id);
  if (index <= 0) return;
  const ack = await gridCommand("grid_row_merge", { row: id, into: siblings[index - 1].id });
  if (ack && ack.ok) say(t("Lignes fusionnées : toutes les contributions sont gardées."));
}

async function moveContribution(id, step) {
  const item = state.grid.contributions.find((known) => known.id === id);
  if (!item) return;
  const cell = cellOf(state, item.row, item.column);
  const index = cell.findIndex((known) => known.id === id);
  if (step === 0) {
    const ack = await gridCommand("grid_merge", { id, into: cell[index - 1].id });
    if (ack && ack.ok) say(t("Contributions fusionnées : les deux textes sont gardés."));
    return;
  }
  const ack = await gridCommand("grid_reorder", { id, position: index + step });
  if (ack && ack.ok) say(t("Contribution déplacée."));
}

async function moveRow(id, step) {
  const row = state.grid.rows.find((known) => known.id === id);
  if (!row) return;
  const index = rowsOf(state, row.phase, row.table).findIndex((known) => known.id === id);
  const ack = await gridCommand("grid_row_reorder", { row: id, position: index + step });
  if (ack && ack.ok) say(t("Ligne déplacée."));
}

function tagSelect(item) {
  const select = focusable(el("select", "select"), `grid:tag:${item.id}`);
  select.id = `grid-tag-${item.id}`;
  select.append(new Option("—", ""), ...TAGS.map((tag) => new Option(tag.title, tag.key)));
  select.value = item.tag || "";
  select.disabled = Boolean(state.closed);
  select.dataset.gridAct = "tag";
  select.dataset.target = item.id;
  return labelled(t("Effet sur…"), select);
}

let importOpen = false; // the folded list of notes stays open across redraws once opened

// The notes and themes of the round in view, each ready to go into a cell. Folded: the grid
// itself is the main work.
function importBox(phase) {
  const box = el("details", "grid-import");
  box.open = importOpen;
  box.addEventListener("toggle", () => (importOpen = box.open));
  const round = phaseById(state, state.in_view);
  const themes = (state.themes || []).filter((theme) => theme.phase === state.in_view);
  const notes = notesInView(state);
  const n = notes.length + themes.length;
  const summary =
    round && round.kind === "notes"
      ? t("Reprendre des post-its de l'étape « {title} » dans la grille ({n})", { title: round.title, n })
      : t("Reprendre des post-its dans la grille ({n})", { n });
  box.append(el("summary", "grid-import-summary", summary));
  if (!notes.length && !themes.length) {
    box.append(el("p", "muted", t("Aucun post-it à reprendre dans la grille.")));
    return box;
  }
  box.append(el("p", "hint", t("« Vers la grille » recopie le texte dans la case choisie ; le post-it reste où il est.")));
  const list = el("ul", "grid-import-list");
  const targets = rowTargets(phase);
  for (const theme of themes) list.append(importItem(`theme:${theme.id}`, t("Thème : {title}", { title: theme.title }), targets));
  for (const note of notes) list.append(importItem(`note:${note.id}`, note.text, targets));
  box.append(list);
  return box;
}

/** Every row of the grid, then a new row for each table: the choices of "Vers la grille". */
function rowTargets(phase) {
  const grids = gridsOf(state, phase.id);
  const named = (grid, text) => (grid.name ? `${grid.name} — ${text}` : text);
  const rows = grids.flatMap((grid) => grid.rows.map((row) => ({ id: `row:${row.id}`, title: named(grid, rowLabel(state, row.id)) })));
  const fresh = grids.map((grid) => ({ id: `new:${grid.id || ""}`, title: named(grid, t("Nouvelle ligne")) }));
  return [...rows, ...fresh];
}

function importItem(key, text, targets) {
  const item = el("li", "grid-import-item");
  item.dataset.item = key;
  item.append(el("p", "console-note-text", text));
  const where = choiceSelect(`grid:import-row:${key}`, t("Vers la grille"), targets);
  const columns = COLUMNS.filter((column) => gridColumns(gridPhase(state)).includes(column));
  const column = choiceSelect(`grid:import-column:${key}`, t("Colonne"), columns.map((known) => ({ id: known.key, title: known.title })));
  const send = withTarget(actionButton(t("Ajouter à la grille"), "button-secondary", `grid:import:${key}`, "import"), key);
  const tools = el("div", "grid-import-tools");
  tools.append(where, column, send);
  item.append(tools);
  return item;
}

// --- Grid commands

// A refused edit is shown next to the contribution, with the newer text (see `edit` below).
function gridCommand(event, payload) {
  return ask(event, payload, ["edit_conflict"]);
}

function closeGridForm(name, focusKey) {
  gridOpen.delete(name);
  drafts.delete(`grid:field:${name}`);
  if (focusKey) focusSoon(focusKey);
  renderGridPanel();
}

function openGridForm(name, value = true) {
  gridOpen.set(name, value);
  drafts.delete(`grid:field:${name}`);
  focusSoon(`grid:field:${name}`);
  renderGridPanel();
}

const gridActions = {
  "add-table": () => openGridForm("add-table"),
  rename: (id) => openGridForm(`rename:${id}`),
  "new-row": (id) => openGridForm(`new-row:${id}`),
  edit(id) {
    const item = state.grid.contributions.find((known) => known.id === id);
    if (!item) return;
    gridConflicts.delete(id);
    openGridForm(`edit:${id}`, item.version);
  },
  cancel: (_id, button) => {
    const name = button.closest("form").dataset.form;
    gridConflicts.delete(name.replace(/^edit:/, ""));
    closeGridForm(name);
  },
  "view-whole": () => projectGrid((state.grid_view || {}).table || null, null, t("Toute la grille est projetée.")),
  "project-row": (id) => projectGrid((state.grid_view || {}).table || null, id, t("Ligne projetée au tableau.")),
  import: (key) => importInto(key),
  up: (id) => moveContribution(id, -1),
  down: (id) => moveContribution(id, 1),
  merge: (id) => moveContribution(id, 0),
  "row-up": (id) => moveRow(id, -1),
  "row-down": (id) => moveRow(id, 1),
  "row-merge": (id) => mergeRow(id),
};

async function projectGrid(table, row, said) {
  const ack = await gridCommand("grid_view_set", { table, row });
  if (ack && ack.ok) {
    applyGridView(state, { table, row });
    say(said);
  }
  renderGridPanel();
}

const gridSubmits = {
  async "add-table"(text) {
    const ack = await gridCommand("table_add", { name: text });
    if (ack && ack.ok) say(t("Table « {name} » ajoutée.", { name: text }));
    return ack;
  },
  async rename(text, id) {
    const ack = await gridCommand("table_rename", { table_id: id, name: text });
    if (ack && ack.ok) say(t("Table renommée : « {name} ».", { name: text }));
    return ack;
  },
  async "new-row"(text, id) {
    const payload = { row: null, column: "situation", text, id: newId(), phase: state.phase };
    if (id) payload.group = id;
    const ack = await gridCommand("grid_set", payload);
    if (ack && ack.ok) say(t("Situation ajoutée à la grille."));
    return ack;
  },
  async edit(text, id) {
    const version = gridOpen.get(`edit:${id}`);
    const ack = await gridCommand("grid_edit", { id, text, version });
    if (ack && ack.ok) {
      gridConflicts.delete(id);
      say(t("Texte modifié."));
    } else if (ack && ack.error.code === "edit_conflict") {
      // Someone changed it meanwhile: say so, show the newer text, and keep the field open on it.
      gridConflicts.set(id, errorText(ack.error));
      const item = state.grid.contributions.find((known) => known.id === id);
      if (item) gridOpen.set(`edit:${id}`, item.version);
      renderGridPanel();
      return null;
    }
    return ack;
  },
};

async function onGridSubmit(event) {
  event.preventDefault();
  const form = event.target;
  const name = form.dataset.form;
  const input = form.querySelector("input, textarea");
  const text = input.value.trim();
  if (!text) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return say(t("Écrivez quelques mots d'abord."), { error: true });
  }
  const [kind, id = ""] = name.split(/:(.*)/s);
  const ack = await gridSubmits[kind](text, id);
  if (ack && ack.ok) closeGridForm(name);
}

async function importInto(key) {
  const target = choices.get(`grid:import-row:${key}`);
  const column = choices.get(`grid:import-column:${key}`);
  if (!target) return pickGrid(`grid:import-row:${key}`, t("Choisissez une ligne, ou « Nouvelle ligne »."));
  if (target.startsWith("new:") && column !== "situation") {
    return pickGrid(`grid:import-column:${key}`, t("Une nouvelle ligne commence par la colonne « Situation de travail »."));
  }
  if (!column) return pickGrid(`grid:import-column:${key}`, t("Choisissez une colonne."));
  const [kind, id] = key.split(/:(.*)/s);
  const payload = { [kind === "theme" ? "theme_id" : "note_id"]: id, column };
  let group = null;
  if (target.startsWith("new:")) {
    payload.row = null;
    group = target.slice(4) || null;
  } else {
    payload.row = target.slice(4);
    const row = state.grid.rows.find((known) => known.id === payload.row);
    group = row ? row.table || null : null;
  }
  if (group) payload.group = group;
  const ack = await gridCommand("grid_import", payload);
  if (ack && ack.ok) {
    choices.delete(`grid:import-row:${key}`);
    choices.delete(`grid:import-column:${key}`);
    say(t("Recopié dans la grille."));
  }
  renderGridPanel();
}

function pickGrid(key, message) {
  const select = view.gridWork.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (select) select.focus();
  say(message, { error: true });
}

function onGridClick(event) {
  const button = event.target.closest("button[data-act]");
  if (!button || !isAvailable(button) || button.type === "submit") return;
  const action = gridActions[button.dataset.act];
  if (action) action(button.dataset.target, button);
}

async function onGridChange(event) {
  const node = event.target;
  if (node.tagName !== "SELECT") return;
  if (node.dataset.gridAct === "view-table") {
    const table = node.value || null;
    return projectGrid(table, null, table ? t("Cette table est projetée.") : t("Toutes les tables sont projetées."));
  }
  if (node.dataset.gridAct === "tag") {
    const ack = await gridCommand("grid_tag", { id: node.dataset.target, tag: node.value || null });
    if (ack && ack.ok) say(node.value ? t("Effet marqué : {tag}.", { tag: tagTitle(node.value) }) : t("Marque d'effet retirée."));
    return renderGridPanel();
  }
  choices.set(node.dataset.focus, node.value);
}

function onGridKey(event) {
  if (event.key !== "Escape") return;
  const form = event.target.closest("form[data-form]");
  if (form) closeGridForm(form.dataset.form);
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
  phase_changed(data) {
    const { hold, timer, notes } = data;
    applyPhaseChange(state, data);
    if (timer) countdown.set(timer);
    renderPhases();
    renderVote();
    renderPlan(); // the plan, the follow-up and the records show in their own steps
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
  presence({ participants, writers }) {
    state.participants = participants;
    if (writers) state.writers = writers;
    renderParticipants();
  },
  themes_changed(data) {
    applyThemes(state, data);
    followRewording(state);
    renderNotes();
    renderVote();
  },
  votes_progress({ voters }) {
    state.voters = voters;
    renderVote();
  },
  votes_revealed(data) {
    applyReveal(state, data.phase, data);
    renderNotes();
    renderVote();
  },
  decision_changed({ decision }) {
    applyDecision(state, decision);
    renderVote();
  },
  grid_added(data) {
    applyGridAdded(state, data);
    renderGridPanel();
  },
  grid_changed(data) {
    applyGridChanged(state, data);
    renderGridPanel();
  },
  grid_replaced(data) {
    applyGridReplaced(state, data);
    renderGridPanel();
  },
  tables_changed(data) {
    applyTables(state, data);
    renderGridPanel();
  },
  grid_view_changed(data) {
    applyGridView(state, data);
    renderGridPanel();
  },
  session_closed({ notes }) {
    state.closed = true;
    markRevealed(notes);
    render();
  },
  // After a rewording (the review before closing): same note, new words.
  note_changed({ note, pending }) {
    state.notes = state.notes.map((known) => (known.id === note.id ? note : known));
    setPending(pending);
    followRewording(state);
    renderNotes();
    renderHold();
    renderVote();
  },
  actions_changed({ actions }) {
    state.actions = actions || [];
    renderPlan();
  },
  board_blanked({ blank }) {
    state.blank = blank;
    renderBlank();
  },
  records_changed({ records }) {
    state.records = records || [];
    renderPlan();
  },
  minutes_published(data) {
    applyPublished(state, data);
    renderPlan();
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

initPlan({
  getState: () => state,
  ask,
  say,
  render: () => state && render(),
  redraw,
  focusSoon,
  drafts,
  setAvailable,
  isAvailable,
});

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
view.blank.addEventListener("click", toggleBlank);
view.shortcutsOpen.addEventListener("click", toggleHelp); // the dialog gives the focus back on closing
document.addEventListener("keydown", onShortcut);
view.prev.addEventListener("click", onClick("button", () => stepBy(-1)));
view.next.addEventListener("click", onClick("button", () => stepBy(1)));
view.reveal.addEventListener("click", onClick("button", reveal));
view.hold.addEventListener("change", setHold);
view.themeNew.addEventListener("click", onClick("button", openNewTheme));
view.themeNewCancel.addEventListener("click", closeNewTheme);
view.themeNewForm.addEventListener("submit", createTheme);
view.themeNewForm.addEventListener("keydown", (event) => event.key === "Escape" && closeNewTheme());
view.themeNewTitle.addEventListener("input", () => view.themeNewTitle.removeAttribute("aria-invalid"));
view.themeBoxes.addEventListener("click", onGroupingClick);
view.themeBoxes.addEventListener("change", onGroupingChange);
view.themeBoxes.addEventListener("input", onDraftInput);
view.themeBoxes.addEventListener("keydown", onGroupingKey);
view.themeBoxes.addEventListener("submit", renameTheme);
view.votesReveal.addEventListener("click", onClick("button", revealVotes));
view.rankings.addEventListener("input", onDraftInput);
view.rankings.addEventListener("submit", saveDecision);
view.gridWork.addEventListener("click", onGridClick);
view.gridWork.addEventListener("change", onGridChange);
view.gridWork.addEventListener("input", onDraftInput);
view.gridWork.addEventListener("submit", onGridSubmit);
view.gridWork.addEventListener("keydown", onGridKey);
