"""Docs as tests: an event, an error code or a setting the docs do not name fails here."""

import re
from pathlib import Path

from facilitate import config
from facilitate.app import socketio
from facilitate.errors import MESSAGES
from facilitate.push import SERVER_EVENTS

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
BUILTIN = {"connect", "disconnect", "*"}


def documented(name: str, text: str = PROTOCOL) -> bool:
    return re.search(rf"`{re.escape(name)}`", text) is not None


def test_every_client_event_is_documented():
    handled = {event for event, *_ in socketio.handlers} - BUILTIN
    assert {"join", "note_add", "note_hide", "phase_set"} <= handled
    assert [e for e in sorted(handled) if not documented(e)] == []


def test_every_server_event_is_documented():
    assert [e for e in SERVER_EVENTS if not documented(e)] == []


def test_every_error_code_is_documented():
    assert [c for c in MESSAGES if not documented(c)] == []


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [f"FACILITATE_{key}" for key in config.load({"DATA_DIR": "/tmp/facilitate-doc"})]
    assert [n for n in names if n not in readme and n != "FACILITATE_TESTING"] == []


def js_list(source: str, name: str) -> set[str]:
    """The quoted names of one constant list in a JS module."""
    block = re.search(rf"const {name} = \[(.*?)\];", source, re.S).group(1)
    return set(re.findall(r'"(\w+)"', block))


def test_the_pages_listen_for_every_event_the_server_sends():
    """The event names live in Python (push.py) and in JS (live.js): they must agree."""
    live = (ROOT / "facilitate" / "static" / "js" / "live.js").read_text(encoding="utf-8")
    room = js_list(live, "ROOM_EVENTS")
    phones_only = {"batch", "grid_batch", "presence"}
    assert room == set(SERVER_EVENTS) - phones_only
    assert js_list(live, "DIRECT_PHONE_EVENTS") <= room
    for name in phones_only:
        assert f'"{name}"' in live
