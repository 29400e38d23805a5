/**
 * Node timers fire on a 1 ms grid, so a chunk due in 0.4 ms would wait 1-2 ms. Waiting
 * the last sub-millisecond with setImmediate is precise but keeps the event loop busy;
 * this budget allows that for at most SPIN_MS_PER_SECOND of every second (process-wide),
 * then falls back to 1 ms timers. Tests and low rates get sub-ms accuracy; a heavily
 * loaded proxy stays cheap.
 */
const SPIN_MS_PER_SECOND = 50;

let windowStart = 0;
let spent = 0;

/** Reserves `ms` of busy waiting; false when this second's budget is used up. */
export function takeSpin(ms: number): boolean {
  const now = performance.now();
  if (now - windowStart >= 1000) {
    windowStart = now;
    spent = 0;
  }
  if (spent + ms > SPIN_MS_PER_SECOND) return false;
  spent += ms;
  return true;
}
