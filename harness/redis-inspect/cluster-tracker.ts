/**
 * Turns what each Redis Cluster node says (its CLUSTER NODES and CLUSTER INFO, polled by
 * cluster-watch.ts) into events: one per real change of the cluster, not one per node that
 * noticed it. Pure: fed observations, no Redis.
 *
 * The nodes' views are merged into one state each time a node answers, from the views of the
 * nodes whose latest poll answered (a killed node's last view is dropped, not kept forever):
 * - a node is `fail` when any node flags it `fail` (a majority of masters agreed), else
 *   `pfail` when any flags it `fail?` (one node's suspicion), else not flagged; a node never
 *   flags itself;
 * - its role (master / replica of whom) is the word with the highest config epoch (a replica
 *   reports its master's): a promotion or a demotion comes with a newer epoch, so whoever
 *   reports it first, the node itself or a peer, is believed; at equal epochs the node's own
 *   word, else what most answering nodes say;
 * - a slot belongs to the master claiming it with the highest config epoch, Redis's own rule:
 *   a promoted replica claims its master's slots under a new, higher epoch, so the promotion
 *   shows as soon as one view has it.
 * The merged state is diffed with the previous one. Each node's cluster_state is its own
 * fact: a change of it is one event for that node.
 */
import { CLUSTER_SLOTS, toSlotRanges, type ClusterNodeEntry, type SlotRange } from './cluster-nodes.js';
import { clusterNodeNames, type NodeNameLookup } from './cluster-node-names.js';

export const clusterEventTypes = ['pfail', 'fail', 'rejoined', 'promoted', 'demoted', 'slots-moved', 'cluster-state'] as const;
export type ClusterEventType = (typeof clusterEventTypes)[number];

export interface ClusterEvent {
  /** performance.now() of the answer that showed the change. */
  at: number;
  type: ClusterEventType;
  /** The node concerned: the flagged, promoted, demoted or rejoined node, the new owner of moved slots, the node whose cluster_state changed. */
  node: string;
  /** pfail / fail: its role when flagged. */
  role?: 'master' | 'replica';
  /** pfail / fail: a node that flagged it. */
  by?: string;
  /** rejoined: the flag it had. */
  was?: 'pfail' | 'fail';
  /** promoted: the master whose slots it took (its old master when the slots had moved already); slots-moved: the old owner (null: unassigned). */
  from?: string | null;
  /** demoted: the master it now replicates. */
  master?: string | null;
  /** promoted: the slots it owns now; slots-moved: the slots that moved. */
  slots?: SlotRange[];
  /** cluster-state: the node's new cluster_state. */
  state?: 'ok' | 'fail';
}

export interface ClusterObservation {
  /** The node that answered (a configured name: redis-1, ...). */
  observer: string;
  /** performance.now() at the answer. */
  at: number;
  entries: readonly ClusterNodeEntry[];
  /** cluster_state from its CLUSTER INFO (null: not read). */
  state: 'ok' | 'fail' | null;
}

export interface ClusterNodeAddress {
  name: string;
  host: string;
  port: number;
}

interface NodeState {
  role: 'master' | 'replica';
  masterId: string | null;
  failure: 'fail' | 'pfail' | null;
  flaggedBy: string | null;
}

interface MergedState {
  nodes: Map<string, NodeState>;
  /** slot -> owner id (null: nobody claims it). */
  owners: Array<string | null>;
}

/** One slot range and the master that owned it (by name). */
export interface SlotOwnership {
  start: number;
  end: number;
  master: string;
}

export interface ClusterSnapshot {
  /** Slot ranges -> master name, sorted by slot. */
  slots: SlotOwnership[];
  /** Node name -> role, for the nodes the merged view knows. */
  roles: Record<string, 'master' | 'replica'>;
  /** Node name -> the master it replicates (replicas only). */
  masters: Record<string, string | null>;
}

export interface ClusterTrackerOptions {
  /** Events kept (later ones are counted in `dropped`); default 500. */
  maxEvents?: number;
}

export class ClusterTracker {
  private readonly views = new Map<string, ClusterObservation>();
  private readonly lastClusterState = new Map<string, 'ok' | 'fail'>();
  /** id -> name, learned from each node's own line (`myself`); addresses are the fallback. */
  private readonly idNames = new Map<string, string>();
  private readonly nameAtAddress: NodeNameLookup;
  private state: MergedState | null = null;
  /** Each view's signature when last merged, and whether a view was dropped since. */
  private readonly signatures = new Map<string, string>();
  private viewsChanged = false;
  private readonly kept: ClusterEvent[] = [];
  private droppedEvents = 0;
  private readonly maxEvents: number;

  constructor(nodes: readonly ClusterNodeAddress[], options: ClusterTrackerOptions = {}) {
    // By host:port, else by port (behind the partition relay nodes announce its address with their own ports).
    this.nameAtAddress = clusterNodeNames(nodes);
    this.maxEvents = options.maxEvents ?? 500;
  }

  /** One node's answer: its view replaces its previous one; returns the events it revealed. */
  observe(observation: ClusterObservation): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    for (const e of observation.entries) if (e.myself) this.idNames.set(e.id, observation.observer);
    this.views.set(observation.observer, observation);
    if (observation.state) {
      const before = this.lastClusterState.get(observation.observer);
      if (before && before !== observation.state) events.push({ at: observation.at, type: 'cluster-state', node: observation.observer, state: observation.state });
      this.lastClusterState.set(observation.observer, observation.state);
    }
    // Most answers repeat the last one: merging (16384 slots per master) only when a view changed.
    const signature = viewSignature(observation.entries);
    if (this.state === null || this.viewsChanged || this.signatures.get(observation.observer) !== signature) {
      const next = this.merge();
      if (this.state) events.push(...this.diff(this.state, next, observation.at));
      this.state = next;
      this.viewsChanged = false;
    }
    this.signatures.set(observation.observer, signature);
    for (const event of events) {
      if (this.kept.length < this.maxEvents) this.kept.push(event);
      else this.droppedEvents++;
    }
    return events;
  }

  /**
   * The node did not answer: its view no longer counts (it is not a witness of anything now),
   * and its cluster_state starts over (a restarted node's first answer is a baseline).
   */
  unreachable(observer: string): void {
    if (this.views.delete(observer)) this.viewsChanged = true;
    this.signatures.delete(observer);
    this.lastClusterState.delete(observer);
  }

  /** The name of a node id: from its own line, else its address, else the id's first 8 digits. */
  nameOf(id: string, entry?: Pick<ClusterNodeEntry, 'host' | 'port'>): string {
    const known = this.idNames.get(id);
    if (known) return known;
    if (entry) {
      const byAddress = this.nameAtAddress(entry);
      if (byAddress) return byAddress;
    }
    for (const view of this.views.values()) {
      const e = view.entries.find((x) => x.id === id);
      const byAddress = e && this.nameAtAddress(e);
      if (byAddress) return byAddress;
    }
    return id.slice(0, 8);
  }

  events(): readonly ClusterEvent[] {
    return this.kept;
  }

  dropped(): number {
    return this.droppedEvents;
  }

  /** The merged view now: slot ranges by master, roles; null before any node answered. */
  snapshot(): ClusterSnapshot | null {
    const s = this.state;
    if (!s) return null;
    const slots: SlotOwnership[] = [];
    let start = 0;
    for (let slot = 1; slot <= CLUSTER_SLOTS; slot++) {
      if (slot < CLUSTER_SLOTS && s.owners[slot] === s.owners[start]) continue;
      const owner = s.owners[start];
      if (owner) slots.push({ start, end: slot - 1, master: this.nameOf(owner) });
      start = slot;
    }
    const roles: Record<string, 'master' | 'replica'> = {};
    const masters: Record<string, string | null> = {};
    for (const [id, n] of s.nodes) {
      const name = this.nameOf(id);
      roles[name] = n.role;
      if (n.role === 'replica') masters[name] = n.masterId ? this.nameOf(n.masterId) : null;
    }
    return { slots, roles, masters };
  }

  private merge(): MergedState {
    const views = [...this.views.values()];
    const owners: Array<string | null> = new Array<string | null>(CLUSTER_SLOTS).fill(null);
    const ownerEpoch = new Float64Array(CLUSTER_SLOTS).fill(-1);
    const opinions = new Map<string, Opinion[]>();
    const flags = new Map<string, { failure: 'fail' | 'pfail'; by: string }>();
    for (const view of views) {
      for (const e of view.entries) {
        const list = opinions.get(e.id) ?? [];
        list.push({ role: e.role, masterId: e.masterId, epoch: e.configEpoch, self: e.myself });
        opinions.set(e.id, list);
        if (!e.myself && e.failure) {
          const had = flags.get(e.id);
          if (!had || (had.failure === 'pfail' && e.failure === 'fail')) flags.set(e.id, { failure: e.failure, by: view.observer });
        }
        if (e.role !== 'master') continue;
        for (const [start, end] of e.slots) {
          for (let slot = start; slot <= end; slot++) {
            if (e.configEpoch > ownerEpoch[slot]!) {
              ownerEpoch[slot] = e.configEpoch;
              owners[slot] = e.id;
            }
          }
        }
      }
    }
    const nodes = new Map<string, NodeState>();
    for (const [id, list] of opinions) {
      const { role, masterId } = believe(list);
      const flag = flags.get(id);
      nodes.set(id, { role, masterId, failure: flag?.failure ?? null, flaggedBy: flag?.by ?? null });
    }
    return { nodes, owners };
  }

  private diff(prev: MergedState, next: MergedState, at: number): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    const promoted = new Set<string>();
    for (const [id, now] of next.nodes) {
      const before = prev.nodes.get(id);
      if (!before) continue; // first seen: a baseline, not a change
      const node = this.nameOf(id);
      if (now.failure !== before.failure) {
        if (now.failure === 'fail' || (now.failure === 'pfail' && before.failure === null)) {
          events.push({ at, type: now.failure, node, role: before.role, by: now.flaggedBy! });
        } else if (now.failure === null) {
          events.push({ at, type: 'rejoined', node, was: before.failure! });
        }
      }
      if (before.role === 'replica' && now.role === 'master') {
        promoted.add(id);
        const mine: number[] = [];
        const fromCount = new Map<string, number>();
        for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
          if (next.owners[slot] !== id) continue;
          mine.push(slot);
          const old = prev.owners[slot];
          if (old && old !== id) fromCount.set(old, (fromCount.get(old) ?? 0) + 1);
        }
        const fromId = [...fromCount].sort((a, b) => b[1] - a[1])[0]?.[0] ?? before.masterId;
        events.push({ at, type: 'promoted', node, from: fromId ? this.nameOf(fromId) : null, slots: toSlotRanges(mine) });
      } else if (before.role === 'master' && now.role === 'replica') {
        events.push({ at, type: 'demoted', node, master: now.masterId ? this.nameOf(now.masterId) : null });
      }
    }
    // Slots that changed hands, grouped by (old, new) owner; a promotion above already tells its own.
    const moves = new Map<string, { from: string | null; to: string; slots: number[] }>();
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      const from = prev.owners[slot]!;
      const to = next.owners[slot]!;
      if (from === to || to === null || promoted.has(to)) continue;
      const key = `${from}>${to}`;
      const move = moves.get(key) ?? { from, to, slots: [] };
      move.slots.push(slot);
      moves.set(key, move);
    }
    for (const move of moves.values()) {
      events.push({ at, type: 'slots-moved', node: this.nameOf(move.to), from: move.from ? this.nameOf(move.from) : null, slots: toSlotRanges(move.slots) });
    }
    return events;
  }
}

/** What a view says that the merge reads (not its ping/pong times or link states). */
function viewSignature(entries: readonly ClusterNodeEntry[]): string {
  return entries.map((e) => `${e.id} ${e.host}:${e.port} ${e.myself ? 'self' : ''} ${e.role} ${e.masterId ?? '-'} ${e.failure ?? '-'} ${e.configEpoch} ${e.slots.join(' ')}`).join('\n');
}

interface Opinion {
  role: 'master' | 'replica';
  masterId: string | null;
  epoch: number;
  /** The node's own line. */
  self: boolean;
}

/** The newest word on a node's role: the highest epoch; then its own word; then the majority. */
function believe(list: readonly Opinion[]): { role: 'master' | 'replica'; masterId: string | null } {
  const top = Math.max(...list.map((o) => o.epoch));
  const newest = list.filter((o) => o.epoch === top);
  const own = newest.find((o) => o.self);
  if (own) return own;
  const tally = new Map<string, { opinion: Opinion; votes: number }>();
  for (const o of newest) {
    const key = `${o.role}:${o.masterId ?? '-'}`;
    const t = tally.get(key) ?? { opinion: o, votes: 0 };
    t.votes++;
    tally.set(key, t);
  }
  return [...tally.values()].sort((a, b) => b.votes - a.votes)[0]!.opinion;
}
