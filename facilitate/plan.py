"""The action plan and what else the minutes keep: disagreements, open questions, intersession
work. Pure rules, no storage.

An action is carried by a function or a group ("le trinôme", "le COPIL", "l'encadrement de
nuit"), never by a named person: the review flags an owner that looks like one.
"""

from dataclasses import dataclass

from .errors import Refusal
from .workshop import TITLE_LIMIT, clean_text

# Stable codes on the wire and in the JSON minutes; the labels are what people read.
STATUSES = {
    "a_valider": "à valider",
    "validee": "validée",
    "en_cours": "en cours",
    "realisee": "réalisée",
    "en_attente": "en attente",
}
DONE = "realisee"
RECORD_KINDS = {
    "disagreement": "Points de désaccord",
    "question": "Questions non résolues",
    "intersession": "Travaux intersessions",
}


@dataclass(frozen=True)
class Action:
    """One line of the action plan. `origin` names the earlier session it was first written in."""

    id: str
    what: str
    owner: str
    due: str = ""
    status: str = "a_valider"
    indicator: str = ""
    position: int = 0
    origin: str | None = None


@dataclass(frozen=True)
class Record:
    """A disagreement, an unresolved question or a piece of intersession work."""

    id: str
    kind: str
    text: str
    position: int = 0


def clean_status(value: object) -> str:
    """One of the five statuses of the action plan."""
    if not isinstance(value, str) or value not in STATUSES:
        raise Refusal("bad_status")
    return value


def clean_kind(value: object) -> str:
    """One of the kinds of record the minutes keep."""
    if not isinstance(value, str) or value not in RECORD_KINDS:
        raise Refusal("bad_record_kind")
    return value


def _optional(value: object, limit: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return clean_text(value, limit)


def action_fields(payload: dict, creating: bool) -> dict:
    """The fields of an action a payload sets; on creation, `what` and `owner` are required.

    On an update, a field left out keeps its value, so that the "Où en est-on ?" panel can
    send a status alone.
    """
    fields = {}
    if creating or "what" in payload:
        fields["what"] = clean_text(payload.get("what"))
    if creating or "owner" in payload:
        owner = payload.get("owner")
        if owner is None or (isinstance(owner, str) and not owner.strip()):
            raise Refusal("owner_missing")
        fields["owner"] = clean_text(owner, TITLE_LIMIT)
    if "due" in payload:
        fields["due"] = _optional(payload["due"], TITLE_LIMIT)
    if "indicator" in payload:
        fields["indicator"] = _optional(payload["indicator"], 500)
    if "status" in payload or creating:
        fields["status"] = clean_status(payload.get("status", "a_valider"))
    return fields


def still_open(action: Action) -> bool:
    """Whether an action carries on into the session that follows: all but the done ones."""
    return action.status != DONE
