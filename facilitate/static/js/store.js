// localStorage that never throws. Where storage is refused (private browsing, full disk),
// values live in memory for as long as the page is open.

const memory = new Map();

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function readText(key) {
  try {
    const value = storage()?.getItem(key);
    if (value !== null && value !== undefined) return value;
  } catch {
    // fall through to memory
  }
  return memory.has(key) ? memory.get(key) : null;
}

export function writeText(key, value) {
  memory.set(key, value);
  try {
    storage()?.setItem(key, value);
  } catch {
    // memory keeps it
  }
}

export function removeKey(key) {
  memory.delete(key);
  try {
    storage()?.removeItem(key);
  } catch {
    // nothing to do
  }
}

export function readJSON(key, fallback) {
  const text = readText(key);
  if (text === null) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export function writeJSON(key, value) {
  writeText(key, JSON.stringify(value));
}
