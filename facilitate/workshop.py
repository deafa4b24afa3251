"""The workshop ("séance") domain: pure rules and values, no Flask, no database.

"Workshop" is the one name for a live session in the code, so that it never meets Flask's session
or SQLAlchemy's.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field

from .errors import Refusal
from .kits import Kit

TEXT_LIMIT = 500
TITLE_LIMIT = 120
# No 0/O, 1/I/L: a code read off a projector from the back of a room is typed without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
ROLES = ("participant", "board", "facilitator")


@dataclass(frozen=True)
class Note:
    """A sticky note. It has no author and no time, by construction."""

    id: str
    text: str
    sort_key: int
    revealed: bool = True
    hidden: bool = False


@dataclass(frozen=True)
class Workshop:
    code: str
    title: str
    kit: Kit
    phase: str
    hold: bool
    closed: bool
    rev: int


@dataclass(frozen=True)
class Snapshot:
    """Everything there is to see in a workshop at one revision; views filter it per role."""

    workshop: Workshop
    notes: tuple[Note, ...]

    @property
    def pending(self) -> int:
        """Notes held back from the board until the facilitator reveals them."""
        return sum(1 for n in self.notes if not n.revealed and not n.hidden)


@dataclass(frozen=True)
class Change:
    """One committed change, at the revision it produced; pushed to each role through views."""

    rev: int
    type: str
    data: dict = field(default_factory=dict)


def clean_text(value: object, limit: int = TEXT_LIMIT) -> str:
    """A contribution's text, trimmed; refused when blank or too long."""
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    text = value.replace("\x00", "").strip()
    if not text:
        raise Refusal("text_empty")
    if len(text) > limit:
        raise Refusal("text_too_long", limit=limit)
    return text


def clean_title(value: object, kit: Kit) -> str:
    """A workshop title; the kit's title when none is given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return kit.title
    return clean_text(value, TITLE_LIMIT)


def clean_note_id(value: object) -> str:
    """A client-made note id (a UUID), normalised; a fresh one when absent."""
    if value is None:
        return str(uuid.uuid4())
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Refusal("invalid_payload") from None


def normalise_code(value: object) -> str:
    """A session code as typed (any case, stray spaces); refused when it cannot be one."""
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    code = value.strip().upper().replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise Refusal("unknown_session")
    return code


def new_code() -> str:
    """A random session code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    """A random secret for a participant token or a facilitator key."""
    return secrets.token_urlsafe(24)


def digest(secret_key: str, value: str) -> str:
    """A keyed hash: what is stored instead of a token or key."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def same_digest(secret_key: str, value: str, stored: str) -> bool:
    """Whether `value` hashes to `stored`, in constant time."""
    return hmac.compare_digest(digest(secret_key, value), stored)


def new_sort_key() -> int:
    """The random place of a note on the board: the order never tells when it came."""
    return secrets.randbelow(2**31)
