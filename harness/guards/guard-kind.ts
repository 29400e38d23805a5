/**
 * Environment guards: things the machine does that spoil a run without the stack being at
 * fault (a full conntrack table dropping packets, ports or descriptors running out, a
 * saturated load generator, a hypervisor stealing the CPU, a machine already busy). One
 * small module per guard, registered by name in guard-registry.ts (like harness/faults/).
 *
 * A guard is sampled about once a second from the workload's start to the end of the load
 * (GuardSampler), reads only cheap sources (/proc files, counters the harness keeps) and
 * reports `ok`, `fired` (when, the cause, the fix) or `not-available` (why: a /proc file
 * that does not exist, no permission) — never a silent pass. A fired guard makes the run
 * `invalid` (harness/checks/run-checks.ts: the `environment` check).
 */
import type { GuardReport } from '../results/result-schema.js';
import type { ReadText } from './proc-files.js';

export interface GuardEnvironment {
  /** Reads a /proc (or log) text file; throws like fs.readFileSync. */
  read: ReadText;
  /** Monotonic ms (performance.now). */
  now: () => number;
  /** Waits (the pre-run CPU sample); tests pass one that resolves at once. */
  sleep: (ms: number) => Promise<void>;
  cpus: number;
  /** The run directory holding the servers' logs (local provider), or null. */
  runDirectory: string | null;
}

export interface GuardProbe {
  /** Before the stack starts: baselines, the pre-run load sample. */
  beforeStack?(): Promise<void>;
  /** The workload started at `workloadStart` (a now() value). */
  start?(workloadStart: number): void;
  /** One sample, `tMs` ms after the workload started. */
  sample(tMs: number): void;
  /** After the load and the final reads: counters that kept counting (drops, log lines). */
  close?(tMs: number): void;
  /** An errno a request of the harness failed with (EADDRNOTAVAIL, EMFILE, ...). */
  noteError?(code: string, tMs: number): void;
  /** Stops what start() started (histograms). */
  stop?(): void;
  report(): GuardReport;
}

export interface GuardKind {
  /** Registry name, also the `environment` check's expression ("conntrack"). */
  readonly name: string;
  readonly title: string;
  /** The documented threshold, one sentence. */
  readonly threshold: string;
  create(env: GuardEnvironment): GuardProbe;
}

type SummaryValue = GuardReport['summary'][string];

/** The state every guard keeps: available or why not, when it fired, its cause and fix. */
export class GuardState {
  samples = 0;
  firedAtMs: number | null = null;
  cause: string | null = null;
  fix: string | null = null;
  unavailable: string | null = null;

  constructor(readonly kind: Pick<GuardKind, 'name' | 'title' | 'threshold'>) {}

  /** The first firing wins (when it happened); a later cause only refines the text. */
  fire(atMs: number, cause: string, fix: string): void {
    if (this.firedAtMs === null) this.firedAtMs = Math.round(atMs);
    this.cause = cause;
    this.fix = fix;
  }

  notAvailable(reason: string): void {
    this.unavailable ??= reason;
  }

  get fired(): boolean {
    return this.firedAtMs !== null;
  }

  report(summary: Record<string, SummaryValue>): GuardReport {
    const base = { name: this.kind.name, title: this.kind.title, threshold: this.kind.threshold, samples: this.samples, summary };
    if (this.fired) return { ...base, status: 'fired', firedAtMs: this.firedAtMs, cause: this.cause, fix: this.fix };
    if (this.unavailable !== null) return { ...base, status: 'not-available', reason: this.unavailable, firedAtMs: null, cause: null, fix: null };
    return { ...base, status: 'ok', firedAtMs: null, cause: null, fix: null };
  }
}

/**
 * "Over the limit in `needed` consecutive samples": a sustained condition, so one GC pause or
 * one busy second does not spoil a run. Returns the time of the first sample of the streak.
 */
export class Streak {
  private run = 0;
  private startMs = 0;
  constructor(private readonly needed: number) {}

  /** Feeds one sample; returns the streak's start when it reaches `needed`, else null. */
  push(over: boolean, tMs: number): number | null {
    if (!over) {
      this.run = 0;
      return null;
    }
    if (this.run === 0) this.startMs = tMs;
    this.run++;
    return this.run >= this.needed ? this.startMs : null;
  }
}

/** Percentile (0..100) of a list of numbers (nearest rank); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const fmtSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const fmtPct = (share: number): string => `${Number((share * 100).toFixed(1))}%`;
export const fmtCount = (n: number): string => Math.round(n).toLocaleString('en-US');
