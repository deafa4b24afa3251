"""A bare Flask-SocketIO server (eventlet): the stack facilitate runs on, with no application logic.

It acks what a phone sends and emits it to the board room, nothing else: no database, no views,
no batches. The bench runs the same scenario against it, so that facilitate/bare means the same
on a quiet machine and a noisy one.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import uuid  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(async_mode="eventlet")  # bound in main(), once the queue is known
BOARD = "board"


@socketio.on("join")
def join(payload):
    """Any role joins; the board (and the console) go into the room that gets every write."""
    if payload.get("role") in ("board", "facilitator"):
        join_room(BOARD)
    token = payload.get("token") or uuid.uuid4().hex
    return {"ok": True, "token": token, "state": {"rev": 0, "notes": []}}


@socketio.on("note_add")
def note_add(payload):
    note = {"id": payload.get("id") or uuid.uuid4().hex, "text": payload.get("text")}
    socketio.emit("note_added", {"note": note}, to=BOARD)
    return {"ok": True, "note": note}


@socketio.on("vote_cast")
def vote_cast(payload):
    socketio.emit("votes_progress", {"voters": 0}, to=BOARD)
    return {"ok": True, "remaining": 0, "id": payload.get("id")}


@socketio.on("grid_set")
def grid_set(payload):
    row = payload.get("row") or uuid.uuid4().hex
    contribution = {"id": payload.get("id"), "row": row, "column": payload.get("column")}
    socketio.emit("grid_added", {"contribution": contribution}, to=BOARD)
    return {"ok": True, "row": row, "id": payload.get("id")}


@socketio.on("*")
def anything(_event, *_args):
    """The console's steps (phase_set, sync...): acknowledged, nothing done."""
    return {"ok": True, "state": {"rev": 0, "notes": []}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", help="a message queue shared with other processes")
    args = parser.parse_args()
    socketio.init_app(app, message_queue=args.redis)
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False)


if __name__ == "__main__":
    main()
