"""HTTP routes: the session API, the pages, the QR code and the facilitator's key."""

import gzip
import posixpath
import re

import pytest


def test_open_session_answers_addresses(workshop):
    assert set(workshop) == {"code", "join_url", "board_url", "facilitator_url", "facilitator_key"}
    code = workshop["code"]
    assert workshop["join_url"].endswith(f"/j/{code}")
    assert workshop["board_url"].endswith(f"/b/{code}")
    assert workshop["facilitator_url"].endswith(f"/f/{code}?key={workshop['facilitator_key']}")


def test_title_defaults_to_the_kit(client):
    code = client.post("/api/sessions", json={"kit": "atelier-court"}).get_json()["code"]
    page = client.get(f"/j/{code}").get_data(as_text=True)
    assert "Atelier court" in page


@pytest.mark.parametrize(
    "body, code",
    [
        ({"kit": "nope"}, "unknown_kit"),
        ({"kit": 3}, "unknown_kit"),
        ({}, "unknown_kit"),
        ({"kit": "atelier-court", "title": "t" * 121}, "text_too_long"),
        ({"kit": "atelier-court", "title": ["x"]}, "invalid_payload"),
        ([1], "invalid_payload"),
        ("texte", "invalid_payload"),
    ],
)
def test_open_session_refusals(client, body, code):
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_open_session_without_json(client):
    response = client.post("/api/sessions", data="kit=atelier-court")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_payload"


def test_pages_render_in_french(client, workshop):
    code = workshop["code"]
    for path in ("/", "/animer", f"/j/{code}", f"/b/{code}", f"/j/{code.lower()}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr"' in response.get_data(as_text=True)


def test_unknown_code_is_a_french_404(client):
    for path in ("/j/ZZZZZZ", "/b/ZZZZZZ", "/f/ZZZZZZ", "/j/n'importe"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Aucune séance" in response.get_data(as_text=True)
    assert client.get("/api/sessions/ZZZZZZ/qr.svg").get_json()["error"]["code"] == (
        "unknown_session"
    )


def test_code_form_redirects_to_phone_page(client, workshop):
    response = client.get(f"/j?code={workshop['code'].lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{workshop['code']}")
    assert client.get("/j?code=ABCDEF").status_code == 404


def test_qr_code_is_svg_of_the_join_address(client, workshop):
    response = client.get(f"/api/sessions/{workshop['code']}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")


def test_public_url_setting_drives_the_addresses(tmp_path, database_url):
    from facilitate.app import create_app

    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "PUBLIC_URL": "https://atelier.example.org/",
        }
    )
    links = app.test_client().post("/api/sessions", json={"kit": "atelier-court"}).get_json()
    assert links["join_url"] == f"https://atelier.example.org/j/{links['code']}"
    app.extensions["facilitate"].store.engine.dispose()


def test_facilitator_key_becomes_httponly_cookie(client, workshop):
    code, key = workshop["code"], workshop["facilitator_key"]
    assert client.get(f"/f/{code}").status_code == 403
    response = client.get(f"/f/{code}?key={key}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/f/{code}")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get(f"/f/{code}").status_code == 200
    assert client.get(f"/f/{code}?key=wrong").status_code == 403


def test_console_cookie_lets_the_socket_join(app, client, workshop):
    from facilitate.app import socketio

    client.get(f"/f/{workshop['code']}?key={workshop['facilitator_key']}")
    sio = socketio.test_client(app, flask_test_client=client)
    ack = sio.emit("join", {"code": workshop["code"], "role": "facilitator"}, callback=True)
    assert ack["ok"], ack
    sio.disconnect()


def test_start_form_opens_a_session_and_the_console(client):
    response = client.post("/animer", data={"kit": "atelier-court", "title": "COPIL de mars"})
    assert response.status_code == 303
    console = client.get(response.headers["Location"])
    assert console.status_code == 200 and "COPIL de mars" in console.get_data(as_text=True)
    refused = client.post("/animer", data={"kit": "inconnu"})
    assert refused.status_code == 400
    assert "existe pas" in refused.get_data(as_text=True)


def test_nothing_stores_addresses_or_agents(app, client, workshop, connect):
    """No table has a column for an address, an agent or a time finer than the day."""
    from facilitate.models import Base

    columns = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    assert not columns & {"ip", "address", "user_agent", "author", "created_at", "timestamp"}


def test_every_answer_carries_security_headers(client, workshop):
    for path in (
        "/",
        f"/b/{workshop['code']}",
        "/nowhere",
        f"/api/sessions/{workshop['code']}/qr.svg",
    ):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"


def first_load(client, path: str, encoding: str) -> dict[str, int]:
    """Every byte a phone fetches to show a page: the HTML, its stylesheet, its icon, its
    scripts and each module they import, as the server sends them."""
    headers = {"Accept-Encoding": encoding}
    page = client.get(path, headers=headers)
    sizes = {path: len(page.data)}
    html = gzip.decompress(page.data) if encoding == "gzip" else page.data
    todo = re.findall(r'(?:src|href)="(/static/[^"]+)"', html.decode())
    while todo:
        url = todo.pop()
        if url in sizes:
            continue
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        sizes[url] = len(response.data)
        if url.endswith(".js"):
            text = gzip.decompress(response.data) if encoding == "gzip" else response.data
            base = url.rsplit("/", 1)[0]
            for module in re.findall(r'from "(\.{1,2}/[^"]+)"', text.decode()):
                todo.append(posixpath.normpath(f"{base}/{module}"))
    return sizes


def test_the_phone_page_first_load_stays_under_100_kb(client, workshop):
    path = f"/j/{workshop['code']}"
    plain = first_load(client, path, "identity")
    sent = first_load(client, path, "gzip")
    assert set(plain) == set(sent) and len(sent) > 5  # the page, its CSS and its modules
    assert sum(sent.values()) < 100_000, sent
    assert sum(sent.values()) < sum(plain.values()) / 2


def test_assets_are_gzipped_only_for_browsers_that_ask(client):
    url = "/static/js/live.js"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert again.data == packed.data  # kept in memory, not compressed again
