/** Reading connection counters: nginx stub_status, the socket table, and the PHP-FPM connection count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FpmConnectionTracker, parseProcNetTcp, parseSsOutput, parseStubStatus, type FpmSockets } from '../../harness/topology/connection-counters.js';
import { applyOverrides } from '../../harness/cli/scenario-overrides.js';
import { InvalidInputError } from '../../harness/errors.js';
import { seriesLabels, seriesStyles } from '../../harness/report/series-style.js';
import { optionalSections } from '../../harness/report/optional-section-html.js';
import { connectionsText } from '../../harness/runner/summary.js';
import { resultSchema, type ConnectionsSection } from '../../harness/results/result-schema.js';
import { makeResult } from '../fixtures/report/make-fixtures.js';

test('stub_status: accepts, handled, requests and the worker PID header', () => {
  const text = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Nginx-Pid: 4242\r\n\r\nActive connections: 1 \nserver accepts handled requests\n 52 51 170 \nReading: 0 Writing: 1 Waiting: 0 \n';
  assert.deepEqual(parseStubStatus(text), { pid: 4242, accepts: 52, handled: 51, requests: 170 });
  assert.equal(parseStubStatus('Active connections: 1\nserver accepts handled requests\n 1 1 1\n')?.pid, null);
  assert.equal(parseStubStatus('<html>403 Forbidden</html>'), null);
});

// 127.0.0.1:9000 = 0100007F:2328; nginx side 127.0.0.1:40000 = 9C40, :40002 = 9C42, :40004 = 9C44.
const procNetTcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2328 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:2328 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:2328 0100007F:9C42 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   4: 0100007F:9C44 0100007F:2328 06 00000000:00000000 03:00000BB8 00000000     0        0 0 3 0000000000000000
   5: 0100007F:1F90 0100007F:9C46 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
`;

test('/proc/net/tcp: open connections seen from PHP-FPM\'s side, TIME_WAIT on either side, other ports left out', () => {
  const sockets = parseProcNetTcp(procNetTcp, [9000]).get(9000)!;
  assert.deepEqual(sockets.established, [40000]);
  assert.deepEqual(sockets.timeWait, [
    { peerPort: 40002, remainingS: 60 },
    { peerPort: 40004, remainingS: 30 },
  ]);
});

test('ss -tanoH: the same reading from ss output', () => {
  const ss = [
    'LISTEN    0      4096   127.0.0.1:9000   0.0.0.0:*',
    'ESTAB     0      0      127.0.0.1:9000   127.0.0.1:40000',
    'ESTAB     0      0      127.0.0.1:40000  127.0.0.1:9000',
    'TIME-WAIT 0      0      127.0.0.1:9000   127.0.0.1:40002 timer:(timewait,59sec,0)',
    'TIME-WAIT 0      0      127.0.0.1:40004  127.0.0.1:9000 timer:(timewait,1min,0)',
    'TIME-WAIT 0      0      127.0.0.1:9001   127.0.0.1:40006 timer:(timewait,800ms,0)',
  ].join('\n');
  const all = parseSsOutput(ss, [9000, 9001]);
  assert.deepEqual(all.get(9000), { established: [40000], timeWait: [{ peerPort: 40002, remainingS: 59 }, { peerPort: 40004, remainingS: 60 }] });
  assert.deepEqual(all.get(9001), { established: [], timeWait: [{ peerPort: 40006, remainingS: 0.8 }] });
});

const reading = (established: number[], timeWait: Array<[port: number, remainingS: number]>): FpmSockets => ({
  established,
  timeWait: timeWait.map(([peerPort, remainingS]) => ({ peerPort, remainingS })),
});

test('FPM connections: each TIME_WAIT entry counted once across readings; what was there at the baseline is not new', () => {
  // Baseline at t=100: one kept connection open (40000), one old TIME_WAIT (40002).
  const tracker = new FpmConnectionTracker(reading([40000], [[40002, 30]]), 100);
  // t=101: three connections came and went; the old entry is seen again (one second less left).
  assert.equal(tracker.update(reading([40000], [[40002, 29], [41000, 59.5], [41002, 59.8], [41004, 60]]), 101), 3);
  // t=102: the same three, a second older, and one more.
  assert.equal(tracker.update(reading([40000], [[40002, 28], [41000, 58.5], [41002, 58.8], [41004, 59], [41006, 59.9]]), 102), 1);
  assert.equal(tracker.total, 4);
  // The kept connection from before the baseline closes: not a new one.
  assert.equal(tracker.update(reading([], [[40000, 60], [41006, 58.9]]), 103), 0);
  // A port used again later is a new connection (its entry ends much later).
  assert.equal(tracker.update(reading([], [[41000, 59]]), 110), 1);
  assert.equal(tracker.total, 5);
});

test('FPM connections: kept connections opened during the run count once, whether they end cleanly, are reset, or stay open', () => {
  const tracker = new FpmConnectionTracker(reading([], []), 0);
  tracker.update(reading([50000, 50002, 50004], []), 1);
  assert.equal(tracker.total, 3, 'open at a reading: counted');
  // 50000 closed cleanly (TIME_WAIT), 50002 was reset (a killed node: gone without TIME_WAIT), 50004 stays open.
  tracker.update(reading([50004], [[50000, 59]]), 2);
  assert.equal(tracker.total, 3, 'the count never goes down, nothing counted twice');
  tracker.update(reading([50004, 50006], [[50000, 58]]), 3);
  assert.equal(tracker.total, 4);
});

test('FPM connections: a socket cookie (ss -e) tells entries apart exactly, a kernel address only with the port and end time', () => {
  const ss = (lines: string[]) => parseSsOutput(lines.join('\n'), [9000]).get(9000)!;
  const tw = (port: number, left: string, cookie: string) => `TIME-WAIT 0 0 127.0.0.1:9000 127.0.0.1:${port} timer:(timewait,${left},0) ino:0 sk:${cookie}`;
  const tracker = new FpmConnectionTracker(ss([]), 0);
  // Port 41000 used twice within a second: two sockets, two cookies.
  assert.equal(tracker.update(ss([tw(41000, '59sec', '5f344')]), 1), 1);
  assert.equal(tracker.update(ss([tw(41000, '59sec', '6561e'), tw(41002, '40sec', '5f345')]), 1.5), 2);
  // The same cookie seen later is the same entry, whatever the timer says.
  assert.equal(tracker.update(ss([tw(41000, '3sec', '6561e')]), 50), 0);
  assert.equal(tracker.total, 3);
  // /proc/net/tcp: the entry's kernel address, which a later entry may reuse: told apart by when it ends.
  const line = (port: number, ticks: number, address: string) =>
    `   1: 0100007F:2328 0100007F:${port.toString(16).toUpperCase()} 06 00000000:00000000 03:${ticks.toString(16).padStart(8, '0')} 00000000     0        0 0 3 ${address}`;
  const proc = (lines: string[]) => parseProcNetTcp(lines.join('\n'), [9000]).get(9000)!;
  assert.deepEqual(proc([line(41000, 6000, '0000000047e45ff0')]).timeWait, [{ peerPort: 41000, remainingS: 60, address: '0000000047e45ff0' }]);
  const t2 = new FpmConnectionTracker(proc([]), 0);
  assert.equal(t2.update(proc([line(41000, 6000, '0000000047e45ff0')]), 1), 1);
  assert.equal(t2.update(proc([line(41000, 5900, '0000000047e45ff0')]), 2), 0, 'the same entry a second later');
  assert.equal(t2.update(proc([line(41000, 6000, '0000000047e45ff0')]), 12), 1, 'same port and address, ten seconds later: a new entry');
});

test('--connection-reuse: a preset into topology.connectionReuse; anything else names the flag', () => {
  const scenario = { name: 'x', topology: { strategy: 'redis' }, workload: { users: 1, connections: 1, duration: '1s' } };
  assert.equal(applyOverrides(scenario, { 'connection-reuse': 'production' }).topology.connectionReuse, 'production');
  assert.equal(applyOverrides(scenario, {}).topology.connectionReuse, undefined);
  assert.throws(() => applyOverrides(scenario, { 'connection-reuse': 'always' }), (e: unknown) => e instanceof InvalidInputError && /--connection-reuse "always".*stock, production, none/.test(e.message));
});

function connections(setting: 'stock' | 'production', perRequest: number): ConnectionsSection {
  const on = setting === 'production';
  const link = (method: string, lowerBound?: string) => ({ newConnections: Math.round(perRequest * 1000), requests: 1000, perRequest, method, ...(lowerBound ? { lowerBound } : {}) });
  return {
    reuse: { setting, balancer: on, fastcgi: on, redis: on },
    intervalMs: 1000,
    links: { balancer: link('stub_status'), fastcgi: link('TIME_WAIT', 'at least: recycled'), redis: link('INFO') },
    nodes: { 'node-1': { accepts: 1000, requests: 1000, fpmConnections: 990, restarts: 0, missedSamples: 0 } },
    redisRestarts: 0,
    timeline: [{ t: 1000, requests: 1000, balancer: 1000, fastcgi: 990, redis: null }],
    notes: [],
  };
}

test('result.connections: schema, summary text, report section and series labels that say the reuse', () => {
  const stock = { ...makeResult({ strategy: 'redis' }), connections: connections('stock', 1) };
  const production = { ...makeResult({ strategy: 'redis', runId: 'run-2' }), connections: connections('production', 0.0012) };
  assert.deepEqual(resultSchema.parse(production).connections, production.connections);
  assert.equal(connectionsText(stock.connections), 'balancer->node 1.00 · nginx->php-fpm >=1.00 · php->redis 1.00');
  assert.equal(connectionsText(production.connections), 'balancer->node 0.001 · nginx->php-fpm >=0.001 · php->redis 0.001');
  assert.deepEqual(seriesLabels([stock, production]), ['redis · reuse stock', 'redis · reuse production']);
  assert.deepEqual(seriesLabels([stock, { ...stock, runId: 'other' }]), [`redis (${stock.runId})`, 'redis (other)'], 'same reuse: no suffix');
  const section = optionalSections([stock, production], seriesStyles([stock, production])).find((x) => x.id === 'connections');
  assert.ok(section, 'no connections section in the report');
  assert.match(section.html, /node nginx → PHP-FPM/);
  assert.match(section.html, /title="at least: recycled">≥ 1</, 'a lower bound is marked, with its reason');
  assert.equal(optionalSections([makeResult({ strategy: 'files' })], seriesStyles([makeResult({ strategy: 'files' })])).find((x) => x.id === 'connections'), undefined);
});
