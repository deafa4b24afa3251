"""The application factory: it only wires settings, storage, kits, routes and events."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.sessions import SessionInterface
from flask_socketio import SocketIO

from . import config
from .kits import BUILTIN_DIR, Kit, KitError, load_kits
from .push import Pusher
from .store import Store
from .throttle import Throttle
from .views import KeptViews

socketio = SocketIO()

# Handlers must be registered before the first init_app, or later apps miss them.
from . import events, web  # noqa: E402


@dataclass
class Services:
    """What the adapters share inside one app: storage, kits, the pusher, the connected seats."""

    store: Store
    kits: dict[str, Kit]
    broken_kits: list[KitError]
    pusher: Pusher
    seats: dict[str, "events.Seat"] = field(default_factory=dict)
    throttle: Throttle = field(default_factory=Throttle)
    phones: Counter = field(default_factory=Counter)  # participants connected, per workshop
    # code -> its views, kept: a join storm would otherwise rebuild them for every phone
    views: defaultdict = field(default_factory=lambda: defaultdict(KeptViews))


class NoSession(SessionInterface):
    """facilitate keeps nothing in Flask's session and sets no cookie of it: no session is
    opened. Flask-SocketIO opens one per event, and each cost a signing serializer, read from
    the cookie, for nothing (a fifth of a dot's CPU in-process, docs/performance.md). Writing
    to it fails loudly (Flask's null session)."""

    def open_session(self, app: Flask, request) -> None:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session, response) -> None:
        pass


SOCKETIO_PATH = "/socket.io"  # Flask-SocketIO's default, which the pages' client uses


class App(Flask):
    """Flask, with Socket.IO's events left out of URL routing.

    Flask-SocketIO runs each event in a request context made from the connection's first
    request, whose path (/socket.io/) no route matches. Flask kept the NotFound, and its
    traceback held the context that held it: a garbage cycle of some 58 objects per event, which
    the collector then had to find (without them, it spends less than half as long in a vote
    storm, docs/performance.md). Nothing in a handler needs a route.
    """

    def create_url_adapter(self, request):
        if request is not None and request.path.rstrip("/") == SOCKETIO_PATH:
            return None
        return super().create_url_adapter(request)


def create_app(test_config: dict | None = None) -> App:
    """Build the app from defaults, then FACILITATE_* variables, then `test_config`."""
    app = App(__name__)
    app.session_interface = NoSession()
    settings = config.load(test_config)
    app.config.update(settings)
    app.register_blueprint(web.bp)
    socketio.init_app(
        app,
        async_mode=settings["ASYNC_MODE"],
        message_queue=settings["REDIS_URL"],
        # Browsers may connect from the server's own pages only (or its public address).
        cors_allowed_origins=same_origin(settings["PUBLIC_URL"]),
        # Above the contract's 16 KB so such messages get a proper ack; far below the 1 MB default.
        max_http_buffer_size=64 * 1024,
        logger=False,
        engineio_logger=False,
        manage_session=False,  # no session to copy per connection (NoSession)
    )
    app.extensions["facilitate"] = _services(settings)
    return app


def same_origin(public_url: str | None):
    """The Origin check of Socket.IO: the address the request came to, or the public one.

    Scripts and phones' own clients send no Origin and are not concerned; a page of another
    site, or one opened from a file, is refused.
    """
    public = _origin(public_url) if public_url else None

    def allowed(origin: str, environ: dict) -> bool:
        host = environ.get("HTTP_X_FORWARDED_HOST", environ.get("HTTP_HOST", ""))
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
        here = f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"
        return origin in (here, public)

    return allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _services(settings: dict) -> Services:
    store = Store(settings["DATABASE_URL"], settings["SECRET_KEY"])
    store.create_schema()
    folders = [BUILTIN_DIR] + ([Path(settings["KITS_DIR"])] if settings["KITS_DIR"] else [])
    kits, broken = load_kits(*folders)
    return Services(store, kits, broken, Pusher(socketio, settings["BATCH_SECONDS"]))
