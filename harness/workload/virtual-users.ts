/**
 * Virtual users live here, outside autocannon's per-loop context (which is reset each time a
 * connection loops). Each user has its own cookie jar and session model, and at most one
 * request in flight, so every answer can be judged against that user's own history.
 */
import { newUserModel, type UserModel } from '../checks/session-checker.js';
import { seededRandom } from './seeded-random.js';

export class VirtualUserPool {
  readonly users: UserModel[];
  private readonly busy: Uint8Array;
  private cursor = 0;

  constructor(count: number, seed: number) {
    const random = seededRandom(seed);
    this.users = Array.from({ length: count }, (_, i) =>
      newUserModel(`u${i + 1}`, `t${i + 1}-${Math.floor(random() * 2 ** 32).toString(36)}`),
    );
    this.busy = new Uint8Array(count);
  }

  /** Next user without a request in flight (round-robin); -1 when all are busy. */
  acquire(): number {
    const n = this.users.length;
    for (let step = 0; step < n; step++) {
      const i = this.cursor;
      this.cursor = (this.cursor + 1) % n;
      if (this.busy[i] === 0) {
        this.busy[i] = 1;
        return i;
      }
    }
    return -1;
  }

  release(index: number): void {
    this.busy[index] = 0;
  }

  isBusy(index: number): boolean {
    return this.busy[index] === 1;
  }
}
