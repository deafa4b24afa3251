// The phase's countdown, as every screen shows it. The server sends {running, remaining} in whole
// seconds at send time; each page turns that into a deadline on its own monotonic clock, so that
// a phone whose clock is wrong still shows the right time left.

/** "12:34", "0:59", "75:00": minutes, then seconds on two digits. */
export function formatClock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** "running", "paused" or "ended" (0:00 reached while running): the class a screen styles. */
export function timerState(timer) {
  if (timer.ended) return "ended";
  return timer.running ? "running" : "paused";
}

/**
 * A countdown that calls render({running, remaining, ended, planned}) once on every set() and
 * then each time the shown second changes. `planned` is false for a phase without minutes
 * (nothing to count: phones and the board show nothing).
 */
export function createCountdown(render) {
  let running = false;
  let remaining = 0; // seconds left when paused
  let deadline = 0; // performance.now() at which a running countdown reaches 0:00
  let tick = null;

  function secondsLeft() {
    if (!running) return remaining;
    return Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
  }

  function snapshot() {
    const left = secondsLeft();
    return {
      running,
      remaining: left,
      ended: running && left === 0,
      planned: running || left > 0,
    };
  }

  // Wake up just after the next whole second, rather than on a fixed interval that drifts.
  function schedule() {
    clearTimeout(tick);
    if (!running) return;
    const untilEnd = deadline - performance.now();
    if (untilEnd <= 0) return;
    const untilNextSecond = untilEnd % 1000 || 1000;
    tick = setTimeout(() => {
      render(snapshot());
      schedule();
    }, untilNextSecond + 15);
  }

  function set(timer) {
    if (!timer || typeof timer.remaining !== "number") return;
    running = Boolean(timer.running);
    remaining = Math.max(0, Math.floor(timer.remaining));
    deadline = performance.now() + remaining * 1000;
    render(snapshot());
    schedule();
  }

  return { set, read: snapshot };
}
