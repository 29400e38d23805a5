// The fixtures under test/fixtures/logs/ are real lines of this machine's servers (PHP 8.2 +
// phpredis 5.3.7, php-fpm 8.2, nginx, HAProxy 2.6, redis 7.0.15), captured from scenario runs
// and a few by hand (a killed php-fpm child, a full pool, a manual BGSAVE), written in UTC on
// 2026-12-05 and 2026-12-06 (nginx-access and redis-info: a node kill, a redis-eviction run,
// the balancer's config in front of dead nodes, a Redis pushed to OOM, maxclients and a restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evidenceKinds, logFormats, type EvidenceKind, type LogFormat } from '../../harness/evidence/evidence-types.js';
import { MAX_LINE_CHARS, parseLog } from '../../harness/evidence/parse-log.js';
import { formatsWithoutParser } from '../../harness/evidence/log-formats/log-format-registry.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'logs');
const fixture = (format: LogFormat) => readFileSync(join(fixtures, `${format}.log`), 'utf8');

/** Runs fn with the harness's local zone set to tz (php-fpm, nginx and redis write local time). */
function inZone<T>(tz: string, fn: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

const parse = (format: LogFormat, text = fixture(format), tz = 'UTC') => inZone(tz, () => parseLog({ component: 'c', format }, text));
const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const kindOfLine = (format: LogFormat, text: string) => {
  const events = parse(format, text).events;
  assert.equal(events.length, 1, `one event for ${text}`);
  return events[0]!.kind;
};

const expectedKinds: Record<LogFormat, EvidenceKind[]> = {
  'php-error': ['session-read-failed', 'session-write-failed', 'session-start-failed', 'lock-not-acquired', 'redis-connection-failed', 'redis-oom', 'cluster-down', 'php-fatal'],
  'php-fpm': ['worker-pool-exhausted', 'worker-killed', 'other'],
  'nginx-error': ['upstream-connect-failed', 'upstream-timeout', 'upstream-reset', 'no-live-upstream'],
  haproxy: ['server-down', 'server-up', 'no-live-upstream', 'upstream-connect-failed', 'other'],
  redis: ['redis-restart', 'redis-oom', 'cluster-down', 'cluster-failover', 'redis-persistence', 'redis-connection-failed', 'other'],
  'redis-latency': ['redis-slow'],
  'nginx-access': ['request-retried', 'request-failed', 'no-live-upstream'],
  'redis-info': ['redis-evicted', 'redis-connection-rejected', 'redis-oom', 'redis-restart'],
};

test('every log format has a parser', () => {
  assert.deepEqual(formatsWithoutParser(), []);
  assert.throws(() => parseLog({ component: 'x', format: 'syslog' as LogFormat }, 'a'), /no parser for log format "syslog"/);
});

for (const format of logFormats) {
  test(`${format}: the real fixture gives every expected kind, each event in the catalogue and within 500 characters`, () => {
    const parsed = parse(format);
    const kinds = new Set(parsed.events.map((e) => e.kind));
    for (const kind of expectedKinds[format]) assert.ok(kinds.has(kind), `${format}: no ${kind} event (got ${[...kinds].join(', ')})`);
    for (const e of parsed.events) {
      assert.ok(evidenceKinds.includes(e.kind));
      assert.ok(e.line.length <= MAX_LINE_CHARS);
      assert.equal(e.component, 'c');
      assert.equal(e.format, format);
      assert.ok(Number.isFinite(e.atMs) && e.atMs > utc(2026, 12, 5, 0, 0, 0) && e.atMs < utc(2026, 12, 7, 0, 0, 0), `${format}: ${e.atMs} for ${e.line}`);
    }
  });
}

test('php-error: times in the named zone, stack traces joined to their entry, kinds line by line', () => {
  const parsed = parse('php-error');
  const lines = fixture('php-error').split('\n').filter(Boolean);
  assert.equal(parsed.events.length, lines.filter((l) => l.startsWith('[')).length);
  assert.equal(parsed.untimed, 0, 'every continuation line belongs to an entry');
  assert.equal(parsed.resolutionMs, 1000);
  const first = parsed.events[0]!;
  assert.equal(first.atMs, utc(2026, 12, 5, 10, 22, 42));
  assert.equal(first.kind, 'session-read-failed');
  // UTC is named in the line: the harness's own zone does not move it.
  assert.equal(parse('php-error', undefined, 'America/New_York').events[0]!.atMs, first.atMs);
  const oom = parsed.events.find((e) => e.kind === 'redis-oom')!;
  assert.match(oom.line, /^\[05-Dec-2026 10:24:30 UTC\] PHP Fatal error: {2}Uncaught RedisException: OOM command not allowed/);
  assert.match(oom.line, /\nStack trace:\n#0 .*session_write_close\(\)\n/);
  assert.match(oom.line, /\n {0}thrown in \/work\/main\/harness\/php-app\/index\.php on line 84$/);
  const byMessage = (text: string) => parsed.events.find((e) => e.line.includes(text))?.kind;
  assert.equal(byMessage('Failed to write session data (redis)'), 'session-write-failed');
  assert.equal(byMessage('Acquire of session lock was not successful'), 'lock-not-acquired');
  assert.equal(byMessage('(CLUSTERDOWN)'), 'cluster-down');
  assert.equal(byMessage('Timed out attempting to find data in the correct node'), 'cluster-down');
  assert.equal(byMessage('read error on connection'), 'redis-connection-failed');
  assert.equal(byMessage('Uncaught RedisException: Connection refused'), 'redis-connection-failed');
  assert.equal(byMessage('Failed to initialize storage module'), 'session-start-failed');
  assert.equal(byMessage('Call to undefined function'), 'php-fatal');
});

test('php-error: a zone named by IANA id or offset, an unknown zone is untimed', () => {
  const at = (zone: string) => parse('php-error', `[05-Dec-2026 10:15:53 ${zone}] PHP Warning:  x\n`).events[0]?.atMs;
  assert.equal(at('Europe/Berlin'), utc(2026, 12, 5, 9, 15, 53));
  assert.equal(at('America/New_York'), utc(2026, 12, 5, 15, 15, 53));
  assert.equal(parse('php-error', '[05-Jul-2026 10:15:53 Europe/Berlin] PHP Warning:  x').events[0]!.atMs, utc(2026, 7, 5, 8, 15, 53));
  assert.equal(at('+02:00'), utc(2026, 12, 5, 8, 15, 53));
  assert.equal(at('Mars/Olympus'), undefined);
  assert.equal(parse('php-error', '[05-Dec-2026 10:15:53 Mars/Olympus] PHP Warning:  x').untimed, 1);
  assert.equal(kindOfLine('php-error', '[05-Dec-2026 10:15:53 UTC] PHP Warning:  Undefined variable $x in /a.php on line 2'), 'php-warning');
  assert.equal(kindOfLine('php-error', '[05-Dec-2026 10:15:53 UTC] PHP Notice:  Something'), 'other');
});

test('php-fpm: local time, kinds line by line', () => {
  const parsed = parse('php-fpm');
  assert.equal(parsed.untimed, 0);
  assert.equal(parsed.events.length, fixture('php-fpm').split('\n').filter(Boolean).length);
  const killed = parsed.events.filter((e) => e.kind === 'worker-killed');
  assert.deepEqual(killed.map((e) => e.line.match(/child \d+(,| exited on signal \d+)/)?.[0]), [
    'child 7822 exited on signal 9',
    'child 7877,',
    'child 7877 exited on signal 15',
  ]);
  assert.equal(killed[0]!.atMs, utc(2026, 12, 5, 10, 28, 15));
  const full = parsed.events.find((e) => e.kind === 'worker-pool-exhausted')!;
  assert.equal(full.atMs, utc(2026, 12, 5, 10, 28, 32));
  // The same text read on a machine in New York is 5 hours later in UTC.
  assert.equal(parse('php-fpm', undefined, 'America/New_York').events.find((e) => e.kind === 'worker-pool-exhausted')!.atMs, utc(2026, 12, 5, 15, 28, 32));
  assert.equal(parse('php-fpm', '[05-Dec-2026 10:15:53.250000] DEBUG: x').events[0]!.atMs, utc(2026, 12, 5, 10, 15, 53, 250));
});

test('nginx-error: local time, kinds line by line', () => {
  const parsed = parse('nginx-error');
  assert.equal(parsed.untimed, 0);
  assert.deepEqual(
    parsed.events.map((e) => e.kind),
    ['upstream-connect-failed', 'upstream-connect-failed', 'upstream-reset', 'upstream-reset', 'upstream-connect-failed', 'upstream-connect-failed', 'upstream-timeout', 'upstream-reset', 'upstream-reset', 'upstream-connect-failed', 'upstream-connect-failed', 'no-live-upstream', 'upstream-timeout'],
  );
  assert.equal(parsed.events[0]!.atMs, utc(2026, 12, 5, 10, 22, 38));
  assert.equal(parse('nginx-error', undefined, 'Asia/Tokyo').events[0]!.atMs, utc(2026, 12, 5, 1, 22, 38));
});

test('haproxy: ISO stamps with their offset, state changes, failed checks and failed requests', () => {
  const parsed = parse('haproxy');
  const text = fixture('haproxy');
  // HAProxy's stderr copies of its warnings ("[WARNING]  (pid) : ...") carry no time.
  assert.equal(parsed.untimed, text.split('\n').filter((l) => l.startsWith('[')).length);
  assert.ok(parsed.untimed > 0);
  assert.equal(parsed.resolutionMs, 1);
  assert.equal(parsed.events[0]!.atMs, utc(2026, 12, 5, 10, 22, 57, 289));
  const down = parsed.events.find((e) => e.kind === 'server-down')!;
  assert.match(down.line, /Server php_nodes\/node-2 is DOWN/);
  assert.equal(down.atMs, utc(2026, 12, 5, 10, 23, 1, 975));
  const byMessage = (text: string) => parsed.events.filter((e) => e.line.includes(text)).map((e) => e.kind);
  assert.deepEqual(byMessage('is UP'), ['server-up']);
  assert.deepEqual(byMessage('has no server available'), ['no-live-upstream']);
  assert.deepEqual(byMessage('<NOSRV>'), ['no-live-upstream']);
  assert.deepEqual(byMessage(' SCNN 1/1/0/0/3 '), ['upstream-connect-failed']);
  assert.ok(byMessage('Layer4 connection problem').every((k) => k === 'upstream-connect-failed'));
  assert.ok(byMessage('/+1 ').every((k) => k === 'upstream-connect-failed'), 'a redispatched request');
  assert.ok(byMessage('succeeded').every((k) => k === 'other'));
  assert.deepEqual(byMessage(' 502 289 - - --VN'), ['other', 'other'], 'a 502 of the node: its own log says why');
  // The offset is the line's: no local-time reading.
  assert.equal(parse('haproxy', '2026-12-05T12:00:00.5+02:00 Server b/s is UP.').events[0]!.atMs, utc(2026, 12, 5, 10, 0, 0, 500));
  assert.equal(parse('haproxy', '2026-12-05T10:00:00Z Server b/s is DOWN.').events[0]!.kind, 'server-down');
});

test('redis: ms local time, epoch-second signal lines, kinds line by line', () => {
  const parsed = parse('redis');
  assert.equal(parsed.untimed, 0);
  assert.equal(parsed.resolutionMs, 1);
  assert.equal(parsed.events[0]!.atMs, utc(2026, 12, 5, 10, 24, 23, 85));
  const signal = parsed.events.find((e) => e.line.includes('signal-handler'))!;
  assert.equal(signal.atMs, 1796466276_000);
  assert.equal(parse('redis', undefined, 'America/New_York').events.find((e) => e.line.includes('signal-handler'))!.atMs, 1796466276_000);
  assert.equal(parse('redis', undefined, 'America/New_York').events[0]!.atMs, utc(2026, 12, 5, 15, 24, 23, 85));
  const byMessage = (text: string) => [...new Set(parsed.events.filter((e) => e.line.includes(text)).map((e) => e.kind))];
  assert.deepEqual(byMessage('Redis is starting'), ['redis-restart']);
  assert.deepEqual(byMessage('the new maxmemory value'), ['redis-oom']);
  assert.deepEqual(byMessage('Marking node'), ['cluster-down']);
  assert.deepEqual(byMessage('FAIL message received'), ['cluster-down']);
  assert.deepEqual(byMessage('Cluster state changed: fail'), ['cluster-down']);
  assert.deepEqual(byMessage('Cluster state changed: ok'), ['other']);
  assert.deepEqual(byMessage('Failover election won'), ['cluster-failover']);
  assert.deepEqual(byMessage('after successful failover'), ['cluster-failover']);
  assert.deepEqual(byMessage('Reconfiguring myself as a replica'), ['cluster-failover']);
  assert.deepEqual(byMessage('via CLUSTER SET-CONFIG-EPOCH'), ['other'], 'a new cluster is not a failover');
  assert.deepEqual(byMessage('Connection with master lost'), ['redis-connection-failed']);
  for (const saved of ['DB saved on disk', 'Background saving started', 'Saving the final RDB snapshot', 'Background AOF rewrite', 'DB loaded from', 'Reading RDB base file']) {
    assert.deepEqual(byMessage(saved), ['redis-persistence'], saved);
  }
  assert.deepEqual(byMessage('Loading RDB produced by version'), ['other'], 'a replica loading its master\'s RDB is not persistence');
});

test('garbage never throws: binary, empty, huge, untimed and impossible dates are counted', () => {
  const huge = 'x'.repeat(1_000_000);
  const garbage = ['\u0000\u0001\u00ff\ufffd binary', '', '   ', huge, 'no timestamp here', '#0 a stack line with no entry above it'];
  const timedLine: Record<LogFormat, string> = {
    'php-error': '[05-Dec-2026 10:15:53 UTC] PHP Warning:  session_start(): Failed to read session data: redis (path: tcp://r)',
    'php-fpm': '[05-Dec-2026 10:15:53] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it',
    'nginx-error': '2026/12/05 10:15:53 [error] 1#1: *1 no live upstreams while connecting to upstream',
    haproxy: '2026-12-05T10:15:53.000000+00:00 Server php_nodes/node-1 is DOWN.',
    redis: '1:M 05 Dec 2026 10:15:53.000 # Cluster state changed: fail',
    'redis-latency': '1796465753 command 120 ms',
    'nginx-access': '1796465753.000 status=502 upstream="127.0.0.1:1, 127.0.0.1:2" upstream_status="502, 502" rt=0.001 "GET / HTTP/1.1"',
    'redis-info': '1796465753000 evicted_keys +3 (1 -> 4)',
  };
  const impossible: Record<LogFormat, string> = {
    'php-error': '[45-Foo-2026 10:15:53 UTC] PHP Warning:  x',
    'php-fpm': '[05-Dec-2026 99:15:53] WARNING: x',
    'nginx-error': '2026/13/45 10:15:53 [error] x',
    haproxy: '2026-12-05T10:75:53.000+00:00 x',
    redis: '1:M 05 Dex 2026 10:15:53.000 # x',
    'redis-latency': '179647012099999 command 120 ms',
    'nginx-access': '179646575x.000 status=502 x',
    'redis-info': '17964657530 evicted_keys +3 (1 -> 4)',
  };
  for (const format of logFormats) {
    // Garbage first (no entry to continue), then a real entry, then the garbage again.
    const text = [...garbage, impossible[format], timedLine[format], ...garbage, `${timedLine[format]} ${huge}`].join('\r\n');
    const parsed = parse(format, text);
    assert.equal(parsed.events.length, 2, format);
    assert.notEqual(parsed.events[0]!.kind, 'other', `${format}: ${parsed.events[0]!.kind}`);
    assert.equal(parsed.events[1]!.line.length, MAX_LINE_CHARS, `${format}: the huge line is cut`);
    assert.equal(parsed.events[0]!.atMs, utc(2026, 12, 5, 10, 15, 53));
    // php-error: '   ' and '#0 ...' after the entry are its continuation lines.
    const continued = format === 'php-error' ? 1 : 0;
    assert.equal(parsed.untimed, garbage.length * 2 + 1 - continued, format);
    assert.deepEqual(parse(format, ''), { events: [], untimed: 0, resolutionMs: parsed.resolutionMs });
  }
});

test('a stack trace longer than 500 characters is cut, the next entry starts clean', () => {
  const trace = Array.from({ length: 40 }, (_, i) => `#${i} /work/main/harness/php-app/index.php(84): session_write_close()`).join('\n');
  const text = `[05-Dec-2026 10:15:53 UTC] PHP Fatal error:  Uncaught RedisException: read error on connection to tcp://127.0.0.1:1\nStack trace:\n${trace}\n[05-Dec-2026 10:15:54 UTC] PHP Warning:  session_start(): Failed to read session data: redis (path: x)`;
  const parsed = parse('php-error', text);
  assert.equal(parsed.events.length, 2);
  assert.equal(parsed.events[0]!.line.length, MAX_LINE_CHARS);
  assert.equal(parsed.events[0]!.kind, 'redis-connection-failed');
  assert.equal(parsed.events[1]!.kind, 'session-read-failed');
  assert.equal(parsed.untimed, 0);
});

test('speed: 100,000 lines take about ten times 10,000 lines (linear), every format', () => {
  for (const format of logFormats) {
    const lines = fixture(format).split('\n').filter(Boolean);
    const text = (n: number) => Array.from({ length: n }, (_, i) => lines[i % lines.length]).join('\n');
    const small = text(10_000);
    const large = text(100_000);
    const time = (t: string) => {
      const start = performance.now();
      const parsed = parse(format, t);
      return { ms: performance.now() - start, parsed };
    };
    time(small); // warm up the JIT
    // The quickest of three: a machine busy with other work slows single timings, never speeds them up.
    const best = (t: string) => [time(t), time(t), time(t)].sort((x, y) => x.ms - y.ms)[0]!;
    const a = best(small);
    const b = best(large);
    assert.ok(b.parsed.events.length >= a.parsed.events.length * 9, format);
    // Below 10 ms a timing is mostly noise (GC, timer): floor it. Linear is 10 (the larger run
    // pays more GC: up to ~25 seen here); quadratic would be 100.
    const ratio = b.ms / Math.max(a.ms, 10);
    assert.ok(ratio < 50, `${format}: 100k lines took ${b.ms.toFixed(0)} ms, 10k ${a.ms.toFixed(0)} ms (ratio ${ratio.toFixed(1)})`);
  }
});

test('redis-latency: LATENCY HISTORY samples (epoch seconds, event, ms) are redis-slow events at their second', () => {
  const { events, untimed, resolutionMs } = parse('redis-latency');
  assert.equal(untimed, 0);
  assert.equal(resolutionMs, 1000);
  assert.deepEqual(events.map((e) => [e.atMs, e.kind]), [[1796470120_000, 'redis-slow'], [1796470122_000, 'redis-slow'], [1796470123_000, 'redis-slow']]);
  assert.match(events[1]!.line, /command 752 ms/);
});

test('a source names its zone (containers run with TZ=UTC): local-time stamps are read there, not in the harness zone', () => {
  const lines: Partial<Record<LogFormat, string>> = {
    'php-fpm': '[05-Dec-2026 10:15:53] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it',
    'nginx-error': '2026/12/05 10:15:53 [error] 1#1: *1 no live upstreams while connecting to upstream',
    redis: '1:M 05 Dec 2026 10:15:53.000 # Cluster state changed: fail',
  };
  for (const [format, line] of Object.entries(lines) as Array<[LogFormat, string]>) {
    const at = (zone: string | undefined, tz: string) => inZone(tz, () => parseLog({ component: 'c', format, ...(zone ? { zone } : {}) }, line).events[0]!.atMs);
    assert.equal(at('UTC', 'America/New_York'), utc(2026, 12, 5, 10, 15, 53), `${format}: named UTC`);
    assert.equal(at('+02:00', 'UTC'), utc(2026, 12, 5, 8, 15, 53), `${format}: named offset`);
    // No zone named: the harness's own.
    assert.equal(at(undefined, 'America/New_York'), utc(2026, 12, 5, 15, 15, 53), `${format}: harness zone`);
  }
});

test('a counter line stands for its growth; other lines for one', () => {
  const info = parseLog({ component: 'redis', format: 'redis-info' }, '1796573561718 evicted_keys +740 (0 -> 740)\n1796573612784 run_id changed (c65bdee2 -> a49b666a): Redis restarted');
  assert.deepEqual(info.events.map((e) => [e.kind, e.count ?? 1]), [['redis-evicted', 740], ['redis-restart', 1]]);
  assert.equal(info.events[0]!.atMs, 1796573561718);
});
