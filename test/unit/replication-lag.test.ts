import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LagRecorder, parseReplicationLag } from '../../harness/redis-inspect/replication-lag.js';

// INFO replication of redis 7.0.15 (a cluster master with one replica), trimmed.
const master = [
  '# Replication',
  'role:master',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=40411,state=online,offset=90210,lag=1',
  'master_failover_state:no-failover',
  'master_replid:5b0c9c9e2a1f1f0f8e6c7b7a1d2e3f4a5b6c7d8e',
  'master_repl_offset:90731',
  '',
].join('\r\n');

test('a master: each online replica trails by master_repl_offset minus its offset', () => {
  assert.deepEqual(parseReplicationLag(master), [{ replica: '127.0.0.1:40411', lagBytes: 521, ackAgeS: 1 }]);
  // A replica syncing (state wait_bgsave) has no meaningful offset yet.
  assert.deepEqual(parseReplicationLag(master.replace('state=online', 'state=wait_bgsave')), []);
  // A replica never reports lag of its own.
  assert.deepEqual(parseReplicationLag(master.replace('role:master', 'role:slave')), []);
});

test('the recorder keeps the max and a p99 of the samples', () => {
  const r = new LagRecorder();
  assert.equal(r.summary(), null);
  for (let i = 0; i < 100; i++) r.add([{ replica: 'a', lagBytes: i < 98 ? 0 : 1000 + i, ackAgeS: i === 50 ? 2 : 0 }]);
  assert.deepEqual(r.summary(), { samples: 100, trailingSamples: 2, maxBytes: 1099, p99Bytes: 1098, maxAckAgeS: 2 });
});
