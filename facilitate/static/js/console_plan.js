// The console's panels for what a session leaves behind (#7): "Où en est-on ?", the action plan,
// the records for the minutes ("Pour le compte-rendu"), the review before closing, and the
// minutes once closed. console.js owns the state and the connection: it hands this module a few
// helpers (`initPlan`) and calls `renderPlan` whenever the state changes. Every text written by a
// person goes in with textContent. Protocol: docs/protocol.md, "The action plan and the records",
// "Rewording after the review", "Following a session", "minutes_publish".
import { RECORD_TITLES, STATUS_LABELS } from "./plan_labels.js";
import {
  applyDecision,
  decisionBadge,
  decisionFor,
  itemKey,
  itemRef,
  phaseKind,
  rankingItems,
} from "./priorities.js";
import { byId, el } from "./ui.js";
import { t, tn } from "./i18n.js";
import { newId } from "./outbox.js";

const CONFIRM_MS = 4000;

const ACTION_FIELDS = [
  { key: "what", label: t("Action à mener"), max: 500 },
  { key: "owner", label: t("Porté par (fonction ou groupe)"), max: 120 },
  { key: "due", label: t("Échéance"), max: 120 },
  { key: "indicator", label: t("Indicateur de suivi"), max: 500 },
];
const ACTION_KEYS = ACTION_FIELDS.map((field) => field.key);
const FIELD_LABELS = Object.fromEntries(ACTION_FIELDS.map((field) => [field.key, field.label]));

const view = {
  followupPanel: byId("followup-panel"),
  followupBody: byId("followup-body"),
  planPanel: byId("plan-panel"),
  planCount: byId("plan-count"),
  planHint: byId("plan-hint"),
  planEmpty: byId("plan-empty"),
  planList: byId("plan-list"),
  planAdd: byId("plan-add"),
  recordsPanel: byId("records-panel"),
  recordsHint: byId("records-hint"),
  recordGroups: document.querySelectorAll(".record-group"),
  minutesPanel: byId("minutes-panel"),
  minutesTitle: byId("minutes-title"),
  minutesOpen: byId("minutes-open"),
  minutesState: byId("minutes-state"),
  minutesPublic: byId("minutes-public"),
  minutesPublicLink: byId("minutes-public-link"),
  minutesPublish: byId("minutes-publish"),
  closePanel: byId("close-panel"),
  close: byId("session-close"),
  review: byId("review"),
  reviewSummary: byId("review-summary"),
  reviewList: byId("review-list"),
  reviewConfirm: byId("review-confirm"),
  reviewCancel: byId("review-cancel"),
};

let deps = null; // what console.js lends: getState, ask, say, render, redraw, focusSoon, drafts
const editing = new Set(); // "action:<id>" or "record:<id>": an edit form is open
const armed = new Map(); // "action:<id>" or "record:<id>" whose delete waits for a second click
let review = null; // the flagged texts while the review before closing is open, else null
const kept = new Set(); // review items the facilitator chose to keep as they are

const state = () => deps.getState();

/** Wire the panels once; `helpers` are console.js's own, so that every panel behaves alike. */
export function initPlan(helpers) {
  deps = helpers;
  for (const group of view.recordGroups) {
    const title = RECORD_TITLES[group.dataset.kind];
    group.querySelector("[data-record-title]").textContent = title;
    // Three "Ajouter" buttons: each says, to a screen reader, which list it adds to.
    const label = t("Ajouter aux {list}", { list: title.toLowerCase() });
    group.querySelector(".record-add button").setAttribute("aria-label", label);
  }
  view.planAdd.addEventListener("submit", addAction);
  for (const node of [view.planPanel, view.recordsPanel, view.reviewList]) {
    node.addEventListener("input", keepDraft);
  }
  view.planList.addEventListener("click", onListClick);
  view.planList.addEventListener("change", onStatusChange);
  view.planList.addEventListener("submit", saveActionEdit);
  view.planList.addEventListener("keydown", cancelOnEscape);
  view.recordsPanel.addEventListener("click", onListClick);
  view.recordsPanel.addEventListener("submit", onRecordSubmit);
  view.recordsPanel.addEventListener("keydown", cancelOnEscape);
  view.close.addEventListener("click", () => isOn(view.close) && openReview());
  view.reviewList.addEventListener("submit", reword);
  view.reviewList.addEventListener("click", onReviewClick);
  view.reviewConfirm.addEventListener("click", closeSession);
  view.reviewCancel.addEventListener("click", cancelReview);
  view.minutesPublish.addEventListener("click", togglePublished);
}

/** Draw every panel of this module from the state: which ones show depends on the step. */
export function renderPlan() {
  const kind = phaseKind(state());
  renderFollowup(kind === "followup");
  // Every kit ends with a recap or an action plan, not always both: each offers the two
  // panels, so that no kit lacks a place for an action or a disagreement.
  renderActions(["actions", "followup", "recap"].includes(kind));
  renderRecords(["recap", "actions"].includes(kind));
  renderClosing();
}

// --- Small helpers

const isOn = (button) => deps.isAvailable(button);

function focusable(node, key) {
  node.dataset.focus = key;
  return node;
}

function button(text, className, act, target, key) {
  const node = focusable(el("button", `button ${className}`, text), key || `${act}:${target}`);
  node.type = "button";
  node.dataset.act = act;
  node.dataset.target = target;
  return node;
}

function submitButton(text, key) {
  const node = focusable(el("button", "button button-primary", text), key);
  node.type = "submit";
  return node;
}

let fieldCount = 0; // ids for the labels of fields drawn on the fly

function textField(key, value, { label, max = 500, long = max > 120 }) {
  const input = focusable(el(long ? "textarea" : "input"), key);
  if (!long) input.type = "text";
  if (long) input.rows = 2;
  input.id = `plan-field-${++fieldCount}`;
  input.maxLength = max;
  input.autocomplete = "off";
  input.value = deps.drafts.has(key) ? deps.drafts.get(key) : value;
  const wrap = el("div", "field");
  const caption = el("label", "label-inline", label);
  caption.htmlFor = input.id;
  wrap.append(caption, input);
  return wrap;
}

// Typing ends a field's error; fields drawn on the fly also keep their text across redraws.
function keepDraft(event) {
  const node = event.target;
  if (!["INPUT", "TEXTAREA"].includes(node.tagName)) return;
  node.removeAttribute("aria-invalid");
  if (node.dataset.focus) deps.drafts.set(node.dataset.focus, node.value);
}

function clearForm(form) {
  form.reset();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Mark the empty required fields and say so; true when there is none. */
function filled(inputs, message) {
  const empty = inputs.filter((input) => !input.value.trim());
  for (const input of empty) input.setAttribute("aria-invalid", "true");
  if (!empty.length) return true;
  empty[0].focus();
  deps.say(message, { error: true });
  return false;
}

// Deleting takes two clicks, like hiding a note: the first arms the button for a few seconds.
function armOrConfirm(key) {
  if (armed.has(key)) {
    clearTimeout(armed.get(key));
    armed.delete(key);
    return true;
  }
  armed.set(
    key,
    setTimeout(() => {
      armed.delete(key);
      renderPlan();
    }, CONFIRM_MS),
  );
  renderPlan();
  return false;
}

function deleteButton(key, id, label) {
  const on = armed.has(key);
  const text = on ? t("Confirmer la suppression") : t("Supprimer");
  const node = button(text, "button-quiet", "delete", id, `${key}:delete`);
  node.classList.toggle("is-armed", on);
  node.setAttribute("aria-label", t("{action} : {text}", { action: text, text: label }));
  return node;
}

// --- "Où en est-on ?": what the session followed left open

function renderFollowup(shown) {
  view.followupPanel.hidden = !shown;
  if (shown) view.followupBody.replaceChildren(...followupParts(state().followup));
}

function followupParts(followup) {
  if (!followup) {
    const how = el("p", "hint");
    const start = el("a", "", t("la page d'ouverture des séances"));
    start.href = "/animer";
    // The link sits in the middle of the sentence: the sentence is translated whole, around it.
    const [before, after = ""] = t(
      "Pour reprendre le plan d'action d'une séance précédente, ouvrez la suivante depuis {link} en choisissant la séance à laquelle elle fait suite. Vous pouvez aussi noter ici, dans le plan d'action, les actions déjà engagées.",
    ).split("{link}");
    how.append(before, start, after);
    const none = t("Cette séance ne fait suite à aucune autre : il n'y a ni priorités ni actions à reprendre.");
    return [el("p", "notice followup-none", none), how];
  }
  const from = el("p", "followup-from");
  from.append(el("strong", "", t("Cette séance fait suite à : ")), el("span", "", followup.followed));
  const parts = [from, el("h3", "small-title", t("Priorités restées ouvertes"))];
  const priorities = followup.priorities || [];
  if (!priorities.length) parts.push(el("p", "muted", t("Aucune priorité n'était restée ouverte.")));
  else parts.push(priorityList(priorities));
  const carried = t("Les actions non réalisées sont reprises dans le plan d'action ci-dessous : mettez à jour leur statut avec le groupe.");
  parts.push(el("p", "hint", carried));
  return parts;
}

// The earlier session's ranking as every screen shows one, with the COPIL's decision under it.
function priorityList(priorities) {
  const counted = priorities.some((entry) => typeof entry.votes === "number"); // three voters or more
  const round = { ranking: priorities, counts_shown: counted };
  const extra = (entry, item, body) => {
    if (entry.decision) body.append(decisionBadge(entry));
  };
  const list = el("ol", "ranking followup-priorities");
  list.append(...rankingItems(round, { extra }));
  return list;
}

// --- The action plan

function renderActions(shown) {
  view.planPanel.hidden = !shown;
  if (!shown) return view.planList.replaceChildren();
  const { actions = [], closed } = state();
  view.planCount.textContent = `(${actions.length})`;
  view.planEmpty.hidden = actions.length > 0;
  view.planEmpty.textContent = closed
    ? t("Le plan d'action est vide.")
    : t("Aucune action pour l'instant : ajoutez la première ci-dessous.");
  // Once closed nothing can be written: the plan stays readable, its forms go.
  view.planAdd.hidden = Boolean(closed);
  view.planHint.hidden = Boolean(closed);
  deps.redraw(view.planList, () => view.planList.replaceChildren(...actions.map(actionItem)));
}

function actionItem(action) {
  const key = `action:${action.id}`;
  const item = el("li", "plan-item");
  item.dataset.id = action.id;
  item.dataset.status = action.status;
  if (editing.has(key) && !state().closed) {
    item.append(actionForm(action));
    return item;
  }
  item.append(el("p", "plan-what", action.what));
  const facts = el("dl", "plan-facts");
  const fact = (label, value) => value && facts.append(el("dt", "", label), el("dd", "", value));
  fact(t("Porté par"), action.owner);
  fact(t("Échéance"), action.due);
  fact(t("Indicateur de suivi"), action.indicator);
  item.append(facts);
  if (action.origin) item.append(el("p", "plan-origin", t("depuis : {origin}", { origin: action.origin })));
  item.append(actionTools(action, key));
  return item;
}

function actionTools(action, key) {
  const tools = el("div", "plan-tools");
  if (state().closed) {
    tools.append(el("p", "plan-status-text", t("Statut : {status}", { status: STATUS_LABELS[action.status] || action.status })));
    return tools;
  }
  const select = focusable(el("select", "select plan-status"), `${key}:status`);
  select.id = `plan-status-${action.id}`;
  select.dataset.target = action.id;
  for (const [code, label] of Object.entries(STATUS_LABELS)) select.append(new Option(label, code));
  select.value = wanted.get(action.id) || action.status;
  const caption = el("label", "label-inline", t("Statut"));
  caption.htmlFor = select.id;
  const status = el("div", "plan-status-field");
  status.append(caption, select);
  const modify = button(t("Modifier"), "button-quiet", "edit-action", action.id);
  modify.setAttribute("aria-label", t("Modifier : {text}", { text: action.what }));
  tools.append(status, modify, deleteButton(key, action.id, action.what));
  return tools;
}

function actionForm(action) {
  const form = el("form", "plan-form plan-edit");
  form.noValidate = true;
  form.dataset.target = action.id;
  form.setAttribute("aria-label", t("Modifier l'action : {text}", { text: action.what }));
  for (const field of ACTION_FIELDS) {
    const wrap = textField(`action:${action.id}:${field.key}`, action[field.key] || "", field);
    wrap.querySelector("input, textarea").dataset.field = field.key;
    if (field.key === "owner") wrap.append(el("p", "hint", t("Une fonction ou un groupe, jamais une personne.")));
    if (field.max > 120) wrap.classList.add("plan-field-wide");
    form.append(wrap);
  }
  const buttons = el("div", "inline-buttons");
  buttons.append(
    submitButton(t("Enregistrer l'action"), `action:${action.id}:save`),
    button(t("Annuler"), "button-quiet", "cancel-action", action.id, `action:${action.id}:cancel`),
  );
  form.append(buttons);
  return form;
}

/** The fields of an action form, trimmed: {what, owner, due, indicator}. */
function actionFields(form) {
  const inputs = [...form.querySelectorAll("[data-field]")];
  const values = Object.fromEntries(inputs.map((input) => [input.dataset.field, input.value.trim()]));
  return { inputs, values };
}

const REQUIRED = t("Indiquez l'action et la fonction ou le groupe qui la porte.");

async function addAction(event) {
  event.preventDefault();
  const { inputs, values } = actionFields(view.planAdd);
  if (!filled(inputs.filter((input) => input.required), REQUIRED)) return;
  const ack = await deps.ask("action_save", { id: newId(), ...values });
  if (!ack || !ack.ok) return;
  clearForm(view.planAdd);
  inputs[0].focus(); // ready for the next one
  deps.say(t("Action ajoutée au plan, portée par {owner}.", { owner: values.owner }));
}

async function saveActionEdit(event) {
  event.preventDefault();
  const form = event.target;
  const id = form.dataset.target;
  const { inputs, values } = actionFields(form);
  const required = inputs.filter((input) => ["what", "owner"].includes(input.dataset.field));
  if (!filled(required, REQUIRED)) return;
  const ack = await deps.ask("action_save", { id, ...values });
  if (!ack || !ack.ok) return;
  stopEditing(`action:${id}`, ACTION_KEYS);
  deps.focusSoon(`edit-action:${id}`);
  deps.say(t("Action modifiée."));
  renderPlan();
}

// A status changes on its own: the payload names the status alone, the rest stays. Arrow keys
// on a select change it at every press: the last choice wins, sent once the previous one is
// acknowledged, and a redraw meanwhile shows the choice rather than the plan's older value.
const wanted = new Map(); // action id -> status chosen and not yet acknowledged
const RETRY_MS = 250;

function onStatusChange(event) {
  const select = event.target.closest("select.plan-status");
  if (!select) return;
  const sending = wanted.has(select.dataset.target);
  wanted.set(select.dataset.target, select.value);
  if (!sending) sendStatus(select.dataset.target);
}

async function sendStatus(id) {
  const status = wanted.get(id);
  const ack = await deps.ask("action_save", { id, status });
  if (ack === null) return void setTimeout(() => sendStatus(id), RETRY_MS); // another command first
  if (ack.ok && wanted.get(id) !== status) return sendStatus(id); // changed again meanwhile
  wanted.delete(id);
  if (ack.ok) deps.say(t("Statut de l'action : {status}.", { status: STATUS_LABELS[status] }));
  else renderPlan(); // refused: the select goes back to the plan's value
}

function stopEditing(key, fields) {
  editing.delete(key);
  for (const field of fields) deps.drafts.delete(`${key}:${field}`);
}

// --- The records: disagreements, open questions, intersession work

function renderRecords(shown) {
  view.recordsPanel.hidden = !shown;
  const { records = [], closed } = state();
  view.recordsHint.hidden = Boolean(closed);
  for (const group of view.recordGroups) {
    const list = group.querySelector(".record-list");
    const form = group.querySelector(".record-add");
    form.hidden = Boolean(closed);
    if (!shown) {
      list.replaceChildren();
      continue;
    }
    const mine = records.filter((record) => record.kind === group.dataset.kind);
    const items = mine.length ? mine.map(recordItem) : [el("li", "muted record-none", t("Rien pour l'instant."))];
    deps.redraw(list, () => list.replaceChildren(...items));
  }
}

function recordItem(record) {
  const key = `record:${record.id}`;
  const item = el("li", "record-item");
  item.dataset.id = record.id;
  if (editing.has(key) && !state().closed) {
    const form = el("form", "record-edit");
    form.noValidate = true;
    form.dataset.target = record.id;
    const buttons = el("div", "inline-buttons");
    buttons.append(
      submitButton(t("Enregistrer"), `${key}:save`),
      button(t("Annuler"), "button-quiet", "cancel-record", record.id, `${key}:cancel`),
    );
    form.append(textField(`${key}:text`, record.text, { label: t("Nouvelle formulation") }), buttons);
    item.append(form);
    return item;
  }
  item.append(el("p", "record-text", record.text));
  if (state().closed) return item;
  const tools = el("div", "record-tools");
  const edit = button(t("Reformuler"), "button-quiet", "edit-record", record.id);
  edit.setAttribute("aria-label", t("Reformuler : {text}", { text: record.text }));
  tools.append(edit, deleteButton(key, record.id, record.text));
  item.append(tools);
  return item;
}

function onRecordSubmit(event) {
  event.preventDefault();
  if (event.target.classList.contains("record-add")) return addRecord(event.target);
  return saveRecordEdit(event.target);
}

async function addRecord(form) {
  const input = form.querySelector("input");
  const kind = form.closest(".record-group").dataset.kind;
  if (!filled([input], t("Écrivez quelques mots d'abord."))) return;
  const ack = await deps.ask("record_save", { id: newId(), kind, text: input.value.trim() });
  if (!ack || !ack.ok) return;
  clearForm(form);
  input.focus();
  deps.say(t("Ajouté aux « {list} ».", { list: RECORD_TITLES[kind].toLowerCase() }));
}

async function saveRecordEdit(form) {
  const id = form.dataset.target;
  const input = form.querySelector("input, textarea");
  if (!filled([input], t("Le texte ne peut pas être vide."))) return;
  const ack = await deps.ask("record_save", { id, text: input.value.trim() });
  if (!ack || !ack.ok) return;
  stopEditing(`record:${id}`, ["text"]);
  deps.focusSoon(`edit-record:${id}`);
  deps.say(t("Texte reformulé."));
  renderPlan();
}

// --- Clicks shared by the plan and the records: edit, cancel, delete

const listActions = {
  "edit-action": (id) => openEdit(`action:${id}`, `action:${id}:what`),
  "cancel-action": (id) => cancelEdit(`action:${id}`, ACTION_KEYS, `edit-action:${id}`),
  "edit-record": (id) => openEdit(`record:${id}`, `record:${id}:text`),
  "cancel-record": (id) => cancelEdit(`record:${id}`, ["text"], `edit-record:${id}`),
  async delete(id, node) {
    const isAction = Boolean(node.closest("#plan-list"));
    const key = `${isAction ? "action" : "record"}:${id}`;
    // Once the item is gone, the keyboard goes on to the form that adds one (found now: the
    // update may redraw the list before the ack comes back).
    const form = isAction ? view.planAdd : node.closest(".record-group").querySelector(".record-add");
    if (!armOrConfirm(key)) return;
    const ack = await deps.ask(isAction ? "action_delete" : "record_delete", { id });
    if (!ack || !ack.ok) return renderPlan();
    form.querySelector("input, textarea").focus();
    deps.say(isAction ? t("Action retirée du plan.") : t("Texte retiré du compte-rendu."));
  },
};

function openEdit(key, focusKey) {
  editing.add(key);
  deps.focusSoon(focusKey);
  renderPlan();
}

function cancelEdit(key, fields, focusKey) {
  stopEditing(key, fields);
  deps.focusSoon(focusKey);
  renderPlan();
}

function onListClick(event) {
  const node = event.target.closest("button[data-act]");
  if (!node || !isOn(node) || !listActions[node.dataset.act]) return;
  listActions[node.dataset.act](node.dataset.target, node);
}

// Escape leaves an edited action or record as it was.
function cancelOnEscape(event) {
  if (event.key !== "Escape") return;
  const form = event.target.closest("form[data-target]");
  if (!form) return;
  const act = form.classList.contains("record-edit") ? "cancel-record" : "cancel-action";
  listActions[act](form.dataset.target);
}

// --- Closing: the review first, then the confirmation; the minutes once closed

function renderClosing() {
  const { closed } = state();
  if (closed) review = null;
  view.closePanel.hidden = Boolean(closed);
  view.close.hidden = review !== null;
  deps.setAvailable(view.close, !closed);
  view.minutesPanel.hidden = !closed;
  if (closed) renderMinutes();
  renderReview();
}

/** The close button's first effect: fetch the texts to reword and show them. */
async function openReview() {
  if (!(await fetchReview())) return;
  renderClosing();
  focusReviewAt(0);
}

async function fetchReview() {
  const ack = await deps.ask("review_get", {});
  if (!ack || !ack.ok) return false;
  review = ack.review || [];
  return true;
}

function reviewKey(item) {
  const target = item.id || item.note_id || item.theme_id;
  return `review:${item.kind}:${target}:${item.field || ""}`;
}

function openItems() {
  return (review || []).filter((item) => !kept.has(reviewKey(item)));
}

function renderReview() {
  view.review.hidden = review === null;
  if (review === null) return view.reviewList.replaceChildren();
  const items = openItems();
  view.reviewSummary.textContent = reviewSummary(items.length, review.length - items.length);
  view.reviewSummary.classList.toggle("is-clear", !items.length);
  deps.redraw(view.reviewList, () => view.reviewList.replaceChildren(...items.map(reviewItem)));
}

function reviewSummary(open, keptCount) {
  if (open) {
    return tn(
      open,
      "{n} texte à relire. Vous pouvez aussi clore sans le reformuler : il ira tel quel dans le compte-rendu.",
      "{n} textes à relire. Vous pouvez aussi clore sans les reformuler : ils iront tels quels dans le compte-rendu.",
    );
  }
  if (keptCount) {
    return tn(
      keptCount,
      "Relecture terminée : {n} texte gardé tel quel, les autres sont reformulés.",
      "Relecture terminée : {n} textes gardés tels quels, les autres sont reformulés.",
    );
  }
  return t("Rien à reformuler : aucun texte du compte-rendu ne nomme une personne ni ne désigne quelqu'un par sa fonction.");
}

/** Where the flagged text lives, in the console's words. */
function reviewPlace(item) {
  switch (item.kind) {
    case "note":
      return t("Post-it");
    case "theme":
      return t("Titre de thème");
    case "contribution":
      return t("Grille d'analyse");
    case "action":
      return t("Plan d'action · {field}", { field: FIELD_LABELS[item.field] || item.field });
    case "record": {
      const record = (state().records || []).find((known) => known.id === item.id);
      return record ? RECORD_TITLES[record.kind] : t("Pour le compte-rendu");
    }
    case "decision":
      return item.field === "reason" ? t("Raison donnée aux équipes") : t("Décision du COPIL");
    default:
      return t("Texte");
  }
}

/** The words of the priority a decision bears on, from the revealed rankings. */
function rankedText(item) {
  const key = itemKey(item);
  for (const round of Object.values(state().rankings || {})) {
    const entry = round.ranking.find((known) => itemKey(known) === key);
    if (entry) return entry.text;
  }
  return "";
}

function reviewItem(item) {
  const key = reviewKey(item);
  const node = el("li", "review-item");
  node.dataset.id = key;
  node.append(el("p", "review-place", reviewPlace(item)));
  const priority = item.kind === "decision" ? rankedText(item) : "";
  if (priority) node.append(el("p", "review-about", t("Sur la priorité « {text} »", { text: priority })));
  node.append(el("p", "review-text", item.text));
  const reasons = el("ul", "review-reasons");
  reasons.setAttribute("aria-label", t("Pourquoi le relire"));
  reasons.append(...(item.reasons || []).map((reason) => el("li", "", reason)));
  const form = el("form", "review-form");
  form.noValidate = true;
  form.dataset.key = key;
  const long = !["theme", "action"].includes(item.kind) || ["what", "indicator"].includes(item.field);
  const max = long ? 500 : 120;
  const buttons = el("div", "inline-buttons");
  const keep = button(t("Garder tel quel"), "button-quiet", "keep", key, `${key}:keep`);
  keep.setAttribute("aria-label", t("Garder tel quel : {text}", { text: item.text }));
  buttons.append(submitButton(t("Reformuler"), `${key}:save`), keep);
  form.append(textField(`${key}:text`, item.text, { label: t("Nouvelle formulation"), max, long }), buttons);
  node.append(reasons, form);
  return node;
}

/** The event and payload that reword one flagged text, by where it lives. */
function rewordCommand(item, text) {
  switch (item.kind) {
    case "note":
      return ["note_edit", { note_id: item.id, text }];
    case "theme":
      return ["theme_rename", { theme_id: item.id, title: text }];
    case "contribution":
      return ["grid_edit", { id: item.id, text, version: item.version }];
    case "action":
      return ["action_save", { id: item.id, [item.field]: text }];
    case "record":
      return ["record_save", { id: item.id, text }];
    default: {
      // A decision is set whole: the field not reworded keeps its current words.
      const current = decisionFor(state(), item) || {};
      const words = { decision: current.decision || "", reason: current.reason || "", [item.field]: text };
      return ["decision_set", { ...itemRef(item), ...words }];
    }
  }
}

async function reword(event) {
  event.preventDefault();
  const form = event.target;
  const key = form.dataset.key;
  const index = openItems().findIndex((known) => reviewKey(known) === key);
  const item = openItems()[index];
  const input = form.querySelector("input, textarea");
  if (!item || !filled([input], t("Le texte ne peut pas être vide."))) return;
  const text = input.value.trim();
  if (text === item.text) {
    input.focus();
    return deps.say(t("Le texte n'a pas changé : reformulez-le, ou gardez-le tel quel."), { error: true });
  }
  const [name, payload] = rewordCommand(item, text);
  const ack = await deps.ask(name, payload);
  if (!ack) return;
  if (ack.ok) {
    deps.drafts.delete(`${key}:text`);
    if (name === "decision_set") applyDecision(state(), payload); // as saveDecision does
    deps.say(t("Texte reformulé : le compte-rendu reprendra la nouvelle formulation."));
  }
  // Fetched again after every attempt: a refused edit may have met a newer text.
  if (await fetchReview()) renderReview();
  focusReviewAt(index);
}

function onReviewClick(event) {
  const node = event.target.closest("button[data-act=keep]");
  if (!node) return;
  const index = openItems().findIndex((known) => reviewKey(known) === node.dataset.target);
  kept.add(node.dataset.target);
  deps.drafts.delete(`${node.dataset.target}:text`);
  renderReview();
  deps.say(t("Texte gardé tel quel."));
  focusReviewAt(index);
}

/** After an item leaves the list, the keyboard goes to the one that took its place. */
function focusReviewAt(index) {
  const fields = view.reviewList.querySelectorAll(".review-form textarea, .review-form input");
  const target = fields[Math.min(index, fields.length - 1)];
  if (target) target.focus();
  else view.reviewConfirm.focus();
}

function cancelReview() {
  review = null;
  renderClosing();
  view.close.focus();
}

async function closeSession() {
  const ack = await deps.ask("session_close", {});
  if (!ack || !ack.ok) return;
  state().closed = true;
  review = null;
  deps.render();
  deps.say(t("Séance close : plus personne ne peut écrire ni voter. Le compte-rendu est prêt. Merci !"));
  view.minutesTitle.focus();
}

function renderMinutes() {
  const published = Boolean(state().published);
  view.minutesState.classList.toggle("is-published", published);
  view.minutesState.textContent = published
    ? t("Publié : les participants le trouvent sur leur téléphone et au tableau, sans code d'animation.")
    : t("Pas encore publié : seule l'animation peut le lire.");
  // The printable page's full address, to send by e-mail to those who were not there.
  view.minutesPublic.hidden = !published;
  const address = new URL(state().minutes_url || view.minutesOpen.getAttribute("href"), location.origin).href;
  view.minutesPublicLink.href = address;
  view.minutesPublicLink.textContent = address;
  view.minutesPublish.textContent = published ? t("Retirer la publication") : t("Publier pour les participants");
  view.minutesPublish.className = `button ${published ? "button-quiet" : "button-primary"}`;
}

async function togglePublished() {
  const published = !state().published;
  const ack = await deps.ask("minutes_publish", { published });
  if (!ack || !ack.ok) return;
  applyPublished(state(), ack);
  renderMinutes();
  deps.say(
    published
      ? t("Compte-rendu publié pour les participants.")
      : t("Publication retirée : seule l'animation peut lire le compte-rendu."),
  );
}

/** Apply `minutes_published` (or the ack of `minutes_publish`), as the snapshot says it. */
export function applyPublished(target, { published, url }) {
  target.published = Boolean(published);
  if (target.published) target.minutes_url = url;
  else delete target.minutes_url;
}
