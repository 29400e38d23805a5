/**
 * The fault schedule (Jepsen's nemesis): applies each fault at `at`, heals it at `restoreAt`
 * or `at + duration`, records its window, and heals whatever is still applied when the run
 * ends or is aborted.
 */
import { performance } from 'node:perf_hooks';
import type { FaultSpec } from '../scenario/scenario-schema.js';
import { parseTimePoint } from '../scenario/duration.js';
import type { FaultWindow } from '../results/result-schema.js';
import type { FaultContext } from './fault-kind.js';
import { findFault } from './fault-registry.js';

interface Entry {
  spec: FaultSpec;
  window: FaultWindow | null;
  applied: boolean;
  healed: boolean;
  timers: NodeJS.Timeout[];
}

function params(spec: FaultSpec): Record<string, unknown> {
  const { type: _t, target: _g, at: _a, ...rest } = spec;
  return rest;
}

export class FaultSchedule {
  private readonly entries: Entry[];
  private startedAt = 0;
  private readonly pending = new Set<Promise<void>>();
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
    this.entries = faults.map((spec) => ({ spec, window: null, applied: false, healed: false, timers: [] }));
  }

  private now(): number {
    return performance.now() - this.startedAt;
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  start(startedAt: number): void {
    this.startedAt = startedAt;
    for (const entry of this.entries) {
      const kind = findFault(entry.spec.type)!;
      const at = parseTimePoint(entry.spec.at, this.runDurationMs);
      const healAt = entry.spec.restoreAt
        ? parseTimePoint(entry.spec.restoreAt, this.runDurationMs)
        : entry.spec.duration
          ? at + parseTimePoint(entry.spec.duration, this.runDurationMs)
          : undefined;
      entry.timers.push(
        setTimeout(() => {
          const startMs = this.now();
          entry.window = {
            type: entry.spec.type,
            target: entry.spec.target ?? kind.defaultTarget,
            startMs,
            endMs: startMs,
            label: `${entry.spec.type} ${entry.spec.target ?? kind.defaultTarget}`,
            params: params(entry.spec),
          };
          entry.applied = true;
          this.track(
            kind.apply(this.ctx, entry.spec).catch((error: unknown) => {
              this.errors.push(`${entry.window!.label}: apply failed: ${(error as Error).message}`);
            }),
          );
        }, at),
      );
      if (healAt !== undefined) {
        entry.timers.push(setTimeout(() => this.track(this.heal(entry)), healAt));
      }
    }
  }

  private async heal(entry: Entry): Promise<void> {
    if (!entry.applied || entry.healed) return;
    entry.healed = true;
    // Wait for a still-running apply before healing.
    await Promise.allSettled([...this.pending].filter((p) => p !== undefined));
    const kind = findFault(entry.spec.type)!;
    try {
      await kind.heal(this.ctx, entry.spec);
    } catch (error) {
      this.errors.push(`${entry.window?.label}: heal failed: ${(error as Error).message}`);
    }
    if (entry.window) entry.window.endMs = this.now();
  }

  /** Cancels what has not happened yet and heals what is applied. Returns the windows. */
  async finish(runEndMs: number, healApplied = true): Promise<FaultWindow[]> {
    if (this.windows) return this.windows;
    for (const entry of this.entries) entry.timers.forEach(clearTimeout);
    await Promise.allSettled([...this.pending]);
    for (const entry of this.entries) {
      if (entry.applied && !entry.healed) {
        // Never healed within the run: its window lasts until the end of the run.
        if (entry.window) entry.window.endMs = runEndMs;
        if (healApplied) {
          const kind = findFault(entry.spec.type)!;
          entry.healed = true;
          // node-kill without restoreAt needs no heal at teardown (the stack is stopped anyway).
          if (kind.type !== 'node-kill') {
            await kind.heal(this.ctx, entry.spec).catch((error: unknown) => {
              this.errors.push(`${entry.window?.label}: heal at end failed: ${(error as Error).message}`);
            });
          }
        }
      }
    }
    this.windows = this.entries.flatMap((e) => (e.window ? [e.window] : []));
    return this.windows;
  }
}
