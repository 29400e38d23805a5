/**
 * What runs as each node (processes or a container), with the checks every provider makes the
 * same way: an unknown name is bad input; a kill that finds nothing to kill, or a restore of a
 * node that runs, did not happen, and the run records it as failed.
 */
import { HarnessError, InvalidInputError } from '../errors.js';

export class NodeSlots<T> {
  private readonly slots = new Map<string, T | null>();
  /** Nodes whose processes are stopped (node-hang): running, but answering nothing. */
  private readonly paused = new Set<string>();

  constructor(readonly names: readonly string[]) {
    for (const name of names) this.slots.set(name, null);
  }

  private check(name: string): void {
    if (!this.slots.has(name)) throw new InvalidInputError(`unknown node "${name}": this topology has ${this.names.join(', ')}`);
  }

  /** What runs as the node, or null while it is down. */
  get(name: string): T | null {
    this.check(name);
    return this.slots.get(name) ?? null;
  }

  set(name: string, running: T): void {
    this.check(name);
    this.slots.set(name, running);
  }

  /** For a kill: takes what runs (the node counts as dead from now on). */
  take(name: string): T {
    const running = this.get(name);
    if (running === null) throw new HarnessError(`${name} is not running (already killed): nothing to kill`);
    this.slots.set(name, null);
    this.paused.delete(name);
    return running;
  }

  /** For a hang: what runs, now marked paused. A node that is down or already paused did not hang. */
  pause(name: string): T {
    const running = this.get(name);
    if (running === null) throw new HarnessError(`${name} is not running (killed): nothing to pause`);
    if (this.paused.has(name)) throw new HarnessError(`${name} is already paused`);
    this.paused.add(name);
    return running;
  }

  /** For the heal of a hang: the node must be paused. */
  resume(name: string): T {
    const running = this.get(name);
    if (running === null || !this.paused.has(name)) throw new HarnessError(`${name} is not paused: nothing to resume`);
    this.paused.delete(name);
    return running;
  }

  isPaused(name: string): boolean {
    return this.paused.has(name);
  }

  /** For a restore: the node must be down. */
  assertDown(name: string): void {
    if (this.get(name) !== null) throw new HarnessError(`${name} is running; kill it before restoring it`);
  }

  running(): Array<[string, T]> {
    return [...this.slots].filter((e): e is [string, T] => e[1] !== null);
  }
}
