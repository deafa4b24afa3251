// One live connection to a session: join, keep the state in step with the server's `rev`,
// and join again after every reconnection. The protocol is described in docs/protocol.md.
import { io } from "../vendor/socket.io-4.8.4.esm.min.js";
import { errorText, t } from "./i18n.js";

const ACK_TIMEOUT_MS = 8000;
const PRESENCE_STALE_MS = 75000; // a server process silent this long has stopped
const RETRY_MS = 3000;

// Refusals that trying again cannot fix: the page says so and stops.
const FATAL_JOIN_ERRORS = new Set(["unknown_session", "bad_key", "bad_role", "forbidden"]);

// Updates sent to the board and the console, each carrying the session's `rev`.
const ROOM_EVENTS = [
  "note_added",
  "notes_pending",
  "notes_revealed",
  "note_hidden",
  "notes_hold_changed",
  "phase_changed",
  "timer_changed",
  "volunteers_changed",
  "themes_changed",
  "votes_progress",
  "votes_revealed",
  "decision_changed",
  "session_closed",
  "grid_added",
  "grid_changed",
  "grid_replaced",
  "tables_changed",
  "grid_view_changed",
  "note_changed",
  "actions_changed",
  "records_changed",
  "minutes_published",
  "board_blanked",
];

// Phones get these at once, on top of the batches; applying them twice is harmless.
// The timer, the reveal of a vote and the close come only this way: batches never carry them.
const DIRECT_PHONE_EVENTS = [
  "phase_changed",
  "notes_hold_changed",
  "timer_changed",
  "votes_revealed",
  "session_closed",
  "minutes_published",
];

// A change inside a phone's `batch`, named like the event that carries it to the board.
// "ballot" has no event of its own: the themes changed, and a phone in a vote asks for a fresh
// ballot with `resync`. Nor has "grid_refresh": the facilitator reordered or merged a grid, and
// the phone asks for the grid of its own tables again (`grid_follow`). Batches carry grid changes
// of grids without tables only; a table's come in its own `grid_batch`.
const BATCH_CHANGES = {
  phase: "phase_changed",
  note_hidden: "note_hidden",
  hold: "notes_hold_changed",
  ballot: "ballot",
  grid_added: "grid_added",
  grid_changed: "grid_changed",
  grid_refresh: "grid_refresh",
  tables_changed: "tables_changed",
  actions_changed: "actions_changed",
  records_changed: "records_changed",
};

// A change inside a phone's `grid_batch`: the grid of one table it sits at.
const TABLE_CHANGES = new Set(["grid_added", "grid_changed", "grid_refresh"]);

// Said in the page's language already: these codes are the page's own, not the server's, so
// errorText() gives their message back as it is.
export const OFFLINE = failure("offline", t("Pas de connexion pour l'instant. Réessayez dans un instant."));
export const TIMEOUT = failure("timeout", t("Le serveur n'a pas répondu à temps. Réessayez dans un instant."));

function failure(code, message) {
  return { ok: false, error: { code, message } };
}

/** Every ack becomes {ok: true, ...} or {ok: false, error: {code, message}}. */
function normalise(ack) {
  if (ack && ack.ok === true) return ack;
  const error = (ack && ack.error) || {};
  return failure(error.code || "server_error", error.message || t("Le serveur a refusé la demande."));
}

/**
 * Connect to the session `code` as `role` ("participant", "board" or "facilitator").
 *
 * - onState(state): a full snapshot, after join and after every sync; it replaces the page's state.
 * - onEvent(name, data): one update to apply to that state (presence included). Phones receive the
 *   changes of their batches and grid batches under the same names as the board's events.
 * - onJoin(ack): the join succeeded (phones read their token here).
 * - onStatus(status, message): "connecting", "connected", "reconnecting" or "error".
 * - getToken(): the participant token to send with join, if any.
 * - joinFields(): more fields for every join (phones: `tables`, where they sit), read afresh at
 *   each join, so that a reconnection says where the phone sits now.
 *
 * Returns {send(event, payload) -> Promise<ack>, isJoined(), resync()}. `send` never rejects: a
 * timeout or a lost connection resolves to an error ack with code "timeout" or "offline".
 * `resync` asks for a fresh snapshot, which arrives through onState (phones use it for a ballot).
 */
export function connectLive({
  code,
  role,
  onState,
  onEvent,
  onJoin = () => {},
  onStatus = () => {},
  getToken = () => null,
  joinFields = () => ({}),
}) {
  // WebSocket first; tryAllTransports falls back to long polling where WebSocket is blocked.
  // With several server processes, WebSocket only: long polling would need sticky sessions.
  const websocketOnly = document.documentElement.dataset.transports === "websocket";
  const socket = io({
    transports: websocketOnly ? ["websocket"] : ["websocket", "polling"],
    tryAllTransports: !websocketOnly,
    reconnectionDelayMax: 5000,
  });
  const isPhone = role === "participant";

  let rev = null; // rev of the state the page shows
  let joined = false; // this connection has joined and holds a current snapshot
  let syncing = false;
  let queued = []; // updates received while no current snapshot; replayed once it arrives
  let generation = 0; // bumped on every join, so that answers to older requests are dropped
  let stopped = false;
  const directRev = {}; // phones: rev of the last direct phase/hold event applied
  let snapshotRev = null; // rev of the last snapshot
  const chains = new Map(); // phones: server process -> rev of its last batch applied
  const presence = new Map(); // board, console: server process -> {count, at}

  function request(event, payload) {
    return new Promise((resolve) => {
      if (!socket.connected) return resolve(OFFLINE);
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => {
        resolve(err ? TIMEOUT : normalise(ack));
      });
    });
  }

  function send(event, payload) {
    // Refuse rather than let socket.io buffer it: a buffered event would reach the server
    // before the next join and be refused anyway.
    return joined ? request(event, payload) : Promise.resolve(OFFLINE);
  }

  function retryLater(action, mine) {
    setTimeout(() => {
      if (mine === generation && socket.connected && !stopped) action();
    }, RETRY_MS);
  }

  async function join() {
    const mine = ++generation;
    joined = false;
    syncing = false;
    queued = [];
    const payload = { ...joinFields(), code, role };
    const token = getToken();
    if (token) payload.token = token;
    const ack = await request("join", payload);
    if (mine !== generation) return;
    if (ack.ok) {
      applySnapshot(ack.state);
      joined = true;
      onStatus("connected");
      onJoin(ack);
      replay();
    } else if (FATAL_JOIN_ERRORS.has(ack.error.code)) {
      stopped = true;
      socket.disconnect();
      onStatus("error", errorText(ack.error));
    } else {
      retryLater(join, mine);
    }
  }

  async function resync() {
    if (syncing) return;
    syncing = true;
    const mine = generation;
    const ack = await request("sync", {});
    if (mine !== generation) return;
    if (ack.ok) {
      applySnapshot(ack.state);
      syncing = false;
      replay();
    } else {
      // Keep holding updates until a snapshot arrives; a reconnection starts over anyway.
      retryLater(() => {
        syncing = false;
        resync();
      }, mine);
    }
  }

  function applySnapshot(state) {
    rev = snapshotRev = state.rev;
    chains.clear();
    onState(state);
  }

  function replay() {
    const pending = queued;
    queued = [];
    for (const [name, data] of pending) receive(name, data);
  }

  function ready() {
    return joined && !syncing;
  }

  // Board and console: apply updates strictly in rev order, sync on a gap.
  function receive(name, data) {
    if (!ready()) return void queued.push([name, data]);
    if (name === "batch") return receiveBatch(data);
    if (name === "grid_batch") return receiveTableBatch(data);
    if (isPhone) return receiveDirect(name, data);
    if (typeof data.rev !== "number") return onEvent(name, data);
    if (data.rev <= rev) return; // already in the state
    if (data.rev > rev + 1) {
      queued.push([name, data]);
      return void resync(); // missed at least one update
    }
    rev = data.rev;
    onEvent(name, data);
  }

  // Phones: a batch says which rev it follows (`since`) in the chain of its server process; a
  // phone behind that missed one. Several processes (docs/deployment.md) make several chains.
  function receiveBatch(batch) {
    const process = batch.process || "";
    const seen = Math.max(snapshotRev, chains.get(process) ?? -1);
    if (batch.since > seen) {
      queued.push(["batch", batch]);
      return void resync();
    }
    if (batch.rev <= seen) return;
    chains.set(process, batch.rev);
    rev = Math.max(rev, batch.rev);
    for (const change of batch.changes || []) {
      const name = BATCH_CHANGES[change.type];
      // A direct event newer than this batch already gave the latest value.
      if (name && !(directRev[name] > batch.rev)) onEvent(name, change);
    }
  }

  // Phones: the changes of one table's grid, for the phones sitting at it. No rev chain: each
  // change is a row or a contribution whole (the newest version wins), so applying one twice, or
  // after the snapshot that already holds it, changes nothing.
  function receiveTableBatch(batch) {
    for (const change of batch.changes || []) {
      if (TABLE_CHANGES.has(change.type)) onEvent(change.type, change);
    }
  }

  // Phones: phase and hold changes apply at once, without moving `rev` (the batch does that).
  function receiveDirect(name, data) {
    if (data.rev <= rev) return; // older than the snapshot
    directRev[name] = data.rev;
    onEvent(name, data);
  }

  socket.on("connect", () => {
    onStatus("connecting");
    join();
  });
  socket.on("disconnect", (reason) => {
    joined = false;
    generation += 1; // drop answers to anything sent on the old connection
    if (stopped) return;
    onStatus("reconnecting");
    // After a server-side disconnect socket.io does not reconnect by itself.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), RETRY_MS);
  });
  socket.on("connect_error", () => {
    if (!stopped) onStatus("reconnecting");
  });

  const updates = isPhone ? ["batch", "grid_batch", ...DIRECT_PHONE_EVENTS] : ROOM_EVENTS;
  for (const name of updates) socket.on(name, (data) => data && receive(name, data));
  // Presence carries no rev: each server process counts its own phones and says it again every
  // half minute; the page adds up the counts heard lately.
  // `writers` (phase id -> how many phones wrote there) is added up the same way.
  socket.on("presence", (data) => {
    if (!data) return;
    presence.set(data.process || "", { count: data.participants, writers: data.writers, at: Date.now() });
    let participants = 0;
    let writers;
    for (const [process, heard] of presence) {
      if (Date.now() - heard.at > PRESENCE_STALE_MS) {
        presence.delete(process);
        continue;
      }
      participants += heard.count;
      if (!heard.writers) continue;
      writers = writers || {};
      for (const [phase, n] of Object.entries(heard.writers)) writers[phase] = (writers[phase] || 0) + n;
    }
    onEvent("presence", writers ? { participants, writers } : { participants });
  });

  onStatus("connecting");
  return {
    send,
    isJoined: () => joined,
    resync: () => joined && resync(),
  };
}
