"""French by default, English on request: every French text of the interface has its English.

The texts are found where they are written: `_("…")` in the templates and in `web.py`, `t("…")`
and `tn(n, "…", "…")` in the scripts. A French text shown without either is caught too: text
nodes and labelling attributes of the templates, and script strings with French letters.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from facilitate import i18n
from facilitate.errors import MESSAGES

ROOT = Path(i18n.__file__).parent
TEMPLATES = sorted((ROOT / "templates").glob("*.html"))
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
PYTHON = [ROOT / "web.py"]

STRING = r'"((?:[^"\\]|\\.)*)"'
TEMPLATE_STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
MARKED_TEMPLATE = re.compile(r"\b_\(\s*" + TEMPLATE_STRING)
MARKED_SCRIPT = re.compile(r"\bt\(\s*" + STRING)
MARKED_PLURAL = re.compile(r"\btn\(\s*[^,]+,\s*" + STRING + r"\s*,\s*" + STRING)
MARKED_PYTHON = re.compile(r"\b_\(\s*" + STRING)
PLACEHOLDER = re.compile(r"\{(\w*)\}")
FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôûùüÿœæÀÂÇÉÈÊÎÔÛÙ«»…’]")
# Shown as they are in both languages: the product's name, each language's own name.
UNTRANSLATED = {"facilitate", "English", "Français"}
LABELLING = {"aria-label", "title", "placeholder", "alt", "aria-description"}


def unescape(text: str) -> str:
    return json.loads(f'"{text}"') if "\\" in text else text


def marked_texts() -> dict[str, set[str]]:
    """Every marked French text, and the files it appears in."""
    found: dict[str, set[str]] = {}
    for path in TEMPLATES:
        for match in MARKED_TEMPLATE.finditer(path.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            found.setdefault(unescape(text), set()).add(path.name)
    for path in SCRIPTS:
        source = without_comments(path.read_text(encoding="utf-8"))
        for match in MARKED_SCRIPT.finditer(source):
            found.setdefault(unescape(match.group(1)), set()).add(path.name)
        for match in MARKED_PLURAL.finditer(source):
            for text in match.groups():
                found.setdefault(unescape(text), set()).add(path.name)
    for path in PYTHON:
        for match in MARKED_PYTHON.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(unescape(match.group(1)), set()).add(path.name)
    return found


def test_the_interface_marks_its_texts():
    assert len(marked_texts()) > 20  # the scan finds them: a broken regex would pass the rest


def test_every_french_text_has_its_english():
    english = i18n.catalogue("en")["texts"]
    missing = {text: sorted(files) for text, files in marked_texts().items() if text not in english}
    assert not missing, f"no English for: {json.dumps(missing, ensure_ascii=False, indent=1)}"


def test_english_texts_are_written_and_keep_the_placeholders():
    for french, english in i18n.catalogue("en")["texts"].items():
        assert english.strip(), french
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(french)), french


def test_no_english_text_is_left_without_its_french():
    used = marked_texts()
    orphans = [text for text in i18n.catalogue("en")["texts"] if text not in used]
    assert not orphans, f"English for texts no longer shown: {orphans}"


def test_every_error_has_its_english_with_the_same_placeholders():
    errors = i18n.catalogue("en")["errors"]
    assert set(errors) == set(MESSAGES)
    for code, french in MESSAGES.items():
        assert set(PLACEHOLDER.findall(errors[code])) == set(PLACEHOLDER.findall(french)), code


class TemplateTexts(HTMLParser):
    """Text nodes and labelling attributes of a template, Jinja taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in LABELLING and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.texts.append(data)


def unmarked(texts: list[str]) -> list[str]:
    words = (text.strip() for text in texts)
    return [w for w in words if re.search(r"[A-Za-zÀ-ÿ]{2,}", w) and w not in UNTRANSLATED]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_templates_show_no_text_without_its_translation(path):
    source = path.read_text(encoding="utf-8")
    # The page's class names (base.html puts this block in <body class="…">) are no text.
    source = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = TemplateTexts()
    parser.feed(source)
    assert not unmarked(parser.texts), path.name


def without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"(^|\s)//.*$", r"\1", source, flags=re.M)


def script_strings_outside_t(source: str) -> list[str]:
    source = without_comments(source)
    source = MARKED_PLURAL.sub("", source)
    source = MARKED_SCRIPT.sub("", source)
    literals = re.findall(
        r'"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`|\'((?:[^\'\\\n]|\\.)*)\'', source
    )
    return [text for groups in literals for text in groups if FRENCH_LETTERS.search(text)]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_scripts_show_no_french_without_its_translation(path):
    assert not script_strings_outside_t(path.read_text(encoding="utf-8")), path.name


def test_the_check_sees_an_unmarked_text():
    assert script_strings_outside_t('el("p", "", "Envoyé"); t("Déjà là")') == ["Envoyé"]
    assert unmarked(["  Votre post-it ", "·", "12"]) == ["Votre post-it"]


def test_pages_are_french_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr"' in page and 'id="i18n"' not in page


def test_the_browser_language_chooses_english(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in page and 'id="i18n"' in page
    german = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="fr"' in german


def test_the_switch_is_remembered_and_goes_back_to_the_page(client, workshop):
    answer = client.get(f"/langue/en?next=/j/{workshop['code']}")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/j/{workshop['code']}"
    page = client.get(f"/j/{workshop['code']}", headers={"Accept-Language": "fr"})
    assert '<html lang="en"' in page.get_data(as_text=True)
    client.get("/langue/fr")
    assert '<html lang="fr"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_the_switch_goes_back_to_this_server_only(client, target):
    answer = client.get("/langue/en", query_string={"next": target})
    assert answer.headers["Location"] == "/"


def test_an_error_page_speaks_english(client):
    page = client.get("/j/ZZZZZZZZ", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No session matches this code." in page and "Aucune séance" not in page


def test_days_are_written_in_the_page_language():
    assert i18n.day("2026-12-01", "fr") == "1er décembre 2026"
    assert i18n.day("2026-12-01", "en") == "1 December 2026"
