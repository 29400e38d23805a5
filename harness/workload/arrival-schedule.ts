/**
 * The open model's clock (k6's constant-arrival-rate and ramping-arrival-rate, wrk2's
 * schedule): start i is intended at the time the cumulative arrivals reach i, whatever the
 * stack does. A constant rate is one stage; stages ramp linearly from the previous target
 * (or `startRate`) to their own, as k6 does.
 */
export interface ArrivalStage {
  durationMs: number;
  /** req/s reached at the end of the stage. */
  target: number;
}

interface Segment {
  startMs: number;
  durationMs: number;
  fromRate: number;
  toRate: number;
  /** Arrivals before this segment. */
  before: number;
  /** Arrivals in this segment. */
  count: number;
}

export class ArrivalSchedule {
  private readonly segments: Segment[] = [];
  /** Every arrival the schedule holds (fractional: the last start is floor of it). */
  readonly totalArrivals: number;
  readonly durationMs: number;

  constructor(stages: readonly ArrivalStage[], startRate: number = stages[0]?.target ?? 0) {
    let at = 0;
    let before = 0;
    let from = startRate;
    for (const stage of stages) {
      if (!(stage.durationMs > 0) || !(stage.target >= 0)) throw new RangeError(`arrival stage needs a positive duration and a rate >= 0`);
      const count = ((from + stage.target) / 2) * (stage.durationMs / 1000);
      this.segments.push({ startMs: at, durationMs: stage.durationMs, fromRate: from, toRate: stage.target, before, count });
      at += stage.durationMs;
      before += count;
      from = stage.target;
    }
    this.totalArrivals = before;
    this.durationMs = at;
  }

  /** A constant rate for the given time. */
  static constant(rate: number, durationMs: number): ArrivalSchedule {
    return new ArrivalSchedule([{ durationMs, target: rate }], rate);
  }

  /** ms from t0 at which start `i` (0-based) is intended; null when the schedule ends first. */
  intendedStart(i: number): number | null {
    // Arrival i happens when the cumulative count reaches i (the first at t0).
    if (i < 0 || i >= this.totalArrivals) return null;
    for (const s of this.segments) {
      if (i >= s.before + s.count) continue;
      const k = i - s.before;
      const a = (s.toRate - s.fromRate) / (s.durationMs / 1000); // req/s per s
      const r0 = s.fromRate;
      let t: number;
      if (Math.abs(a) < 1e-12) t = r0 > 0 ? k / r0 : 0;
      else {
        // r0 t + a t^2 / 2 = k
        const disc = r0 * r0 + 2 * a * k;
        t = (-r0 + Math.sqrt(Math.max(0, disc))) / a;
      }
      return s.startMs + Math.min(s.durationMs, Math.max(0, t * 1000));
    }
    return null;
  }

  /** The rate intended at time t (ms from t0), for the report. */
  rateAt(tMs: number): number {
    const s = this.segments.find((x) => tMs >= x.startMs && tMs < x.startMs + x.durationMs) ?? this.segments.at(-1);
    if (!s) return 0;
    const f = Math.min(1, Math.max(0, (tMs - s.startMs) / s.durationMs));
    return s.fromRate + (s.toRate - s.fromRate) * f;
  }
}
