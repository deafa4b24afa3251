"""Continuity from one session to the next ("Où en est-on ?"). Pure rules, no storage.

A session that follows another receives a copy of what that one left: the story of the series
so far (each earlier session's title, day, priorities and actions), the priorities still open,
and the actions not yet done, which become its own actions so that the group can update their
status. A copy, not a link: the story survives the deletion of the earlier sessions.
"""

from dataclasses import replace

from . import plan
from .views import ranking_view
from .workshop import Snapshot, Workshop, french_date


def session_label(w: Workshop) -> str:
    """How an earlier session is named in the one that follows: its title and its day."""
    return f"{w.title}, {french_date(w.opened_on.isoformat())}" if w.opened_on else w.title


def priorities_of(snapshot: Snapshot) -> list[dict]:
    """This session's revealed priorities, best first, with the COPIL's decision if any.

    Counts follow the three-voter rule; hidden notes are gone from the ranking already.
    """
    out = []
    for vote in snapshot.rounds.values():
        if not vote.revealed:
            continue
        for row in ranking_view(vote.ranking, vote.voters)["ranking"]:
            target = f"note:{row['note_id']}" if "note_id" in row else f"theme:{row['theme_id']}"
            item = {"text": row["text"], "rank": row["rank"]}
            if "votes" in row:
                item["votes"] = row["votes"]
            if target in snapshot.decisions:
                item["decision"], item["reason"] = snapshot.decisions[target]
            out.append(item)
    return out


def story_for_next(snapshot: Snapshot) -> dict:
    """What this session leaves to the one that follows it.

    Priorities stay open until a later session of the series ranks priorities of its own.
    """
    w = snapshot.workshop
    earlier = snapshot.story or {}
    own = priorities_of(snapshot)
    summary = {
        "title": w.title,
        "kit_title": w.kit.title,
        "date": w.opened_on.isoformat() if w.opened_on else None,
        "priorities": own,
        "actions": [
            {"what": a.what, "owner": a.owner, "status": a.status} for a in snapshot.actions
        ],
    }
    return {
        "series": [*earlier.get("series", []), summary],
        "followed": session_label(w),
        "priorities": own or earlier.get("priorities", []),
    }


def carried_actions(snapshot: Snapshot) -> list[plan.Action]:
    """The actions not yet done, to be followed up; each keeps the session it was born in."""
    label = session_label(snapshot.workshop)
    open_ones = [a for a in snapshot.actions if plan.still_open(a)]
    return [replace(a, origin=a.origin or label, position=i) for i, a in enumerate(open_ones)]
