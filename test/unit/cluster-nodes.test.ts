/** CLUSTER NODES / CLUSTER INFO parsing and the key -> slot function (harness/redis-inspect/cluster-nodes.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crc16,
  formatSlotRanges,
  keySlot,
  parseClusterInfo,
  parseClusterNodeLine,
  parseClusterNodes,
  slotCount,
  slotOwner,
  toSlotRanges,
} from '../../harness/redis-inspect/cluster-nodes.js';

// Captured from redis-server 7.0.15 (3 masters + 3 replicas), seen from the promoted replica
// after the first master was SIGKILLed: the dead master is `master,fail` without slots.
const afterFailover = `ace8b816cc2aafa7c7424dd0fff28b6f81f56221 127.0.0.1:41117@51117 myself,master - 0 1796463712000 2 connected 5461-10922
5c16e9a2277d05936b99762dd97e4cca43b3562f 127.0.0.1:44229@54229 slave ace8b816cc2aafa7c7424dd0fff28b6f81f56221 0 1796463712671 2 connected
069450b0de9d688852965e618d91376149d550a5 127.0.0.1:35881@45881 slave bb22ca11a6ccfbacca127f6bc0394623fb2f9fc2 0 1796463712671 3 connected
eeafd11dd56a0e623bc82818bcf5588cf30eda1b 127.0.0.1:33193@43193 master - 0 1796463712465 7 connected 0-5460
bb22ca11a6ccfbacca127f6bc0394623fb2f9fc2 127.0.0.1:33959@43959 master - 0 1796463712570 3 connected 10923-16383
16e0ba573918a921dffa7e1ad5148312e7a3055a 127.0.0.1:33159@43159 master,fail - 1796463710132 1796463709627 1 disconnected
`;
// Same run, before the promotion: the dead master suspected by one node (fail?), still listing its slots.
const suspected = '99a1b5a713580a0cdeb058dac4758111244be66d 127.0.0.1:36023@46023 master,fail? - 1796463644127 1796463643622 1 disconnected 0-5460';

test('parses a real CLUSTER NODES reply: masters, replicas, a failed master', () => {
  const entries = parseClusterNodes(afterFailover);
  assert.equal(entries.length, 6);
  const me = entries[0]!;
  assert.deepEqual(
    { id: me.id, host: me.host, port: me.port, busPort: me.busPort, myself: me.myself, role: me.role, masterId: me.masterId, slots: me.slots, epoch: me.configEpoch, link: me.linkState },
    { id: 'ace8b816cc2aafa7c7424dd0fff28b6f81f56221', host: '127.0.0.1', port: 41117, busPort: 51117, myself: true, role: 'master', masterId: null, slots: [[5461, 10922]], epoch: 2, link: 'connected' },
  );
  assert.deepEqual(me.flags, ['myself', 'master']);
  const replica = entries[1]!;
  assert.equal(replica.role, 'replica');
  assert.equal(replica.masterId, 'ace8b816cc2aafa7c7424dd0fff28b6f81f56221');
  assert.deepEqual(replica.slots, []);
  assert.equal(replica.failure, null);
  const dead = entries[5]!;
  assert.deepEqual(dead.flags, ['master', 'fail']);
  assert.equal(dead.failure, 'fail');
  assert.equal(dead.role, 'master');
  assert.equal(dead.linkState, 'disconnected');
  assert.deepEqual(dead.slots, []);
  assert.equal(entries[3]!.configEpoch, 7);
});

test('fail? is a suspicion (pfail), and the suspected master still lists its slots', () => {
  const e = parseClusterNodeLine(suspected);
  assert.equal(e.failure, 'pfail');
  assert.deepEqual(e.flags, ['master', 'fail?']);
  assert.deepEqual(e.slots, [[0, 5460]]);
});

test('hostnames, single slots, importing/migrating markers, replica spelling, other flags', () => {
  const e = parseClusterNodeLine(
    '07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.5:30004@31004,redis-4.local slave,nofailover e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected',
  );
  assert.equal(e.host, '10.0.0.5');
  assert.equal(e.port, 30004);
  assert.deepEqual(e.flags, ['slave', 'nofailover']);
  const m = parseClusterNodeLine(
    'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca [::1]:30001@40001 myself,master - 0 0 1 connected 0-100 200 [93->-292f8b365bb7edb5e285caf0b7e6ddc7265a2f4f] [77-<-292f8b365bb7edb5e285caf0b7e6ddc7265a2f4f]',
  );
  assert.equal(m.host, '[::1]');
  assert.equal(m.port, 30001);
  assert.deepEqual(m.slots, [[0, 100], [200, 200]]);
  const r = parseClusterNodeLine('292f8b365bb7edb5e285caf0b7e6ddc7265a2f4f 127.0.0.1:7001@17001 replica,handshake e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 0 0 connected');
  assert.equal(r.role, 'replica');
  assert.deepEqual(r.flags, ['slave', 'handshake']);
  const noaddr = parseClusterNodeLine('292f8b365bb7edb5e285caf0b7e6ddc7265a2f4f :0@0 master,noaddr - 0 0 0 disconnected');
  assert.equal(noaddr.port, 0);
  assert.deepEqual(noaddr.flags, ['master', 'noaddr']);
});

test('rejects lines that are not CLUSTER NODES lines', () => {
  assert.throws(() => parseClusterNodeLine('hello world'), /at least 8/);
  assert.throws(() => parseClusterNodeLine('xyz 127.0.0.1:1@2 master - 0 0 1 connected'), /40 hex/);
  assert.throws(() => parseClusterNodeLine('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 master - 0 0 1 connected 0-16384'), /outside/);
  assert.throws(() => parseClusterNodeLine('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 master - 0 0 1 up'), /link state/);
});

test('CLUSTER INFO fields', () => {
  const info = parseClusterInfo('cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:6\r\ncluster_current_epoch:7\r\n');
  assert.deepEqual(info, { state: 'fail', currentEpoch: 7, knownNodes: 6, slotsAssigned: 16384 });
  assert.equal(parseClusterInfo('').state, null);
});

test('keySlot matches CLUSTER KEYSLOT (answers of redis-server 7.0.15)', () => {
  // CRC16/XMODEM check value.
  assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
  const answers: Array<[string, number]> = [
    ['PHPREDIS_CLUSTER_SESSION:abcdefabcdefabcdefabcdefabcdef12', 12653],
    ['foo', 12182],
    ['{user1000}.following', 3443],
    ['{}x', 10595], // empty tag: the whole key is hashed
    ['a{}{b}', 15033], // the first { and the next } are empty: the whole key
    ['é{', 6077],
    ['', 0],
  ];
  for (const [key, slot] of answers) assert.equal(keySlot(key), slot, key);
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
  assert.equal(keySlot(Buffer.from('foo')), 12182);
});

test('slotOwner finds the master listing a slot; ranges helpers', () => {
  const entries = parseClusterNodes(afterFailover);
  assert.equal(slotOwner(entries, 0)?.port, 33193);
  assert.equal(slotOwner(entries, 5461)?.port, 41117);
  assert.equal(slotOwner(entries, 16383)?.port, 33959);
  assert.equal(slotOwner(entries.filter((e) => e.port !== 33959), 16383), null);
  assert.deepEqual(toSlotRanges([5, 3, 4, 10, 11, 0]), [[0, 0], [3, 5], [10, 11]]);
  assert.equal(slotCount([[0, 5460], [7, 7]]), 5462);
  assert.equal(formatSlotRanges([[0, 5460], [7, 7]]), '0-5460, 7');
});
