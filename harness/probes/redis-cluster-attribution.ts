/**
 * Which master each user's session lived on, and what its users went through: a user belongs
 * to the master that owned its final session key's slot when the load started, so a report can
 * show whether only the failed master's users suffered or the whole cluster's did.
 *
 * Memory stays bounded for 10,000 users and 100k+ requests: counters per user (typed arrays),
 * and only the non-ok answers kept, as user indexes bucketed per second.
 */
import { userVerdict, type UserModel } from '../checks/session-checker.js';
import { CLUSTER_SLOTS, keySlot } from '../redis-inspect/cluster-nodes.js';
import type { SlotOwnership } from '../redis-inspect/cluster-tracker.js';
import type { RequestRecord } from '../workload/load-events.js';
import { UNATTRIBUTED, type OwnerFigures, type RedisClusterSection } from './redis-cluster-section.js';

/** slot -> master name (null: nobody owned it), from a slot map. */
export function slotLookup(slots: readonly SlotOwnership[]): (slot: number) => string | null {
  const owners = new Array<string | null>(CLUSTER_SLOTS).fill(null);
  for (const { start, end, master } of slots) for (let s = start; s <= end; s++) owners[s] = master;
  return (slot) => owners[slot] ?? null;
}

/** The master a user's session key hashed to (by `ownerOf`), or null without a session id. */
export function ownerOfUser(user: Pick<UserModel, 'cookies'>, cookieName: string, prefix: string, ownerOf: (slot: number) => string | null): string | null {
  const sid = user.cookies.get(cookieName);
  return sid ? ownerOf(keySlot(prefix + sid)) : null;
}

function grow(array: Uint32Array<ArrayBuffer>, index: number): Uint32Array<ArrayBuffer> {
  if (index < array.length) return array;
  const bigger = new Uint32Array(Math.max(index + 1, array.length * 2));
  bigger.set(array);
  return bigger;
}

/** Per-user request counters through the load. */
export class OwnerTally {
  private requests: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private nonOk: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private errors: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  /** second of the load -> user indexes of its non-ok answers. */
  private readonly nonOkBySecond = new Map<number, number[]>();

  record(r: Pick<RequestRecord, 't' | 'userIndex'> & { check: Pick<RequestRecord['check'], 'outcome'> }): void {
    const i = r.userIndex;
    if (i >= this.requests.length) {
      this.requests = grow(this.requests, i);
      this.nonOk = grow(this.nonOk, i);
      this.errors = grow(this.errors, i);
    }
    this.requests[i]!++;
    if (r.check.outcome === 'ok') return;
    this.nonOk[i]!++;
    if (r.check.outcome === 'error') this.errors[i]!++;
    const second = Math.max(0, Math.floor(r.t / 1000));
    const bucket = this.nonOkBySecond.get(second);
    if (bucket) bucket.push(i);
    else this.nonOkBySecond.set(second, [i]);
  }

  /**
   * The figures per master (in `masters` order), the unattributed rest, and the non-ok answers
   * per second by master. `users[i]` is the user of userIndex i; `ownerOf(user)` its master.
   */
  summarize(
    users: readonly UserModel[],
    ownerOf: (user: UserModel) => string | null,
    masters: ReadonlyArray<{ master: string; slots: number }>,
  ): Pick<RedisClusterSection, 'perOwner' | 'unattributed' | 'errorsPerSecondByOwner'> {
    const empty = (): OwnerFigures => ({ users: 0, requests: 0, nonOk: 0, errors: 0, lostUsers: 0 });
    const byMaster = new Map(masters.map((m) => [m.master, empty()]));
    const unattributed = empty();
    const owners: Array<string | null> = users.map((user, i) => {
      const owner = ownerOf(user);
      const figures = (owner !== null && byMaster.get(owner)) || unattributed;
      figures.users++;
      figures.requests += this.requests[i] ?? 0;
      figures.nonOk += this.nonOk[i] ?? 0;
      figures.errors += this.errors[i] ?? 0;
      if (userVerdict(user) === 'lost') figures.lostUsers++;
      return owner !== null && byMaster.has(owner) ? owner : null;
    });
    const errorsPerSecondByOwner = [...this.nonOkBySecond.keys()]
      .sort((a, b) => a - b)
      .map((t) => {
        const byOwner: Record<string, number> = {};
        for (const i of this.nonOkBySecond.get(t)!) {
          const key = owners[i] ?? UNATTRIBUTED;
          byOwner[key] = (byOwner[key] ?? 0) + 1;
        }
        return { t, byOwner };
      });
    return {
      perOwner: masters.map((m) => ({ master: m.master, slots: m.slots, ...byMaster.get(m.master)! })),
      unattributed,
      errorsPerSecondByOwner,
    };
  }
}
