"""The minutes ("compte-rendu"): what a session leaves behind, with no hierarchy label.

Pure functions from a snapshot. The minutes never hold a participant token, id, role or name,
nor a time finer than the day; hidden notes are left out. Participant text is escaped when the
Markdown is built, and the HTML goes through an allow-list.
"""

import re

import markdown
import nh3

from . import priorities
from .kits import GRID_COLUMNS
from .views import ranking_view
from .workshop import Snapshot

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
    return {
        "session": {"code": w.code, "title": w.title, "kit": w.kit.id, "kit_title": w.kit.title},
        "date": w.opened_on.isoformat() if w.opened_on else None,
        "closed": w.closed,
        "participants": took_part if took_part is not None and took_part >= 3 else None,
        "agenda": [{"id": p.id, "title": p.title, "minutes": p.minutes} for p in w.kit.phases],
        "notes": [_note(n, themes, votes) for n in snapshot.notes if not n.hidden],
        "themes": [{"id": t.id, "title": t.title} for t in snapshot.themes],
        "priorities": _priorities(snapshot),
        "decisions": [
            {**priorities.target_ref(target), "decision": d, "reason": r}
            for target, (d, r) in snapshot.decisions.items()
        ],
        "grid": _grid(snapshot),
        "actions": [],
    }


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


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


def escape(text: str) -> str:
    """Participant text made inert in Markdown: HTML escaped, Markdown marks backslashed."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " / ".join(text.split("\n")))


def to_markdown(m: dict) -> str:
    """The minutes in French Markdown, ready to post or print."""
    s = m["session"]
    lines = [f"# Compte-rendu : {escape(s['title'])}", ""]
    lines.append(f"Déroulé : {escape(s['kit_title'])}" + (f" · {m['date']}" if m["date"] else ""))
    if m["participants"]:
        lines.append(f"\n{m['participants']} personnes ont participé.")
    lines += ["", "## Ordre du jour", ""]
    lines += [f"1. {escape(p['title'])}" for p in m["agenda"]]
    lines += _notes_section(m) + _priorities_section(m) + _grid_section(m)
    return "\n".join(lines) + "\n"


def _notes_section(m: dict) -> list[str]:
    if not m["notes"]:
        return []
    lines = ["", "## Les idées", ""]
    groups: dict[str, list[str]] = {}
    for note in m["notes"]:
        groups.setdefault(note.get("group") or "", []).append(escape(note["text"]))
    for group, texts in sorted(groups.items(), key=lambda g: (g[0] == "", g[0])):
        lines += ["", f"### {escape(group) or 'Sans thème'}", ""] + [f"- {t}" for t in texts]
    return lines


def _priorities_section(m: dict) -> list[str]:
    if not m["priorities"]:
        return []
    lines = ["", "## Priorités du groupe", ""]
    for p in m["priorities"]:
        count = f" ({p['votes']} gommettes)" if "votes" in p else ""
        lines.append(f"{p['rank']}. {escape(p['text'])}{count}")
    decisions = m["decisions"]
    if decisions:
        lines += ["", "## Décisions du COPIL", ""]
        lines += [f"- {escape(d['decision'])} : {escape(d['reason'])}" for d in decisions]
    return lines


def _grid_section(m: dict) -> list[str]:
    if not m["grid"]:
        return []
    lines = ["", "## Grille d'analyse", ""]
    header = "| " + " | ".join(COLUMN_TITLES[c] for c in GRID_COLUMNS) + " |"
    for table in dict.fromkeys(row["table"] for row in m["grid"]):
        if table:
            lines += [f"### {escape(table)}", ""]
        lines += [header, "|" + " --- |" * len(GRID_COLUMNS)]
        for row in (r for r in m["grid"] if r["table"] == table):
            cells = (" ; ".join(escape(t) for t in row[c]) for c in GRID_COLUMNS)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def to_html(m: dict) -> str:
    """The minutes as a printable HTML fragment, through an allow-list of tags."""
    html = markdown.markdown(to_markdown(m), extensions=["tables"])
    return nh3.clean(html, tags=HTML_TAGS, attributes={}, url_schemes={"http", "https", "mailto"})
