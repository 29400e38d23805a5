/**
 * Virtual users live here, apart from the connections that carry their requests (any
 * connection may carry any user). Each user has its own cookie jar and session model, and at
 * most one request in flight, so every answer can be judged against that user's own history.
 */
import { newUserModel, type UserModel } from '../checks/session-checker.js';
import { seededRandom } from './seeded-random.js';

export class VirtualUserPool {
  readonly users: UserModel[];
  private readonly busy: Uint8Array;
  private readonly random: () => number;
  private held = 0;

  constructor(count: number, seed: number) {
    const random = seededRandom(seed);
    this.random = random;
    this.users = Array.from({ length: count }, (_, i) =>
      newUserModel(`u${i + 1}`, `t${i + 1}-${Math.floor(random() * 2 ** 32).toString(36)}`),
    );
    this.busy = new Uint8Array(count);
  }

  /**
   * A random user (seeded) without a request in flight; -1 when all are busy. Random, not
   * round-robin: a fixed user order against a round-robin balancer would send each user to
   * the same node every time and hide what round-robin does to sessions.
   */
  acquire(): number {
    const n = this.users.length;
    const start = Math.floor(this.random() * n);
    for (let step = 0; step < n; step++) {
      const i = (start + step) % n;
      if (this.busy[i] === 0) {
        this.busy[i] = 1;
        return i;
      }
    }
    return -1;
  }

  /**
   * Frees the user for its next request. After a timeout the server may still be working on
   * the old request (and may still write its session): `holdMs` keeps the user busy until the
   * stack can no longer be, so one user never has two requests in flight.
   */
  release(index: number, holdMs = 0): void {
    if (holdMs <= 0) {
      this.busy[index] = 0;
      return;
    }
    this.held++;
    setTimeout(() => {
      this.held--;
      this.busy[index] = 0;
    }, holdMs).unref();
  }

  /** Users held after a timed-out request right now. */
  get heldUsers(): number {
    return this.held;
  }

  isBusy(index: number): boolean {
    return this.busy[index] === 1;
  }
}
