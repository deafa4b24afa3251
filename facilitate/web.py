"""HTTP routes: the pages, the session API and the QR code."""

import gzip
import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from . import followup, i18n
from . import minutes as compte_rendu
from .errors import Refusal
from .kits import AUDIENCES
from .minutes_docx import to_docx
from .qr import qr_svg
from .review import review
from .workshop import Snapshot, clean_title, normalise_code

bp = Blueprint("web", __name__)


@bp.before_app_request
def choose_language() -> None:
    g.lang = i18n.choose(request.cookies.get(i18n.COOKIE), request.accept_languages.best_match)


def _(text: str, **params: object) -> str:
    """A French text of this module in the page's language."""
    return i18n.translate(text, g.get("lang", i18n.DEFAULT), **params)


def error_text(refusal: Refusal) -> str:
    return i18n.error_message(
        refusal.code, refusal.message, g.get("lang", i18n.DEFAULT), **refusal.details
    )


@bp.app_context_processor
def language() -> dict:
    """`_` and the language for templates; the English texts for scripts (`static/js/i18n.js`)."""
    lang = g.get("lang", i18n.DEFAULT)
    return {
        "_": _,
        "lang": lang,
        "i18n_catalogue": i18n.catalogue(lang) if lang != i18n.DEFAULT else None,
    }


@bp.get("/langue/<lang>")
def switch_language(lang: str):
    """The language switch: remembered for a year in this browser, then back to the page."""
    back = request.args.get("next", "/")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"  # only a page of this server: the switch is no open redirect
    response = redirect(back, code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="Lax", secure=request.is_secure
        )
    return response


def services():
    return current_app.extensions["facilitate"]


def facilitator_cookie(code: str) -> str:
    """The name of the HttpOnly cookie holding a workshop's facilitator key."""
    return f"facilitate_key_{code}"


def base_url() -> str:
    """The address phones use: the configured public URL, else the one this request came to."""
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")


def links(code: str, key: str) -> dict:
    """The addresses of a workshop, as the API and the CLI print them."""
    base = base_url()
    return {
        "code": code,
        "join_url": base + url_for("web.phone", code=code),
        "board_url": base + url_for("web.board", code=code),
        "facilitator_url": base + url_for("web.console", code=code, key=key),
        "facilitator_key": key,
    }


def open_workshop(
    kit_id: object, title: object, earlier: Snapshot | None = None
) -> tuple[str, str]:
    """Validate and store a new workshop; return its code and facilitator key.

    A workshop that follows an `earlier` one picks up what that one left open.
    """
    kit = services().kits.get(kit_id) if isinstance(kit_id, str) else None
    if kit is None:
        raise Refusal("unknown_kit")
    title, store = clean_title(title, kit), services().store
    if earlier is None:
        return store.open_workshop(kit, title)
    return store.open_workshop(
        kit, title, followup.story_for_next(earlier), followup.carried_actions(earlier)
    )


def followed(follows: object, key: object | None, check_key: bool = True) -> Snapshot | None:
    """The session a new one follows (None when `follows` is empty), if `key` is its
    facilitator's; the host's own command line (`check_key` False) holds the database already."""
    if follows is None or follows == "":
        return None
    try:
        code = normalise_code(follows)
        snapshot = services().store.snapshot(code)
    except Refusal:
        raise Refusal("unknown_follows") from None
    if check_key and not services().store.is_facilitator(code, key):
        raise Refusal("bad_key")
    return snapshot


def known_code(code: str) -> str:
    """The workshop's code in canonical form; a 404 page when there is no such workshop."""
    code = normalise_code(code)
    services().store.snapshot(code)  # raises unknown_session
    return code


STATUSES = {"unknown_session": 404, "bad_key": 403}


@bp.errorhandler(Refusal)
def refused(refusal: Refusal):
    """A refusal on an API route is JSON; on a page it is a French error page."""
    status = STATUSES.get(refusal.code, 400)
    if request.path.startswith("/api/"):
        return jsonify(error=refusal.as_dict()), status
    return render_template(
        "error.html", title=_("Séance introuvable"), message=error_text(refusal)
    ), status


# Everything the pages need is served from here: no inline script, no outside host, no frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@bp.after_app_request
def secure(response: Response) -> Response:
    """Security headers on every answer, pages and API alike."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# On a weak venue Wi-Fi every kilobyte counts, and eventlet's server compresses nothing: the
# pages and their assets go out gzipped (a phone's first load shrinks from ~180 KB to ~55 KB).
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
    "application/json",
    "text/markdown",
)
_gzipped_assets: dict[tuple[str, str], bytes] = {}


@bp.after_app_request
def compress(response: Response) -> Response:
    """Gzip text answers for browsers that accept it; static files once, kept in memory."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSED_TYPES
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False  # static files are streamed: read them once here
    key = (request.path, response.headers.get("ETag", ""))
    static = request.path.startswith("/static/") and key[1]
    body = _gzipped_assets.get(key) if static else None
    if body is None:
        body = gzip.compress(response.get_data(), compresslevel=6, mtime=0)
        if static:
            _gzipped_assets[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response


@bp.app_errorhandler(404)
def not_found(_error):
    """Any unknown address: a French page, or JSON under /api/."""
    message = "Cette adresse ne correspond à aucune page."
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "not_found", "message": message}), 404
    message = _("Cette adresse ne correspond à aucune page.")
    return render_template("error.html", title=_("Page introuvable"), message=message), 404


@bp.get("/")
def home():
    """The page a participant reaches by typing the address: enter the session code."""
    return render_template("join_code.html")


@bp.get("/j")
def join_form():
    """The code form's target: go to that workshop's phone page."""
    code = request.args.get("code", "")
    try:
        return redirect(url_for("web.phone", code=known_code(code)))
    except Refusal as refusal:
        return render_template("join_code.html", error=error_text(refusal)), 404


@bp.get("/j/<code>")
def phone(code: str):
    """The participant's phone page, what the QR code points to."""
    return render_template("phone.html", workshop=_workshop(known_code(code)))


@bp.get("/b/<code>")
def board(code: str):
    """The projector page."""
    code = known_code(code)
    join_url = base_url() + url_for("web.phone", code=code)
    return render_template(
        "board.html",
        workshop=_workshop(code),
        join_url=join_url,
        join_host=urlsplit(join_url).netloc,
        qr_url=url_for("web.qr", code=code),
    )


@bp.get("/f/<code>")
def console(code: str):
    """The facilitator's console; the key in the address becomes an HttpOnly cookie."""
    code = known_code(code)
    key = request.args.get("key")
    if key is not None:
        return _keep_key(code, key)
    if not services().store.is_facilitator(code, request.cookies.get(facilitator_cookie(code))):
        message = (
            error_text(Refusal("bad_key"))
            + " "
            + _("Ouvrez l'adresse d'animation reçue à l'ouverture.")
        )
        return render_template("error.html", title=_("Accès refusé"), message=message), 403
    return render_template(
        "console.html",
        workshop=_workshop(code),
        join_url=base_url() + url_for("web.phone", code=code),
        board_url=url_for("web.board", code=code),
    )


def _keep_key(code: str, key: str):
    if not services().store.is_facilitator(code, key):
        message = error_text(Refusal("bad_key"))
        return render_template("error.html", title=_("Accès refusé"), message=message), 403
    # The address is cleaned so the key does not stay on screen or in the history.
    response = redirect(url_for("web.console", code=code), code=303)
    response.set_cookie(
        facilitator_cookie(code),
        key,
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
    )
    return response


def _workshop(code: str):
    return services().store.snapshot(code).workshop


@bp.get("/animer")
def start():
    """The facilitator's start page: every kit with its agenda, and the form to open one."""
    return render_template(
        "start.html",
        kits=_kit_cards(),
        earlier=_my_sessions(),
        follows=request.args.get("follows", "").upper(),
    )


@bp.post("/animer")
def start_open():
    """The start form's target: open the workshop and go to its console.

    `follows` names an earlier session this browser animated: its console cookie is the key.
    """
    follows = request.form.get("follows") or None
    try:
        key = request.cookies.get(facilitator_cookie(normalise_code(follows))) if follows else None
        earlier = followed(follows, key)
        code, key = open_workshop(request.form.get("kit"), request.form.get("title"), earlier)
    except Refusal as refusal:
        page = render_template(
            "start.html", kits=_kit_cards(), earlier=_my_sessions(), error=error_text(refusal)
        )
        return page, 400
    return _keep_key(code, key)


def _my_sessions() -> list[dict]:
    """The sessions this browser animated (it holds their console cookies), newest first: the
    ones a new session can follow. No other browser learns they exist."""
    store, found = services().store, []
    prefix = facilitator_cookie("")
    for name, key in request.cookies.items():
        if not name.startswith(prefix):
            continue
        try:
            code = normalise_code(name.removeprefix(prefix))
            if store.is_facilitator(code, key):
                found.append(store.snapshot(code).workshop)
        except Refusal:
            continue
    found.sort(key=lambda w: (w.opened_on, w.title), reverse=True)
    lang = g.get("lang", i18n.DEFAULT)
    return [{"code": w.code, "label": _session_label(w, lang)} for w in found]


def _session_label(w, lang: str) -> str:
    """An earlier session as the start page names it: its title and its day, in the page's
    language (the minutes keep `followup.session_label`, in French)."""
    return f"{w.title}, {i18n.day(w.opened_on.isoformat(), lang)}" if w.opened_on else w.title


def _kit_cards() -> list[dict]:
    return [
        {
            "id": kit.id,
            "title": kit.title,
            "description": kit.description,
            "audience": kit.audience,
            "phases": [
                {"title": p.title, "kind": p.kind, "minutes": p.minutes} for p in kit.phases
            ],
        }
        for kit in sorted(
            services().kits.values(), key=lambda k: (k.audience != AUDIENCES[0], k.id)
        )
    ]


@bp.post("/api/sessions")
def api_open():
    """Open a workshop from a kit: `{"kit", "title"?, "follows"?, "follows_key"?}`; answers
    its addresses and key."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Refusal("invalid_payload")
    earlier = followed(payload.get("follows"), payload.get("follows_key"))
    code, key = open_workshop(payload.get("kit"), payload.get("title"), earlier)
    return jsonify(links(code, key)), 201


@bp.get("/api/sessions/<code>/qr.svg")
def qr(code: str):
    """The QR code of the phone page's address."""
    code = known_code(code)
    svg = qr_svg(base_url() + url_for("web.phone", code=code))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "max-age=3600"})


MINUTES_FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
RENDER = {
    "json": lambda m: json.dumps(m, ensure_ascii=False, indent=2) + "\n",
    "md": compte_rendu.to_markdown,
    "html": compte_rendu.to_html,
    "docx": to_docx,
}
# The printable page has one inline stylesheet, allowed by its hash; nothing else runs there.
MINUTES_PAGE_CSP = (
    f"default-src 'none'; style-src {compte_rendu.print_css_hash()}; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def render_minutes(code: str, fmt: str) -> str | bytes:
    """A workshop's minutes in one format (the HTTP route and the CLI share it)."""
    return RENDER[fmt](compte_rendu.minutes(services().store.snapshot(code)))


def request_key(code: str) -> str | None:
    """The facilitator key a request carries: `Authorization: Bearer`, else the console's cookie."""
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ").strip()
    return request.cookies.get(facilitator_cookie(code))


def is_facilitator_request(code: str) -> bool:
    return services().store.is_facilitator(code, request_key(code))


@bp.get("/api/sessions/<code>/minutes.<fmt>")
def minutes_file(code: str, fmt: str):
    """The minutes: for the facilitator (key or console cookie), for anyone once published."""
    code = known_code(code)
    if fmt not in MINUTES_FORMATS:
        return not_found(None)
    if not (services().store.is_published(code) or is_facilitator_request(code)):
        return jsonify(error=Refusal("bad_key").as_dict()), 401
    response = Response(render_minutes(code, fmt), mimetype=MINUTES_FORMATS[fmt].split(";")[0])
    if fmt == "html":
        response.headers["Content-Security-Policy"] = MINUTES_PAGE_CSP
    if fmt in ("docx", "md") or request.args.get("download"):
        name = f"compte-rendu-{code}.{fmt}"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/api/sessions/<code>/review")
def review_texts(code: str):
    """For the facilitator only: the texts that name a person or single out a role, and why."""
    code = known_code(code)
    if not is_facilitator_request(code):
        return jsonify(error=Refusal("bad_key").as_dict()), 401
    return jsonify(review=review(services().store.snapshot(code)))
