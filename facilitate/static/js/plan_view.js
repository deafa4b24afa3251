// The action plan, the records and "Où en est-on ?" as the projector and the phones show them,
// read only: the console writes them, these screens only follow. See docs/protocol.md, "The
// action plan and the records" and "Following a session". Every text goes in with textContent.
import { t } from "./i18n.js";
import { RECORD_TITLES, STATUS_LABELS } from "./plan_labels.js";
import { decisionBadge, rankingItems } from "./priorities.js";
import { currentPhase, el } from "./ui.js";

/** The kind of the current phase when it is one that shows the plan, else "". */
export function planKind(state) {
  const { phase } = currentPhase(state);
  const kind = phase ? phase.kind : "";
  return kind === "followup" || kind === "actions" || kind === "recap" ? kind : "";
}

/**
 * Whether this plan step has something written to show. Until it has, the screens keep what
 * they showed before (the step's prompt, the notes of the round in view).
 */
export function planHasContent(state, kind = planKind(state)) {
  const actions = (state.actions || []).length > 0;
  if (kind === "followup") return actions || Boolean(state.followup);
  if (kind === "actions" || kind === "recap") return actions || (state.records || []).length > 0;
  return false;
}

/** Apply `minutes_published`: the address is known only while the minutes are out. */
export function applyMinutes(state, { published, url }) {
  state.published = Boolean(published);
  if (state.published && url) state.minutes_url = url;
  else delete state.minutes_url;
}

/** The minutes' address when they are published, else "". */
export function minutesUrl(state) {
  return (state.published !== false && state.minutes_url) || "";
}

/** "en cours", "réalisée"… in a badge whose colour follows the status (the word says it too). */
export function statusBadge(status) {
  const badge = el("span", "status-badge", STATUS_LABELS[status] || status);
  badge.dataset.status = status;
  return badge;
}

// "Porté par : X · Échéance : Y" on one line on the projector, one fact a line on a phone.
function metaLine(action) {
  const line = el("p", "action-meta");
  line.append(labelled("span", "action-part", t("Porté par :"), action.owner));
  if (action.due) line.append(el("span", "action-sep", " · "), labelled("span", "action-part", t("Échéance :"), action.due));
  return line;
}

function labelled(tag, className, label, text) {
  const part = el(tag, className);
  part.append(el("span", "action-label", `${label} `), el("span", "", text));
  return part;
}

/** One action as a card: its status first (what the room looks for), then what, who, when. */
export function actionItem(action) {
  const item = el("li", "action-item");
  item.dataset.id = action.id;
  item.dataset.status = action.status;
  // The badge apart from the text: the projector lines the badges up in a column of their own.
  const body = el("div", "action-body");
  body.append(el("p", "action-what", action.what), metaLine(action));
  if (action.indicator) body.append(labelled("p", "action-indicator", t("Indicateur de suivi :"), action.indicator));
  if (action.origin) body.append(el("p", "action-origin", t("depuis {origin}", { origin: action.origin })));
  item.append(statusBadge(action.status), body);
  return item;
}

/** The actions as a list of cards (phones, and the "Où en est-on ?" of the projector). */
export function actionList(actions) {
  const list = el("ul", "action-list");
  list.append(...actions.map(actionItem));
  return list;
}

const TABLE_HEADS = [t("Action"), t("Porté par"), t("Échéance"), t("Statut"), t("Indicateur de suivi")];

/** The action plan as a table, one action per row, for the projector. */
export function actionTable(actions) {
  const table = el("table", "plan-table");
  const head = el("tr");
  for (const title of TABLE_HEADS) {
    const th = el("th", "", title);
    th.scope = "col";
    head.append(th);
  }
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const action of actions) table.tBodies[0].append(actionRow(action));
  return table;
}

function actionRow(action) {
  const row = el("tr");
  row.dataset.id = action.id;
  const what = el("th", "plan-cell-what");
  what.scope = "row";
  what.append(el("span", "action-what", action.what));
  if (action.origin) what.append(el("span", "action-origin", t("depuis {origin}", { origin: action.origin })));
  const status = el("td", "plan-cell-status");
  status.append(statusBadge(action.status));
  // An empty cell says so: a blank on a projector looks like a fault.
  row.append(what, el("td", "", action.owner), el("td", "", action.due || "—"), status);
  row.append(el("td", "", action.indicator || "—"));
  return row;
}

/** The records under their three titles, in the minutes' order; empty groups are left out. */
export function recordGroups(records, headingTag = "h2") {
  return Object.entries(RECORD_TITLES)
    .map(([kind, title]) => ({ title, items: records.filter((record) => record.kind === kind) }))
    .filter((group) => group.items.length > 0)
    .map(({ title, items }) => {
      const section = el("section", "recap-group");
      const list = el("ul", "recap-list");
      list.append(...items.map((record) => el("li", "recap-item", record.text)));
      section.append(el(headingTag, "recap-title", title), list);
      return section;
    });
}

/** The priorities the followed session left open, best first, with the COPIL's decision. */
export function openPriorities(priorities) {
  const round = { ranking: priorities, counts_shown: priorities.some((p) => typeof p.votes === "number") };
  const list = el("ol", "ranking plan-priorities");
  const items = rankingItems(round, {
    extra(entry, item, body) {
      if (entry.decision) body.append(decisionBadge(entry));
    },
  });
  list.append(...items);
  return list;
}
