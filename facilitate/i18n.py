"""French first, English on request: every text of the interface, keyed by its French wording.

The French text in a template (`_("…")`) or a script (`t("…")`) is both the text shown in French
and the key of its English counterpart, as gettext does: nothing to look up for the default
language, and a missing translation shows the French rather than a blank. The English texts live
in `locales/en/*.json`, one file per page or area, merged; `tests/test_i18n.py` checks that every
French text has one. Placeholders are `{name}` in both languages. Error messages are keyed by
their stable code instead, since the server formats them before they travel.
"""

import json
from functools import cache
from pathlib import Path

from .workshop import french_date

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "facilitate_lang"
LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict:
    """`{"texts": {french: text}, "errors": {code: text}}` for a language; empty for French."""
    texts: dict[str, str] = {}
    errors: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.json")) if lang != DEFAULT else ():
        part = json.loads(path.read_text(encoding="utf-8"))
        errors.update(part.pop("errors", {}) if path.stem == "errors" else {})
        texts.update(part if path.stem != "errors" else {})
    return {"texts": texts, "errors": errors}


def translate(text: str, lang: str, **params: object) -> str:
    """The text in `lang` (the French itself when there is no counterpart), placeholders filled."""
    template = catalogue(lang)["texts"].get(text, text)
    return template.format(**params) if params else template


def error_message(code: str, french: str, lang: str, **details: object) -> str:
    """A refusal's message in `lang`; `french` is the message already formatted."""
    template = catalogue(lang)["errors"].get(code)
    if template is None:
        return french
    return template.format(**details)


ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day(iso: str, lang: str) -> str:
    """A day as people write it in `lang`: "1er décembre 2026", "1 December 2026"."""
    if lang == DEFAULT:
        return french_date(iso)
    year, month, number = (int(part) for part in iso.split("-"))
    return f"{number} {ENGLISH_MONTHS[month - 1]} {year}"


def choose(cookie: str | None, best_match) -> str:
    """The page language: the visitor's switch, else the browser's preference, else French.

    `best_match` is Werkzeug's `request.accept_languages.best_match`.
    """
    if cookie in LANGUAGES:
        return cookie
    return best_match(LANGUAGES, default=DEFAULT) or DEFAULT
