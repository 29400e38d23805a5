/**
 * The fault schedule (Jepsen's nemesis): applies each fault at `at`, heals it at `restoreAt`
 * or `at + duration`, and heals whatever is still applied when the run ends or is aborted
 * (for the kinds that need it). Every window records what really happened: when its apply
 * and heal completed, and `apply-failed` / `heal-failed` with the error — a fault that did
 * not happen is never reported as one that held.
 */
import { performance } from 'node:perf_hooks';
import type { FaultSpec } from '../scenario/scenario-schema.js';
import { parseTimePoint } from '../scenario/duration.js';
import type { FaultWindow } from '../results/result-schema.js';
import type { FaultContext, FaultKind } from './fault-kind.js';
import { findFault } from './fault-registry.js';

interface Entry {
  spec: FaultSpec;
  kind: FaultKind;
  window: FaultWindow | null;
  /** The apply in progress or done (heal waits for it). */
  applying: Promise<boolean> | null;
  healed: boolean;
  timers: NodeJS.Timeout[];
}

function params(spec: FaultSpec): Record<string, unknown> {
  const { type: _t, target: _g, at: _a, ...rest } = spec;
  return rest;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class FaultSchedule {
  private readonly entries: Entry[];
  private startedAt = 0;
  private readonly pending = new Set<Promise<unknown>>();
  readonly errors: string[] = [];
  private windows: FaultWindow[] | null = null;

  get finished(): boolean {
    return this.windows !== null;
  }

  constructor(
    faults: FaultSpec[],
    private readonly ctx: FaultContext,
    /** The workload's planned duration, for times given as a share ("33%"). */
    private readonly runDurationMs: number | undefined,
  ) {
    this.entries = faults.map((spec) => ({ spec, kind: findFault(spec.type)!, window: null, applying: null, healed: false, timers: [] }));
  }

  private now(): number {
    return performance.now() - this.startedAt;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => {});
    return work;
  }

  start(startedAt: number): void {
    this.startedAt = startedAt;
    for (const entry of this.entries) {
      const at = parseTimePoint(entry.spec.at, this.runDurationMs);
      const healAt = entry.spec.restoreAt
        ? parseTimePoint(entry.spec.restoreAt, this.runDurationMs)
        : entry.spec.duration
          ? at + parseTimePoint(entry.spec.duration, this.runDurationMs)
          : undefined;
      entry.timers.push(setTimeout(() => this.apply(entry), at));
      if (healAt !== undefined) entry.timers.push(setTimeout(() => void this.track(this.heal(entry)), healAt));
    }
  }

  private apply(entry: Entry): void {
    const startMs = this.now();
    const target = entry.spec.target ?? entry.kind.defaultTarget;
    const window: FaultWindow = {
      type: entry.spec.type,
      target,
      startMs,
      endMs: startMs,
      label: `${entry.spec.type} ${target}`,
      params: params(entry.spec),
      status: 'applied',
    };
    entry.window = window;
    entry.applying = this.track(
      entry.kind.apply(this.ctx, entry.spec).then(
        () => {
          window.appliedAtMs = this.now();
          return true;
        },
        (error: unknown) => {
          window.status = 'apply-failed';
          window.error = `apply failed: ${message(error)}`;
          window.endMs = this.now();
          this.errors.push(`${window.label}: ${window.error}`);
          return false;
        },
      ),
    );
  }

  private async heal(entry: Entry, atTeardown = false): Promise<void> {
    if (!entry.applying || entry.healed) return;
    entry.healed = true;
    // A heal waits for its apply; a fault that never took effect has nothing to heal.
    if (!(await entry.applying)) return;
    const window = entry.window!;
    try {
      const observed = await entry.kind.heal(this.ctx, entry.spec);
      window.healedAtMs = this.now();
      if (observed) window.observed = observed;
    } catch (error) {
      window.status = 'heal-failed';
      window.error = `heal${atTeardown ? ' at the end of the run' : ''} failed: ${message(error)}`;
      this.errors.push(`${window.label}: ${window.error}`);
    }
    if (!atTeardown) window.endMs = window.healedAtMs ?? this.now();
  }

  /** Cancels what has not happened yet and heals what is applied. Returns the windows. */
  async finish(runEndMs: number, healApplied = true): Promise<FaultWindow[]> {
    if (this.windows) return this.windows;
    for (const entry of this.entries) entry.timers.forEach(clearTimeout);
    await Promise.allSettled([...this.pending]);
    for (const entry of this.entries) {
      if (!entry.applying || entry.healed || entry.window?.status === 'apply-failed') continue;
      // Never healed within the run: its window lasts until the end of the run.
      entry.window!.endMs = runEndMs;
      if (healApplied && entry.kind.healAtTeardown) await this.heal(entry, true);
      else entry.healed = true;
    }
    this.windows = this.entries.flatMap((e) => (e.window ? [e.window] : []));
    return this.windows;
  }
}
