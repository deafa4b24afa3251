// Prioritisation ("priorisation") as every screen shows it: themes of the round in view, the
// items of a vote, revealed rankings and the COPIL's decisions. See docs/protocol.md, "Votes".
import { t, tn } from "./i18n.js";
import { currentPhase, el, notesInView } from "./ui.js";

export const FEW_VOTERS_TEXT = t(
  "Moins de trois votants : seul l'ordre est affiché, pour que personne ne puisse être reconnu.",
);

/** "theme:<id>" or "note:<id>": one key for a ballot item, a ranked item, a decision or a dot. */
export function itemKey(item) {
  return item.theme_id ? `theme:${item.theme_id}` : `note:${item.note_id}`;
}

/** The wire reference of an item: {theme_id} or {note_id}, as vote and decision events take. */
export function itemRef(item) {
  return item.theme_id ? { theme_id: item.theme_id } : { note_id: item.note_id };
}

/** The kind of the current phase ("group", "vote"…), or "" before the first snapshot. */
export function phaseKind(state) {
  const { phase } = currentPhase(state);
  return phase ? phase.kind : "";
}

/** The revealed ranking of a vote phase ({voters, counts_shown, ranking}), or null. */
export function rankingOf(state, phaseId) {
  return (state.rankings && state.rankings[phaseId]) || null;
}

/** Whether the current phase is a vote whose ballot is still open. */
export function voteOpen(state) {
  return phaseKind(state) === "vote" && !rankingOf(state, state.phase) && !state.closed;
}

/** The themes of the round in view, in the server's order. */
export function themesInView(state) {
  return (state.themes || []).filter((theme) => theme.phase === state.in_view);
}

/**
 * The notes of the round in view, split by theme: [{theme, notes}] for each theme of the round,
 * and `loose`, the notes outside any of them (a note whose theme is gone counts as loose).
 */
export function grouped(state) {
  const themes = themesInView(state);
  const groups = themes.map((theme) => ({ id: theme.id, theme, notes: [] }));
  const index = new Map(groups.map((group) => [group.id, group]));
  const loose = [];
  for (const note of notesInView(state)) (index.get(note.theme) || { notes: loose }).notes.push(note);
  return { groups, loose };
}

/** Apply `themes_changed`: the themes of every round, and the theme of every note (or null). */
export function applyThemes(state, { themes, grouping }) {
  state.themes = themes || [];
  const map = grouping || {};
  for (const note of state.notes) {
    if (!(note.id in map)) continue;
    if (map[note.id]) note.theme = map[note.id];
    else delete note.theme;
  }
}

/** Apply `votes_revealed` (or the ack of `votes_reveal`) to a state; `more` (phones only): how
 * many entries of the ranking the phone was not sent, `more_rank` the rank of the first of them. */
export function applyReveal(state, phaseId, { voters, counts_shown: countsShown, ranking, more = 0, more_rank: moreRank }) {
  const round = { voters, counts_shown: countsShown, ranking, more, more_rank: moreRank };
  state.rankings = { ...(state.rankings || {}), [phaseId]: round };
  if (phaseId === state.phase) delete state.voters; // the vote is closed: no more progress
}

/**
 * Rankings show each item's current words: a theme renamed or a note reworded (after the review)
 * keeps its place under its new text, as the server's snapshot would give it.
 */
export function followRewording(state) {
  const words = new Map((state.themes || []).map((theme) => [`theme:${theme.id}`, theme.title]));
  for (const note of state.notes || []) words.set(`note:${note.id}`, note.text);
  for (const round of Object.values(state.rankings || {})) {
    for (const entry of round.ranking) entry.text = words.get(itemKey(entry)) || entry.text;
  }
}

/** Apply `decision_changed`: setting a decision again replaces the one on that item. */
export function applyDecision(state, decision) {
  const key = itemKey(decision);
  state.decisions = [...(state.decisions || []).filter((known) => itemKey(known) !== key), decision];
}

/** The COPIL's decision on an item, or null. */
export function decisionFor(state, item) {
  const key = itemKey(item);
  return (state.decisions || []).find((decision) => itemKey(decision) === key) || null;
}

/** "Personne n'a encore voté", "1 personne a voté", "12 personnes ont voté". */
export function votersText(count) {
  if (!count) return t("Personne n'a encore voté");
  return tn(count, "{n} personne a voté", "{n} personnes ont voté");
}

/** How many items share each rank: a shared rank is a tie ("ex æquo"). A phone's ranking is cut
 * (`more`): the first entry left off still counts, so that the last one shown is not alone. */
function rankCounts(round) {
  const counts = new Map();
  const count = (rank) => counts.set(rank, (counts.get(rank) || 0) + 1);
  for (const entry of round.ranking) count(entry.rank);
  if (round.more) count(round.more_rank);
  return counts;
}

/**
 * One list item per ranked entry, best first, in the server's order (which never changes):
 * the rank number, "ex æquo" on a tie, the text, and the count only when counts are shown.
 * With `bars`, a horizontal bar as long as the count against the best one (counts only).
 * `extra(entry, item)` may append more to each item (the COPIL's decision, a form).
 */
export function rankingItems(round, { bars = false, extra = () => {} } = {}) {
  const ties = rankCounts(round);
  const best = Math.max(1, ...round.ranking.map((entry) => entry.votes || 0));
  return round.ranking.map((entry) => {
    const item = el("li", "rank-item");
    item.dataset.id = itemKey(entry);
    const rank = el("p", "rank-number");
    rank.append(el("span", "rank-figure", String(entry.rank)));
    if (ties.get(entry.rank) > 1) rank.append(el("span", "rank-tie", t("ex æquo")));
    const body = el("div", "rank-body");
    body.append(el("p", "rank-text", entry.text));
    if (round.counts_shown && typeof entry.votes === "number") {
      const count = tn(entry.votes, "{n} gommette", "{n} gommettes");
      if (bars) body.append(bar(entry.votes / best, count));
      else body.append(el("p", "rank-count", count));
    }
    item.append(rank, body);
    extra(entry, item, body);
    return item;
  });
}

// The bar's length is set from the stylesheet's steps (CSP: no inline style), in twentieths.
function bar(share, label) {
  const row = el("div", "rank-bar-row");
  const track = el("div", "rank-bar");
  track.setAttribute("aria-hidden", "true");
  const fill = el("span", "rank-bar-fill");
  fill.dataset.share = String(Math.max(1, Math.round(share * 20)));
  track.append(fill);
  row.append(track, el("p", "rank-count", label));
  return row;
}

/** "Décision du COPIL : …" and the reason given to the teams, apart from the group's ranking. */
export function decisionBadge(decision) {
  const badge = el("div", "decision-badge");
  const what = el("p", "decision-what");
  what.append(el("strong", "", t("Décision du COPIL :")), " ", el("span", "", decision.decision));
  const why = el("p", "decision-why");
  why.append(el("strong", "", t("Raison :")), " ", el("span", "", decision.reason));
  badge.append(what, why);
  return badge;
}
