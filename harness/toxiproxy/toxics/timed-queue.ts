/**
 * An in-order queue that releases each chunk at a time computed when it reaches the head.
 * Shared by the timing toxics (latency, bandwidth, slicer). One timer at a time; a timer
 * that fires early (Node timers have 1 ms granularity on a cached clock) is re-armed, so a
 * chunk is never released early; the last sub-millisecond is waited with setImmediate
 * within a process-wide CPU budget (spin-budget.ts), otherwise with a 1 ms timer.
 */
import type { Chunk } from './toxic-type.js';
import { chunkBytes } from './toxic-type.js';
import { takeSpin } from './spin-budget.js';
import { MAX_TIMER_MS } from './toxic-type.js';

export class TimedQueue {
  private queue: Chunk[] = [];
  private headIndex = 0;
  private bytes = 0;
  private headDue: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private disposed = false;
  /** Due time of the chunk we busy-wait for (its spin budget is already taken). */
  private spinDue: number | null = null;

  constructor(
    /** Release time (performance.now() scale) of the chunk now at the head. */
    private readonly dueOf: (chunk: Chunk, now: number) => number,
    private readonly release: (chunk: Chunk) => void,
  ) {}

  push(chunk: Chunk): void {
    if (this.disposed) return;
    this.queue.push(chunk);
    this.bytes += chunk.data?.length ?? 0;
    if (this.timer === null && this.immediate === null) this.pump();
  }

  pendingBytes(): number {
    return this.bytes;
  }

  takePending(): Chunk[] {
    const rest = this.queue.slice(this.headIndex);
    this.dispose();
    return rest;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.queue = [];
    this.headIndex = 0;
    this.bytes = 0;
  }

  private readonly wake = (): void => {
    this.timer = null;
    this.pump();
  };

  private readonly spin = (): void => {
    this.immediate = null;
    this.pump();
  };

  private pump(): void {
    while (!this.disposed && this.headIndex < this.queue.length) {
      const chunk = this.queue[this.headIndex]!;
      const now = performance.now();
      if (this.headDue === null) this.headDue = this.dueOf(chunk, now);
      const wait = this.headDue - now;
      if (wait >= 1) {
        this.timer = setTimeout(this.wake, Math.min(Math.floor(wait), MAX_TIMER_MS)); // re-armed if early
        return;
      }
      if (wait > 0) {
        if (this.spinDue === this.headDue || takeSpin(wait)) {
          this.spinDue = this.headDue;
          this.immediate = setImmediate(this.spin);
        } else {
          this.timer = setTimeout(this.wake, 1);
        }
        return;
      }
      this.headDue = null;
      this.headIndex++;
      this.bytes -= chunk.data?.length ?? 0;
      if (this.headIndex > 1024 && this.headIndex * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.headIndex);
        this.headIndex = 0;
      }
      this.release(chunk);
    }
  }
}

export { chunkBytes };
