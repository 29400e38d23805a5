/**
 * event-loop: the harness's own event-loop delay (perf_hooks monitorEventLoopDelay). The
 * harness times every request on its event loop: when the loop lags, the answer waits in the
 * socket and the latency figures measure the load generator, not the stack. Fires when the
 * p99 delay of a second (beyond the 10 ms sampling resolution) stays above LAG_LIMIT_MS for LAG_SECONDS seconds in a row.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { GuardState, Streak, fmtSeconds, percentile, type GuardKind } from './guard-kind.js';
import { round } from './proc-files.js';

export const LAG_LIMIT_MS = 100;
export const LAG_SECONDS = 3;

export const EVENT_LOOP_THRESHOLD = `fires when the harness's event-loop delay p99 stays above ${LAG_LIMIT_MS} ms for ${LAG_SECONDS} s in a row: its own latency figures would measure itself`;

/** The histograms record the whole timer interval: the lag is what exceeds the resolution. */
const RESOLUTION_MS = 10;
const lagMs = (v: number) => round(Math.max(0, v / 1e6 - RESOLUTION_MS), 2);

export interface LagSample {
  tMs: number;
  p99Ms: number;
  maxMs: number;
}

/** The threshold logic, apart from the histograms (unit tests feed it samples). */
export class LagJudge {
  readonly samples: LagSample[] = [];
  private readonly streak = new Streak(LAG_SECONDS);
  constructor(private readonly state: GuardState) {}

  push(s: LagSample): void {
    this.samples.push(s);
    this.state.samples++;
    const from = this.streak.push(s.p99Ms > LAG_LIMIT_MS, s.tMs);
    if (from !== null) {
      const worst = Math.max(...this.samples.filter((x) => x.tMs >= from).map((x) => x.p99Ms));
      this.state.fire(
        from,
        `the harness's event loop lagged (p99 up to ${worst} ms per second, above ${LAG_LIMIT_MS} ms for ${LAG_SECONDS}+ s from ${fmtSeconds(from)}): the load generator was saturated and its latency and throughput figures measure itself`,
        'give the harness room: fewer --connections or users, a lower --rate, or a machine with more cores; stop other work on it',
      );
    }
  }

  summary(whole: { p50: number; p99: number; max: number } | null): Record<string, number | null> {
    return {
      p50Ms: whole?.p50 ?? null,
      p99Ms: whole?.p99 ?? null,
      maxMs: whole?.max ?? null,
      worstSecondP99Ms: this.samples.length ? Math.max(...this.samples.map((s) => s.p99Ms)) : null,
      medianSecondP99Ms: percentile(this.samples.map((s) => s.p99Ms), 50),
    };
  }
}

const kind = { name: 'event-loop', title: 'harness event-loop lag', threshold: EVENT_LOOP_THRESHOLD };

export const eventLoopGuard: GuardKind = {
  ...kind,
  create() {
    const state = new GuardState(kind);
    const judge = new LagJudge(state);
    let whole: IntervalHistogram | null = null;
    let second: IntervalHistogram | null = null;
    let final: { p50: number; p99: number; max: number } | null = null;
    const snapshot = (h: IntervalHistogram) => (h.count > 0 ? { p50: lagMs(h.percentile(50)), p99: lagMs(h.percentile(99)), max: lagMs(h.max) } : null);
    return {
      start() {
        whole = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
        second = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
        whole.enable();
        second.enable();
      },
      sample(tMs) {
        if (!second) return;
        if (second.count > 0) judge.push({ tMs: Math.round(tMs), p99Ms: lagMs(second.percentile(99)), maxMs: lagMs(second.max) });
        second.reset();
      },
      stop() {
        if (whole) final = snapshot(whole);
        whole?.disable();
        second?.disable();
        whole = null;
        second = null;
      },
      report() {
        return state.report(judge.summary(final ?? (whole ? snapshot(whole) : null)));
      },
    };
  },
};
