/** The live line: elapsed, req/s, p99, errors, session anomalies — once a second. */
import type { RunCollector } from '../results/run-collector.js';

export interface ProgressOptions {
  durationMs?: number;
  write: (line: string) => void;
  tty: boolean;
}

export function startProgress(collector: RunCollector, startedAt: () => number, options: ProgressOptions): () => void {
  let lastRequests = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    const elapsedS = (performance.now() - startedAt()) / 1000;
    const rps = collector.requests - lastRequests;
    lastRequests = collector.requests;
    const last = collector.bucket(Math.max(0, Math.floor(elapsedS) - 1));
    const total = options.durationMs ? `/${(options.durationMs / 1000).toFixed(0)}s` : 's';
    const line =
      `  ${elapsedS.toFixed(0).padStart(4)}${total}  ${String(rps).padStart(6)} req/s  p99 ${(last?.p99 ?? 0).toFixed(1).padStart(7)} ms` +
      `  errors ${String(collector.errors).padStart(6)}  anomalies ${String(collector.anomalies).padStart(6)}  (reset ${collector.outcomes.reset}, stale ${collector.outcomes.stale}, ahead ${collector.outcomes.ahead}, unsaved ${collector.outcomes.unsaved}, leak ${collector.outcomes.leak})`;
    // On a terminal the line is rewritten in place; in CI logs, one line every 5 s.
    if (options.tty) options.write(`\r${line}\x1b[K`);
    else if (ticks % 5 === 0) options.write(`${line}\n`);
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (options.tty) options.write('\n');
  };
}
