/**
 * Which rate to offer next while looking for the knee of one node count: up by `growth` while
 * steps pass, then halve the gap between the last pass and the first fail (or what that
 * overloaded step achieved, when less) until it is within
 * `resolution`. An invalid step (a guard fired) is retried at the same rate and does not
 * count as a step; three in a row at one rate, or more than maxInvalid in all, end the search.
 */
export interface StepVerdict {
  rate: number;
  status: 'pass' | 'fail' | 'invalid';
  /** Throughput achieved: an overloaded step completes about what the stack can do, a tighter bound than its offered rate. */
  throughput?: number;
}

/**
 * The lowest rate known to be too much: a failing step's offered rate, or, when it was
 * overloaded (completed clearly less than offered), what it completed: the stack cannot do
 * more. An overloaded step that completed no more than the last pass puts the knee just above
 * that pass (5%).
 */
function upperBound(fails: readonly StepVerdict[], lastPass: number | null): number | null {
  if (fails.length === 0) return null;
  const bound = (f: StepVerdict) =>
    f.throughput !== undefined && lastPass !== null && f.throughput < f.rate * 0.95 && f.rate > lastPass ? Math.min(f.rate, Math.max(f.throughput, lastPass * 1.05)) : f.rate;
  return Math.min(...fails.map(bound));
}

export interface KneeSearchOptions {
  startRate: number;
  maxSteps: number;
  growth: number;
  /** Invalid steps allowed in all (each is retried at the same rate; they do not count in maxSteps). */
  maxInvalid: number;
  /** Stop refining when (firstFail - lastPass) / lastPass is below this. */
  resolution: number;
  /** Lowest rate worth offering. */
  minRate: number;
}

export type NextStep = { rate: number } | { done: string };

export function nextRate(history: readonly StepVerdict[], o: KneeSearchOptions): NextStep {
  if (history.length === 0) return { rate: o.startRate };
  const last = history[history.length - 1]!;
  const invalid = history.filter((h) => h.status === 'invalid').length;
  if (last.status === 'invalid') {
    const before = history[history.length - 2];
    if (before?.status === 'invalid' && before.rate === last.rate && history[history.length - 3]?.status === 'invalid' && history[history.length - 3]?.rate === last.rate) {
      return { done: `three steps at ${Math.round(last.rate)} req/s in a row were invalid (a guard fired): the machine cannot measure there` };
    }
    if (invalid > o.maxInvalid) return { done: `more than ${o.maxInvalid} steps were invalid (guards fired): the host is too busy to measure` };
    return { rate: last.rate };
  }
  if (history.length - invalid >= o.maxSteps) return { done: `the step limit (${o.maxSteps}) was reached` };
  const passes = history.filter((h) => h.status === 'pass').map((h) => h.rate);
  const lastPass = passes.length ? Math.max(...passes) : null;
  const firstFail = upperBound(history.filter((h) => h.status === 'fail'), lastPass);
  if (firstFail === null) return { rate: Math.round(lastPass! * o.growth) };
  if (lastPass === null) {
    const down = Math.round(firstFail / 2);
    if (down < o.minRate) return { done: `even ${Math.round(firstFail)} req/s failed the objective, and lower rates are below ${o.minRate} req/s` };
    return { rate: down };
  }
  if ((firstFail - lastPass) / lastPass <= o.resolution) return { done: `the knee is between ${Math.round(lastPass)} and ${Math.round(firstFail)} req/s (within ${Math.round(o.resolution * 100)}%)` };
  return { rate: Math.round((lastPass + firstFail) / 2) };
}

/** The highest passing rate, and the lowest failing one. */
export function kneeOf(history: readonly StepVerdict[]): { rate: number | null; firstFail: number | null } {
  const passes = history.filter((h) => h.status === 'pass').map((h) => h.rate);
  const fails = history.filter((h) => h.status === 'fail').map((h) => h.rate);
  const rate = passes.length ? Math.max(...passes) : null;
  const above = fails.filter((f) => rate === null || f > rate);
  return { rate, firstFail: above.length ? Math.min(...above) : null };
}
