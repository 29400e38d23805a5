/**
 * The cluster watcher's diffing (harness/redis-inspect/cluster-tracker.ts), fed successive
 * CLUSTER NODES views as a failover goes by: one event per real change, whichever and however
 * many nodes report it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterNodes } from '../../harness/redis-inspect/cluster-nodes.js';
import { ClusterTracker, type ClusterEvent } from '../../harness/redis-inspect/cluster-tracker.js';

const names = ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];
const addresses = names.map((name, i) => ({ name, host: '127.0.0.1', port: 7001 + i }));
const idOf = (name: string) => String(names.indexOf(name) + 1).repeat(40);

interface NodeSpec {
  name: string;
  role: 'master' | 'slave';
  master?: string;
  epoch: number;
  slots?: string;
  flag?: 'fail' | 'fail?';
}

/** A CLUSTER NODES reply as `observer` writes it; `announced`: the ip:port each node announces. */
function view(observer: string, nodes: NodeSpec[], announced = (name: string) => `127.0.0.1:${7001 + names.indexOf(name)}`): string {
  return nodes
    .map((n) => {
      const flags = [...(n.name === observer ? ['myself'] : []), n.role, ...(n.flag ? [n.flag] : [])].join(',');
      const port = Number(announced(n.name).split(':')[1]);
      return `${idOf(n.name)} ${announced(n.name)}@${port + 10000} ${flags} ${n.master ? idOf(n.master) : '-'} 0 0 ${n.epoch} ${n.flag ? 'disconnected' : 'connected'} ${n.slots ?? ''}`.trim();
    })
    .join('\n');
}

const healthy: NodeSpec[] = [
  { name: 'redis-1', role: 'master', epoch: 1, slots: '0-5460' },
  { name: 'redis-2', role: 'master', epoch: 2, slots: '5461-10922' },
  { name: 'redis-3', role: 'master', epoch: 3, slots: '10923-16383' },
  { name: 'redis-4', role: 'slave', master: 'redis-2', epoch: 2 },
  { name: 'redis-5', role: 'slave', master: 'redis-3', epoch: 3 },
  { name: 'redis-6', role: 'slave', master: 'redis-1', epoch: 1 },
];
const withNode = (nodes: NodeSpec[], name: string, change: Partial<NodeSpec>): NodeSpec[] =>
  nodes.map((n) => (n.name === name ? { ...n, ...change } : n));

function feed(tracker: ClusterTracker, at: number, observer: string, nodes: NodeSpec[], state: 'ok' | 'fail' = 'ok'): ClusterEvent[] {
  return tracker.observe({ observer, at, entries: parseClusterNodes(view(observer, nodes)), state });
}

const brief = (events: readonly ClusterEvent[]) => events.map(({ at, ...rest }) => ({ at, ...rest }));

test('a master failover: pfail, fail, promoted, cluster-state, each once; then the old master rejoins as a replica', () => {
  const tracker = new ClusterTracker(addresses);
  for (const name of names) assert.deepEqual(feed(tracker, 0, name, healthy), [], 'the first views are a baseline');
  const snapshot = tracker.snapshot()!;
  assert.deepEqual(snapshot.slots, [
    { start: 0, end: 5460, master: 'redis-1' },
    { start: 5461, end: 10922, master: 'redis-2' },
    { start: 10923, end: 16383, master: 'redis-3' },
  ]);
  assert.equal(snapshot.roles['redis-6'], 'replica');
  assert.equal(snapshot.masters['redis-6'], 'redis-1');

  // redis-1 is killed: it stops answering; first one peer suspects it, then several.
  tracker.unreachable('redis-1');
  const suspected = withNode(healthy, 'redis-1', { flag: 'fail?' });
  assert.deepEqual(brief(feed(tracker, 100, 'redis-2', suspected)), [{ at: 100, type: 'pfail', node: 'redis-1', role: 'master', by: 'redis-2' }]);
  assert.deepEqual(feed(tracker, 110, 'redis-3', suspected), [], 'a second suspicion of the same node is not a new event');
  // The majority agrees: FAIL, and the nodes' cluster_state goes fail (one event per node).
  const failed = withNode(healthy, 'redis-1', { flag: 'fail' });
  assert.deepEqual(brief(feed(tracker, 200, 'redis-3', failed, 'fail')), [
    { at: 200, type: 'cluster-state', node: 'redis-3', state: 'fail' },
    { at: 200, type: 'fail', node: 'redis-1', role: 'master', by: 'redis-3' },
  ]);
  for (const name of ['redis-2', 'redis-4', 'redis-5']) {
    assert.deepEqual(feed(tracker, 210, name, failed, 'fail').map((e) => e.type), ['cluster-state'], `${name}: only its own cluster_state`);
  }
  // redis-6 wins the election: it says so itself first (epoch 7), the others still list redis-1.
  const promoted = withNode(withNode(failed, 'redis-6', { role: 'master', master: undefined, epoch: 7, slots: '0-5460' }), 'redis-1', { slots: undefined });
  assert.deepEqual(brief(feed(tracker, 300, 'redis-6', promoted, 'ok')), [
    { at: 300, type: 'promoted', node: 'redis-6', from: 'redis-1', slots: [[0, 5460]] },
  ]);
  // The stale views of the others (redis-1 still listed with 0-5460 at epoch 1) change nothing.
  assert.deepEqual(feed(tracker, 310, 'redis-2', failed, 'fail'), []);
  for (const name of ['redis-2', 'redis-3', 'redis-4', 'redis-5']) {
    assert.deepEqual(feed(tracker, 320, name, promoted, 'ok').map((e) => e.type), ['cluster-state']);
  }
  assert.deepEqual(tracker.snapshot()!.slots[0], { start: 0, end: 5460, master: 'redis-6' });

  // redis-1 comes back: it still thinks it is a master (its own word), the others still flag it.
  const back = withNode(healthy, 'redis-6', { role: 'master', master: undefined, epoch: 7, slots: '0-5460' });
  // (CLUSTER NODES lists nodes in no set order: its own stale claim comes last here.)
  assert.deepEqual(feed(tracker, 400, 'redis-1', [...back].reverse(), 'fail'), [], 'its old claim (epoch 1) loses to epoch 7');
  // It learns the new configuration: a replica of redis-6.
  const rejoined = withNode(back, 'redis-1', { role: 'slave', master: 'redis-6', epoch: 7, slots: undefined });
  assert.deepEqual(brief(feed(tracker, 500, 'redis-1', promoted.map((n) => (n.name === 'redis-1' ? rejoined[0]! : n)), 'ok')), [
    { at: 500, type: 'cluster-state', node: 'redis-1', state: 'ok' },
    { at: 500, type: 'demoted', node: 'redis-1', master: 'redis-6' },
  ]);
  // The flag clears only when no answering node flags it any more.
  const cleared = rejoined;
  const flaggedStill = withNode(rejoined, 'redis-1', { flag: 'fail' });
  for (const name of ['redis-2', 'redis-3', 'redis-4']) feed(tracker, 600, name, cleared);
  feed(tracker, 600, 'redis-6', cleared);
  assert.deepEqual(feed(tracker, 610, 'redis-5', flaggedStill), []);
  assert.deepEqual(brief(feed(tracker, 700, 'redis-5', cleared)), [{ at: 700, type: 'rejoined', node: 'redis-1', was: 'fail' }]);

  assert.deepEqual(
    tracker.events().map((e) => `${e.type} ${e.node}`),
    [
      'pfail redis-1',
      'cluster-state redis-3',
      'fail redis-1',
      'cluster-state redis-2',
      'cluster-state redis-4',
      'cluster-state redis-5',
      'promoted redis-6',
      'cluster-state redis-2',
      'cluster-state redis-3',
      'cluster-state redis-4',
      'cluster-state redis-5',
      'cluster-state redis-1',
      'demoted redis-1',
      'rejoined redis-1',
    ],
  );
});

test('a promotion a peer reports before the promoted node itself is one promoted event (the newer epoch wins over its own stale word)', () => {
  const tracker = new ClusterTracker(addresses);
  for (const name of names) feed(tracker, 0, name, healthy);
  tracker.unreachable('redis-1');
  const failed = withNode(healthy, 'redis-1', { flag: 'fail' });
  for (const name of ['redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6']) feed(tracker, 100, name, failed);
  const promoted = withNode(withNode(failed, 'redis-6', { role: 'master', master: undefined, epoch: 7, slots: '0-5460' }), 'redis-1', { slots: undefined });
  // redis-3 has heard of the election; redis-6's own last answer (a replica, epoch 1) is older.
  assert.deepEqual(brief(feed(tracker, 200, 'redis-3', promoted)), [{ at: 200, type: 'promoted', node: 'redis-6', from: 'redis-1', slots: [[0, 5460]] }]);
  assert.deepEqual(feed(tracker, 230, 'redis-6', promoted), []);
  assert.deepEqual(feed(tracker, 240, 'redis-2', failed), [], 'a stale view of the old configuration changes nothing');
  assert.deepEqual(tracker.events().map((e) => e.type), ['fail', 'promoted']);
});

test('slots moved between masters (resharding) are one event per (old, new) owner', () => {
  const tracker = new ClusterTracker(addresses);
  for (const name of names) feed(tracker, 0, name, healthy);
  const moved = withNode(withNode(healthy, 'redis-3', { epoch: 8, slots: '5461-5470 5480 10923-16383' }), 'redis-2', { slots: '5471-5479 5481-10922' });
  assert.deepEqual(brief(feed(tracker, 50, 'redis-3', moved)), [{ at: 50, type: 'slots-moved', node: 'redis-3', from: 'redis-2', slots: [[5461, 5470], [5480, 5480]] }]);
  assert.deepEqual(feed(tracker, 60, 'redis-2', moved), []);
});

test('a dropped view stops counting: a node nobody flags any more is rejoined; names come from each node\'s own line', () => {
  // Addresses that match nothing (a NAT'd deployment): names come from `myself` lines.
  const tracker = new ClusterTracker(names.map((name, i) => ({ name, host: '10.9.9.9', port: 1 + i })));
  for (const name of names) feed(tracker, 0, name, healthy);
  assert.equal(tracker.nameOf(idOf('redis-5')), 'redis-5');
  assert.equal(tracker.nameOf('f'.repeat(40)), 'ffffffff');
  const suspected = withNode(healthy, 'redis-4', { flag: 'fail?' });
  assert.deepEqual(feed(tracker, 10, 'redis-2', suspected).map((e) => e.type), ['pfail']);
  tracker.unreachable('redis-2');
  assert.deepEqual(brief(feed(tracker, 20, 'redis-3', healthy)), [{ at: 20, type: 'rejoined', node: 'redis-4', was: 'pfail' }]);
});

test('nodes on one port (docker: own IPs, all on 6379) are named by host:port; the port alone names them only when it is unique', () => {
  const ipOf = (name: string) => `10.231.5.${101 + names.indexOf(name)}`;
  const onePort = names.map((name) => ({ name, host: ipOf(name), port: 6379 }));
  // Only redis-2 answers: every other node's name comes from the address its view gives.
  const seenBy2 = (tracker: ClusterTracker, announced: (name: string) => string) =>
    tracker.observe({ observer: 'redis-2', at: 0, entries: parseClusterNodes(view('redis-2', healthy, announced)), state: 'ok' });
  const docker = new ClusterTracker(onePort);
  seenBy2(docker, (name) => `${ipOf(name)}:6379`);
  const expected = { 'redis-4': 'redis-2', 'redis-5': 'redis-3', 'redis-6': 'redis-1' };
  assert.deepEqual(docker.snapshot()!.slots.map((s) => s.master), ['redis-1', 'redis-2', 'redis-3']);
  assert.deepEqual(docker.snapshot()!.masters, expected);
  // The local partition relay: every node announces 127.0.2.1 with its own port.
  const relayed = new ClusterTracker(addresses);
  seenBy2(relayed, (name) => `127.0.2.1:${7001 + names.indexOf(name)}`);
  assert.deepEqual(relayed.snapshot()!.masters, expected);
  // A host nobody has, on a port all share: no guess.
  const unknown = new ClusterTracker(onePort);
  seenBy2(unknown, (name) => `10.9.9.${names.indexOf(name) + 1}:6379`);
  assert.equal(unknown.nameOf(idOf('redis-5')), '55555555');
});

test('events past maxEvents are counted, not kept', () => {
  const tracker = new ClusterTracker(addresses, { maxEvents: 1 });
  feed(tracker, 0, 'redis-2', healthy, 'ok');
  feed(tracker, 1, 'redis-2', healthy, 'fail');
  feed(tracker, 2, 'redis-2', healthy, 'ok');
  feed(tracker, 3, 'redis-2', healthy, 'fail');
  assert.equal(tracker.events().length, 1);
  assert.equal(tracker.dropped(), 2);
});
