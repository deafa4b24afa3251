"""The real server. The only module that knows eventlet: it patches before anything else loads."""

import os

ASYNC_MODE = os.environ.get("FACILITATE_ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    # psycopg's C wait does not yield to eventlet: one slow query would stall every phone.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    import warnings

    # eventlet warns on import that it is in maintenance mode; we know (see STACK_NOTES and
    # FACILITATE_ASYNC_MODE=gevent), and a facilitator should not read it at every start.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import gc  # noqa: E402
import resource  # noqa: E402

from sqlalchemy.engine import make_url  # noqa: E402

from .network import public_url  # noqa: E402

# A room of phones connects at once (the QR code, or every phone again after a restart). With
# eventlet's defaults, 50 queued connections and 1,024 at a time, a thousand phones overflowed
# the queue: the kernel dropped their connections and TCP retried after 1, 3, 7, 15 s..., so
# that a restart under load took from 7 to 63 s to recover (docs/performance.md).
LISTEN_BACKLOG = 4096  # the kernel caps it at net.core.somaxconn
MAX_CONNECTIONS = 20_000  # eventlet holds one green thread per open connection


def _collect_garbage_less_often() -> None:
    """Keep the cyclic garbage collector out of a storm's way.

    With a thousand phones connected, each full collection walked every object of every
    connection: 60 to 140 ms during which nothing else ran, five times in a vote storm
    (docs/performance.md). What is loaded at start (modules, kits, compiled statements) stays
    for the life of the process: frozen, no collection walks it again. Full collections come ten
    times less often; young objects are still collected as before.
    """
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def _purge_daily(app) -> None:
    """Delete the sessions past the retention period now, then once a day."""
    from .app import socketio

    store, keep = app.extensions["facilitate"].store, app.config["RETENTION_DAYS"]
    while True:
        gone = store.purge(keep)
        if gone:
            print(
                f"facilitate : {gone} séance(s) de plus de {keep} jours supprimée(s).", flush=True
            )
        socketio.sleep(24 * 60 * 60)


def _raise_open_files_limit() -> None:
    """Each phone holds a socket: lift the soft limit (often 1,024) to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _run(app, socketio, host: str, port: int) -> None:
    # log_output=False: no access log, so no IP address or browser signature is ever written.
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi

        family = eventlet.green.socket.getaddrinfo(host, port)[0][0]
        listener = eventlet.listen((host, port), family=family, backlog=LISTEN_BACKLOG)
        eventlet.wsgi.server(listener, app, log_output=False, max_size=MAX_CONNECTIONS)
        return
    # gevent's server also writes the client's address with each connection error: silenced.
    quiet = {"error_log": None, "backlog": LISTEN_BACKLOG} if ASYNC_MODE == "gevent" else {}
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True, **quiet)


def serve(host: str, port: int) -> int:
    """Run the real-time server until interrupted."""
    from .app import create_app, socketio

    _raise_open_files_limit()

    overrides = {"ASYNC_MODE": ASYNC_MODE}
    if not os.environ.get("FACILITATE_PUBLIC_URL"):
        overrides["PUBLIC_URL"] = public_url(host, port)
    app = create_app(overrides)
    local = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    print("facilitate : serveur prêt.", flush=True)
    print(f"  Animation (sur cet ordinateur) : {local}/animer", flush=True)
    print(f"  Téléphones (même réseau)       : {app.config['PUBLIC_URL']}", flush=True)
    database = make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)
    print(f"  Données : {database}", flush=True)
    keep = app.config["RETENTION_DAYS"]
    print(f"  Conservation : {f'{keep} jours' if keep > 0 else 'sans limite'}", flush=True)
    socketio.start_background_task(_purge_daily, app)
    _collect_garbage_less_often()
    _run(app, socketio, host, port)
    return 0
