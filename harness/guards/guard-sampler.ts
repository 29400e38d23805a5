/**
 * Runs every registered guard through one run: beforeStack() before the stack starts (the
 * pre-run load sample, baselines), start() at the workload's start, one sample a second until
 * the load ends, a closing sample after the final reads (counters that kept counting), then
 * the `guards` section of result.json. A guard that throws is reported `not-available` with
 * the error: a guard never breaks a run. Each firing is logged once, when it happens.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GuardReport, GuardsSection } from '../results/result-schema.js';
import type { GuardEnvironment, GuardKind, GuardProbe } from './guard-kind.js';
import { allGuards } from './guard-registry.js';
import { readProcText } from './proc-files.js';

export const GUARD_INTERVAL_MS = 1000;

export interface GuardSamplerOptions {
  runDirectory: string | null;
  /** Called once per guard when it fires ("guard conntrack fired at 3.0 s: ..."). */
  log?: (message: string) => void;
  env?: Partial<GuardEnvironment>;
  kinds?: readonly GuardKind[];
  intervalMs?: number;
}

interface Entry {
  kind: GuardKind;
  probe: GuardProbe | null;
  broken: string | null;
  logged: boolean;
}

export class GuardSampler {
  private readonly env: GuardEnvironment;
  private readonly entries: Entry[];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private workloadStart: number | null = null;
  private lastSampleMs = 0;
  private stopped = false;

  constructor(private readonly options: GuardSamplerOptions) {
    this.env = {
      read: readProcText,
      now: () => performance.now(),
      sleep: (ms) => sleep(ms),
      cpus: Math.max(1, cpus().length),
      runDirectory: options.runDirectory,
      ...options.env,
    };
    this.intervalMs = options.intervalMs ?? GUARD_INTERVAL_MS;
    this.entries = (options.kinds ?? allGuards()).map((kind) => {
      try {
        return { kind, probe: kind.create(this.env), broken: null, logged: false };
      } catch (error) {
        return { kind, probe: null, broken: (error as Error).message, logged: false };
      }
    });
  }

  private each(what: string, f: (probe: GuardProbe) => void): void {
    for (const e of this.entries) {
      if (!e.probe || e.broken) continue;
      try {
        f(e.probe);
      } catch (error) {
        e.broken = `the guard failed in ${what}: ${(error as Error).message}`;
      }
    }
  }

  private announce(): void {
    for (const e of this.entries) {
      if (e.logged || !e.probe || e.broken) continue;
      let r: GuardReport;
      try {
        r = e.probe.report();
      } catch {
        continue;
      }
      if (r.status !== 'fired') continue;
      e.logged = true;
      const at = r.firedAtMs === null ? '' : r.firedAtMs < 0 ? ' before the run' : ` at ${(r.firedAtMs / 1000).toFixed(1)} s`;
      this.options.log?.(`guard ${r.name} fired${at}: ${r.cause ?? ''} — fix: ${r.fix ?? ''} (the run will be invalid)`);
    }
  }

  /** Before the stack starts. */
  async beforeStack(): Promise<void> {
    await Promise.all(
      this.entries.map(async (e) => {
        if (!e.probe?.beforeStack || e.broken) return;
        try {
          await e.probe.beforeStack();
        } catch (error) {
          e.broken = `the guard failed before the stack started: ${(error as Error).message}`;
        }
      }),
    );
  }

  /** At the workload's start (a performance.now() value): sampling begins. */
  start(workloadStart: number): void {
    if (this.stopped || this.workloadStart !== null) return;
    this.workloadStart = workloadStart;
    this.each('start', (p) => p.start?.(workloadStart));
    this.announce();
    this.timer = setInterval(() => this.sampleNow(), this.intervalMs);
    this.timer.unref();
  }

  private elapsed(): number {
    return this.workloadStart === null ? 0 : this.env.now() - this.workloadStart;
  }

  /** One sample of every guard now (the timer calls it each interval). */
  sampleNow(): void {
    if (this.workloadStart === null) return;
    const t = this.elapsed();
    this.lastSampleMs = t;
    this.each('a sample', (p) => p.sample(t));
    this.announce();
  }

  /** An errno one of the harness's requests failed with. */
  noteError(code: string | undefined): void {
    if (!code || this.workloadStart === null) return;
    const t = this.elapsed();
    this.each('noting an error', (p) => p.noteError?.(code, t));
    this.announce();
  }

  /** The load ended: one last sample, then the periodic ones stop. */
  stopSampling(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.sampleNow();
    }
    this.each('stop', (p) => p.stop?.());
  }

  /** After the final reads, before the stack stops (its logs are still there). */
  close(): void {
    if (this.stopped) return;
    this.stopSampling();
    this.stopped = true;
    if (this.workloadStart === null) return;
    const t = this.elapsed();
    this.lastSampleMs = t;
    this.each('the closing sample', (p) => p.close?.(t));
    this.announce();
  }

  section(): GuardsSection {
    const guards = this.entries.map((e): GuardReport => {
      const base = { name: e.kind.name, title: e.kind.title, threshold: e.kind.threshold, samples: 0, summary: {}, firedAtMs: null, cause: null, fix: null };
      if (!e.probe) return { ...base, status: 'not-available', reason: e.broken ?? 'not created' };
      let r: GuardReport;
      try {
        r = e.probe.report();
      } catch (error) {
        return { ...base, status: 'not-available', reason: `the guard failed to report: ${(error as Error).message}` };
      }
      // A guard that broke after firing keeps its firing; otherwise it says it could not look.
      if (e.broken && r.status !== 'fired') return { ...r, status: 'not-available', reason: e.broken };
      return r;
    });
    return { intervalMs: this.intervalMs, lastSampleMs: Math.round(this.lastSampleMs), guards };
  }
}
