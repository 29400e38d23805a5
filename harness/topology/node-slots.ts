/**
 * What runs as each node (processes or a container), with the checks every provider makes the
 * same way: an unknown name is bad input; a kill that finds nothing to kill, or a restore of a
 * node that runs, did not happen, and the run records it as failed.
 */
import { HarnessError, InvalidInputError } from '../errors.js';

export class NodeSlots<T> {
  private readonly slots = new Map<string, T | null>();

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
    return running;
  }

  /** For a restore: the node must be down. */
  assertDown(name: string): void {
    if (this.get(name) !== null) throw new HarnessError(`${name} is running; kill it before restoring it`);
  }

  running(): Array<[string, T]> {
    return [...this.slots].filter((e): e is [string, T] => e[1] !== null);
  }
}
