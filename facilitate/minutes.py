"""The minutes ("compte-rendu"): what a session leaves behind, with no hierarchy label.

Pure functions from a snapshot: the minutes as data (the JSON export), then as one list of
blocks that every other format renders (Markdown and HTML here, Word in `minutes_docx.py`). The
minutes never hold a participant token, id, role or name, nor a time finer than the day; hidden
notes are left out. Text is escaped when the Markdown is built, and the HTML goes through an
allow-list.
"""

import base64
import hashlib
import html
import re

import markdown
import nh3

from . import plan, priorities
from .kits import GRID_COLUMNS
from .views import action_view, ranking_view
from .workshop import Snapshot, french_date

COLUMN_TITLES = {
    "situation": "Situation de travail",
    "contraintes": "Contraintes",
    "ressources": "Ressources",
    "causes": "Causes",
    "effets": "Effets",
    "pistes_action": "Pistes d'action",
}
TAG_TITLES = {"sante": "santé", "collectif": "collectif", "performance": "performance"}
HTML_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "blockquote",
}


def minutes(snapshot: Snapshot) -> dict:
    """The minutes as data: the JSON export, and the source of the other formats."""
    w = snapshot.workshop
    themes = {t.id: t.title for t in snapshot.themes}
    votes = _votes_by_target(snapshot)
    took_part = w.took_part
    story = snapshot.story or {}
    return {
        "session": {"code": w.code, "title": w.title, "kit": w.kit.id, "kit_title": w.kit.title},
        "date": w.opened_on.isoformat() if w.opened_on else None,
        "closed": w.closed,
        "participants": took_part if took_part is not None and took_part >= 3 else None,
        "agenda": [{"id": p.id, "title": p.title, "minutes": p.minutes} for p in w.kit.phases],
        "followup": _followed(story),
        "series": story.get("series", []),
        "notes": [_note(n, themes, votes) for n in snapshot.notes if not n.hidden],
        "themes": [{"id": t.id, "title": t.title} for t in snapshot.themes],
        "priorities": _priorities(snapshot),
        "decisions": _decisions(snapshot),
        "grid": _grid(snapshot),
        "actions": [_action(a) for a in snapshot.actions],
        **{key: _texts(snapshot, kind) for key, kind in RECORD_KEYS.items()},
    }


# JSON key -> record kind (plan.RECORD_KINDS)
RECORD_KEYS = {
    "disagreements": "disagreement",
    "questions": "question",
    "intersession": "intersession",
}


def _followed(story: dict) -> dict | None:
    if not story:
        return None
    return {"followed": story["followed"], "priorities": story["priorities"]}


def _decisions(snapshot: Snapshot) -> list[dict]:
    """The COPIL's decisions, apart from the group's ranking, each with the item's text."""
    texts = {p.target: p.text for vote in snapshot.rounds.values() for p in vote.ranking}
    return [
        {**priorities.target_ref(target), "text": texts.get(target, ""), "decision": d, "reason": r}
        for target, (d, r) in snapshot.decisions.items()
        if target in texts  # an item hidden since is out of the minutes, its decision too
    ]


def _action(action: plan.Action) -> dict:
    """An action as the screens show it, without its id: the minutes need none."""
    out = action_view(action)
    del out["id"]
    return out


def _texts(snapshot: Snapshot, kind: str) -> list[str]:
    return [r.text for r in snapshot.records if r.kind == kind]


def _votes_by_target(snapshot: Snapshot) -> dict[str, int]:
    counts: dict[str, int] = {}
    for vote in snapshot.rounds.values():
        if vote.revealed and priorities.counts_shown(vote.voters):
            for p in vote.ranking:
                counts[p.target] = counts.get(p.target, 0) + p.votes
    return counts


def _note(note, themes: dict, votes: dict) -> dict:
    out = {"id": note.id, "text": note.text, "phase": note.phase}
    if note.lane:
        out["lane"] = note.lane
    if note.theme in themes:
        out["group"] = themes[note.theme]
    if f"note:{note.id}" in votes:
        out["votes"] = votes[f"note:{note.id}"]
    return out


def _priorities(snapshot: Snapshot) -> list[dict]:
    """The revealed rankings, best first, with counts only where three or more voted."""
    out = []
    for phase, vote in snapshot.rounds.items():
        if not vote.revealed:
            continue
        for row in ranking_view(vote.ranking, vote.voters)["ranking"]:
            out.append({**row, "phase": phase})
    return out


def _grid(snapshot: Snapshot) -> list[dict]:
    """One entry per grid row: its table's name and a list of texts per column key."""
    tables = {(t.phase, t.id): t.name for t in snapshot.tables}
    rows = []
    for row in sorted(snapshot.grid_rows, key=lambda r: (r.phase, r.table or "", r.position)):
        cells = {column: [] for column in GRID_COLUMNS}
        for c in snapshot.contributions:
            if c.row == row.id:
                cells[c.column].append(c.text + (f" ({TAG_TITLES[c.tag]})" if c.tag else ""))
        rows.append({"phase": row.phase, "table": tables.get((row.phase, row.table)), **cells})
    return rows


# --- The document, once, as blocks; each format renders the same blocks.
# A block is ("h1"|"h2"|"h3"|"h4"|"p", text), ("ul"|"ol", [texts]) or ("table", header, rows).
# Texts are plain: each renderer makes them inert in its own format.


def blocks(m: dict) -> list[tuple]:
    """The minutes as a list of blocks, in reading order."""
    s = m["session"]
    day = french_date(m["date"])
    out = [("h1", f"Compte-rendu : {s['title']}")]
    out.append(("p", s["kit_title"] + (f", séance du {day}" if day else "") + "."))
    if m["participants"]:
        out.append(("p", f"{m['participants']} personnes ont participé."))
    out += [("h2", "Ordre du jour"), ("ol", [p["title"] for p in m["agenda"]])]
    for section in (_followup, _ideas, _ranking, _analysis, _plan, _records):
        out += section(m)
    return out


def _priority_table(items: list[dict]) -> tuple:
    """Ranks as a table, so that ties (1, 1, 3) read as they are."""
    counted = any("votes" in p for p in items)
    decided = any(p.get("decision") for p in items)
    header = ["Rang", "Priorité"] + ["Gommettes"] * counted + ["Décision du COPIL"] * decided
    rows = []
    for p in items:
        row = [str(p["rank"]), p["text"]] + [str(p.get("votes", ""))] * counted
        if decided:
            why = f" ({p['reason']})" if p.get("reason") else ""
            row.append(f"{p['decision']}{why}" if p.get("decision") else "")
        rows.append(row)
    return ("table", header, rows)


def _followup(m: dict) -> list[tuple]:
    """Où en est-on ?: the story of the series so far, and what was left open."""
    if not m["followup"]:
        return []
    out = [("h2", "Où en est-on ?"), ("p", f"Suite de : {m['followup']['followed']}.")]
    for earlier in m["series"]:
        day = french_date(earlier["date"])
        out.append(("h3", earlier["title"] + (f", {day}" if day else "")))
        if earlier["priorities"]:
            out.append(_priority_table(earlier["priorities"]))
        actions = [
            f"{a['what']} ({a['owner']}) : {plan.STATUSES[a['status']]}" for a in earlier["actions"]
        ]
        out.append(("ul", actions) if actions else ("p", "Pas d'action inscrite."))
    still_open = m["followup"]["priorities"]
    if still_open and (not m["series"] or still_open != m["series"][-1]["priorities"]):
        out += [("h3", "Priorités encore ouvertes"), _priority_table(still_open)]
    return out


def _ideas(m: dict) -> list[tuple]:
    """The notes, round by round, by theme within a round; the ungrouped ones last."""
    if not m["notes"]:
        return []
    titles = {p["id"]: p["title"] for p in m["agenda"]}
    out = [("h2", "Les idées")]
    for phase in dict.fromkeys(n["phase"] for n in m["notes"]):
        groups: dict[str, list[str]] = {}
        for note in (n for n in m["notes"] if n["phase"] == phase):
            lane = f"{note['lane']} : " if note.get("lane") else ""
            groups.setdefault(note.get("group") or "", []).append(lane + note["text"])
        out.append(("h3", titles.get(phase, phase)))
        for group, texts in sorted(groups.items(), key=lambda g: (g[0] == "", g[0])):
            out += [("h4", group or "Sans thème"), ("ul", texts)]
    return out


def _ranking(m: dict) -> list[tuple]:
    out = []
    if m["priorities"]:
        out += [("h2", "Priorités du groupe"), _priority_table(m["priorities"])]
    if m["decisions"]:
        rows = [[d["text"], d["decision"], d["reason"]] for d in m["decisions"]]
        out += [
            ("h2", "Décisions du COPIL"),
            ("p", "Les décisions du COPIL sont distinctes des priorités du groupe."),
            ("table", ["Priorité du groupe", "Décision", "Pourquoi, pour les équipes"], rows),
        ]
    return out


def _analysis(m: dict) -> list[tuple]:
    """One table per table (sub-group); a cell's contributions joined by " ; "."""
    if not m["grid"]:
        return []
    out = [("h2", "Grille d'analyse")]
    header = [COLUMN_TITLES[c] for c in GRID_COLUMNS]
    for table in dict.fromkeys((row["phase"], row["table"]) for row in m["grid"]):
        if table[1]:
            out.append(("h3", table[1]))
        rows = [
            [" ; ".join(row[c]) for c in GRID_COLUMNS]
            for row in m["grid"]
            if (row["phase"], row["table"]) == table
        ]
        out.append(("table", header, rows))
    return out


ACTION_COLUMNS = (
    ("what", "Action"),
    ("owner", "Portée par"),
    ("due", "Échéance"),
    ("status", "Statut"),
    ("indicator", "Indicateur de suivi"),
)


def _plan(m: dict) -> list[tuple]:
    if not m["actions"]:
        return []
    rows = []
    for action in m["actions"]:
        cells = [action[k] for k, _ in ACTION_COLUMNS]
        cells[3] = plan.STATUSES[action["status"]]
        if "origin" in action:
            cells[0] += f" (depuis : {action['origin']})"
        rows.append(cells)
    return [("h2", "Plan d'action"), ("table", [title for _, title in ACTION_COLUMNS], rows)]


def _records(m: dict) -> list[tuple]:
    out = []
    for key, kind in RECORD_KEYS.items():
        if m[key]:
            out += [("h2", plan.RECORD_KINDS[kind]), ("ul", m[key])]
    return out


# --- Markdown

# Marks that mean something anywhere in a line; `(` `)` `.` `!` `-` only matter next to these
# or at the start of a line, so they are left readable ("Compte-rendu", "(le trinôme)").
_INLINE_MARKS = re.compile(r"([\\`*_{}\[\]|#])")
_LEADING_MARK = re.compile(r"^(\d+)([.)])|^([-+])")


def escape(text: str) -> str:
    """Any text made inert in Markdown: HTML escaped, Markdown marks backslashed."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE_MARKS.sub(r"\\\1", " / ".join(text.split("\n")))
    return _LEADING_MARK.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


def to_markdown(m: dict) -> str:
    """The minutes in French Markdown, ready to post or print."""
    lines: list[str] = []
    for block in blocks(m):
        lines += [*_markdown(block), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown(block: tuple) -> list[str]:
    kind = block[0]
    if kind in ("h1", "h2", "h3", "h4"):
        return ["#" * int(kind[1]) + " " + escape(block[1])]
    if kind == "p":
        return [escape(block[1])]
    if kind == "ul":
        return [f"- {escape(t)}" for t in block[1]]
    if kind == "ol":
        return [f"{i}. {escape(t)}" for i, t in enumerate(block[1], 1)]
    header, rows = block[1], block[2]
    lines = ["| " + " | ".join(escape(h) for h in header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]


# The printed page: A4, the browser's own fonts (no web font to fetch), tables that do not
# break in the middle of a row. Inline, so that a downloaded file prints the same offline.
PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm; }
html { font: 11pt/1.45 system-ui, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif;
  color: #1a1a1a; background: #fff; }
body { max-width: 50em; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.7em; margin: 0 0 0.3em; line-height: 1.2; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.15em;
  border-bottom: 2px solid #1d4e89; color: #1d4e89; break-after: avoid; }
h3 { font-size: 1.05em; margin: 1.1em 0 0.4em; break-after: avoid; }
h4 { font-size: 1em; font-style: italic; margin: 0.8em 0 0.3em; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #888; padding: 0.3em 0.45em; text-align: left;
  vertical-align: top; }
th { background: #e8eef6; }
tr { break-inside: avoid; }
li { margin: 0.15em 0; }
@media print { body { margin: 0; max-width: none; padding: 0; } }
@media screen and (max-width: 40em) {
  html { font-size: 16px; }
  table { display: block; overflow-x: auto; }
}
""".strip()


def to_html(m: dict) -> str:
    """The minutes as a whole HTML page to print on A4, its body through an allow-list."""
    body = markdown.markdown(to_markdown(m), extensions=["tables"])
    body = nh3.clean(body, tags=HTML_TAGS, attributes={}, url_schemes={"http", "https", "mailto"})
    title = html.escape(f"Compte-rendu : {m['session']['title']}")
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{PRINT_CSS}\n</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def print_css_hash() -> str:
    """The CSP source allowing the page's one inline stylesheet, and nothing else inline."""
    digest = hashlib.sha256(f"\n{PRINT_CSS}\n".encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
