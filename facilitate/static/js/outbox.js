// The phone's own notes, kept in localStorage so that none is lost to a dead spot or a reload.
// A note is {id, text, phase, lane, secret, status} with status "pending" (waiting to be sent),
// "retrying" (a try reached the server and failed: tried again), "sent", "failed" (refused for
// good, plus `error` {code, message} and `message`), "hidden" (removed from the board by the
// facilitator) or "withdrawn" (taken back from this phone). Newest first. `secret` is drawn for this note alone: the server keeps
// only its hash, and it is this phone's proof when it takes the note back.
// `phase` and `lane` are where the note was written: a resend after a dead spot, maybe in a later
// step, still lands in its own round and column. Notes stored by an older page have neither.
import { readJSON, writeJSON } from "./store.js";

export function createOutbox(code) {
  const key = `facilitate:notes:${code}`;

  // Read storage every time: another tab on the same phone may have written since.
  function all() {
    const notes = readJSON(key, []);
    return Array.isArray(notes) ? notes.filter((note) => note && note.id && note.text) : [];
  }

  function add(text, { phase = null, lane = null } = {}) {
    const note = { id: newId(), text, phase, lane, secret: newSecret(), status: "pending" };
    writeJSON(key, [note, ...all()]);
    return note;
  }

  function update(id, changes) {
    writeJSON(key, all().map((note) => (note.id === id ? { ...note, ...changes } : note)));
  }

  return {
    key,
    all,
    add,
    update,
    // Still to send: waiting, or failed once and tried again.
    pending: () => all().filter((note) => note.status === "pending" || note.status === "retrying"),
    find: (id) => all().find((note) => note.id === id) || null,
  };
}

/** 32 random characters, never reused: two notes of one phone share nothing. */
export function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** A random UUID. randomUUID exists only on https and localhost; a LAN address is plain http. */
export function newId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
