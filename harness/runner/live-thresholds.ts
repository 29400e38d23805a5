/**
 * abortOnFail (k6 style): thresholds marked so are evaluated once a second on what the run
 * has seen so far; the first one that fails stops the load early.
 */
import type { Scenario } from '../scenario/scenario-schema.js';
import { parseThresholdExpression, type ThresholdMetric } from '../thresholds/threshold-expression.js';
import { evaluateLive, type LiveSnapshot } from '../thresholds/threshold-evaluate.js';
import type { RunCollector } from '../results/run-collector.js';

export interface ThresholdAbort {
  metric: string;
  expression: string;
  atMs: number;
  message: string;
}

export function watchAbortThresholds(
  scenario: Scenario,
  collector: RunCollector,
  /** What the collector does not hold: users judged and lost so far, open-model starts dropped so far. */
  live: () => Pick<LiveSnapshot, 'sessions' | 'dropped'>,
  startedAt: () => number,
  onFail: (abort: ThresholdAbort) => void,
): () => void {
  const watched = Object.entries(scenario.thresholds).flatMap(([metric, entries]) =>
    entries.flatMap((entry) =>
      typeof entry !== 'string' && entry.abortOnFail
        ? [{ metric: metric as ThresholdMetric, text: entry.threshold, parsed: parseThresholdExpression(metric, entry.threshold) }]
        : [],
    ),
  );
  if (watched.length === 0) return () => {};
  let fired = false;
  const timer = setInterval(() => {
    if (fired) return;
    const h = collector.total;
    const elapsedMs = performance.now() - startedAt();
    const snapshot: LiveSnapshot = {
      elapsedMs,
      total: collector.requests,
      errors: collector.errors,
      answers: collector.requests - collector.errors,
      anomalies: collector.anomalies,
      leaks: collector.outcomes.leak,
      ...live(),
      ...(h.totalCount > 0
        ? {
            latency: {
              min: h.minNonZeroValue / 1000,
              max: h.maxValue / 1000,
              mean: h.mean / 1000,
              atPercentile: (p: number) => h.getValueAtPercentile(p) / 1000,
            },
          }
        : {}),
    };
    for (const w of watched) {
      const verdict = evaluateLive(w.metric, w.parsed, snapshot);
      if (verdict.passed === false) {
        fired = true;
        onFail({ metric: w.metric, expression: w.text, atMs: Math.round(elapsedMs), message: verdict.message });
        return;
      }
    }
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
