/**
 * Environment guards (harness/guards/): each guard's parsing of its real /proc format and its
 * threshold logic, on fixture texts; the sampler; and what a fired guard does to the verdict,
 * the summary and the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conntrackGuard, parseConntrackStat, suggestedConntrackMax, CONNTRACK_PATHS } from '../../harness/guards/conntrack.js';
import { classifyLogLine, exhaustionGuard, parseSockstat } from '../../harness/guards/exhaustion.js';
import { LagJudge, LAG_LIMIT_MS } from '../../harness/guards/event-loop.js';
import { CpuJudge, CORE_LIMIT } from '../../harness/guards/harness-cpu.js';
import { cpuStealGuard, StealJudge } from '../../harness/guards/cpu-steal.js';
import { preRunLoadGuard, preRunVerdict } from '../../harness/guards/pre-run-load.js';
import { GuardState, type GuardEnvironment, type GuardKind } from '../../harness/guards/guard-kind.js';
import { GuardSampler } from '../../harness/guards/guard-sampler.js';
import { guardNames } from '../../harness/guards/guard-registry.js';
import { busyShare, parseLimit, parseLoadavg, parseProcStat, stealShare, type ReadText } from '../../harness/guards/proc-files.js';
import { conntrackFinding, openFilesFinding, portRangeFinding } from '../../harness/guards/machine-limits.js';
import { guardsSectionSchema, resultSchema, type GuardReport, type RunResult } from '../../harness/results/result-schema.js';
import { builtinChecks, runVerdict } from '../../harness/checks/run-checks.js';
import { applyThresholds } from '../../harness/runner/finish-run.js';
import { formatSummary } from '../../harness/runner/summary.js';
import { renderReport } from '../../harness/report/render-report.js';
import { makeResult } from '../fixtures/results/make-result.js';

// The header of this machine's /proc/net/stat/nf_conntrack (kernel 6.18), two CPUs.
const STAT_HEADER = 'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';
const row = (cells: Partial<Record<string, number>>) =>
  STAT_HEADER.split(/\s+/)
    .map((c) => (cells[c] ?? 0).toString(16).padStart(8, '0'))
    .join(' ');
const stat = (...rows: Array<Partial<Record<string, number>>>) => [STAT_HEADER, ...rows.map(row)].join('\n') + '\n';

/** A ReadText over a mutable map of fixture files; a missing key throws ENOENT like the kernel. */
function fakeProc(files: Record<string, string>): ReadText & { files: Record<string, string> } {
  const read = ((path: string) => {
    const text = read.files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  }) as ReadText & { files: Record<string, string> };
  read.files = files;
  return read;
}

const envOf = (read: ReadText, extra: Partial<GuardEnvironment> = {}): GuardEnvironment => ({
  read,
  now: () => 0,
  sleep: async () => {},
  cpus: 2,
  runDirectory: null,
  ...extra,
});

test('nf_conntrack stat: columns found by the header, hex per-CPU rows summed', () => {
  const c = parseConntrackStat(stat({ drop: 0x0a, early_drop: 1, insert_failed: 2, entries: 300 }, { drop: 0x05, insert_failed: 0x10 }));
  assert.deepEqual(c, { drop: 15, insertFailed: 18, earlyDrop: 1, rows: 2 });
  // An older kernel's header (4.x: searched, delete_list, no clashres): other positions, same columns.
  const old = 'entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';
  const oldRow = old.split(/\s+/).map((name) => (name === 'drop' ? '000000ff' : name === 'searched' ? 'ffffffff' : '00000000')).join(' ');
  assert.equal(parseConntrackStat(`${old}\n${oldRow}\n${oldRow}\n`).drop, 510);
  assert.throws(() => parseConntrackStat('entries found new\n00000001 00000002 00000003\n'), /no "drop" column/);
  assert.throws(() => parseConntrackStat(`${STAT_HEADER}\n`), /no per-CPU row/);
  assert.throws(() => parseConntrackStat(`${STAT_HEADER}\nzz 00\n`), /unreadable row/);
});

test('conntrack guard: fires on drops after the baseline, with when, the cause and the sysctl / NOTRACK fix', async () => {
  const proc = fakeProc({
    [CONNTRACK_PATHS.count]: '120\n',
    [CONNTRACK_PATHS.max]: '262144\n',
    [CONNTRACK_PATHS.stat]: stat({ drop: 7 }, { drop: 1 }),
    [CONNTRACK_PATHS.timeWait]: '120\n',
  });
  const probe = conntrackGuard.create(envOf(proc));
  await probe.beforeStack!();
  proc.files[CONNTRACK_PATHS.count] = '200000\n';
  probe.sample(1000);
  assert.equal(probe.report().status, 'ok', 'drops that happened before the run (the baseline) do not count');
  proc.files[CONNTRACK_PATHS.count] = '262144\n';
  proc.files[CONNTRACK_PATHS.stat] = stat({ drop: 7 + 40, early_drop: 2 }, { drop: 1 + 9 });
  probe.sample(2000);
  proc.files[CONNTRACK_PATHS.stat] = stat({ drop: 100, early_drop: 2 }, { drop: 20, insert_failed: 3 });
  probe.close!(9000);
  const r = probe.report();
  assert.equal(r.status, 'fired');
  assert.equal(r.firedAtMs, 2000, 'when it first fired');
  assert.match(r.cause!, /262,144 of 262,144 entries \(100%\).*dropped 117 new connection\(s\) \(drop \+112, insert_failed \+3, early_drop \+2/);
  assert.match(r.cause!, /table full, dropping packet/);
  assert.match(r.fix!, /sysctl -w net\.netfilter\.nf_conntrack_max=1048576/);
  assert.match(r.fix!, /iptables -t raw -A PREROUTING -i lo -j NOTRACK; iptables -t raw -A OUTPUT -o lo -j NOTRACK/);
  assert.deepEqual(
    { peak: r.summary.countPeak, max: r.summary.max, usage: r.summary.peakUsage, drop: r.summary.drop, tracking: r.summary.tracking, samples: r.samples },
    { peak: 262144, max: 262144, usage: 1, drop: 112, tracking: true, samples: 3 },
  );
  assert.equal(suggestedConntrackMax(1_048_576), 4_194_304);
});

test('conntrack guard: a count that stays 0 is "not tracking", not a pass of a full table; a missing file is not available, with the reason', async () => {
  const idle = fakeProc({ [CONNTRACK_PATHS.count]: '0', [CONNTRACK_PATHS.max]: '262144', [CONNTRACK_PATHS.stat]: stat({}, {}) });
  const p = conntrackGuard.create(envOf(idle));
  await p.beforeStack!();
  p.sample(1000);
  assert.equal(p.report().status, 'ok');
  assert.equal(p.report().summary.tracking, false);

  const none = conntrackGuard.create(envOf(fakeProc({})));
  await none.beforeStack!();
  none.sample(1000);
  const r = none.report();
  assert.equal(r.status, 'not-available');
  assert.match(r.reason!, /\/proc\/sys\/net\/netfilter\/nf_conntrack_count does not exist: netfilter connection tracking is not loaded/);

  const denied = conntrackGuard.create(
    envOf((path) => {
      if (path === CONNTRACK_PATHS.stat) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      return '5';
    }),
  );
  await denied.beforeStack!();
  assert.match(denied.report().reason!, /no permission to read \/proc\/net\/stat\/nf_conntrack/);
});

test('exhaustion: nginx, PHP and HAProxy wording of EADDRNOTAVAIL / EMFILE, and nothing else', () => {
  const ports = [
    '2026/12/02 17:01:02 [crit] 4242#0: *917 connect() to 127.0.0.1:41234 failed (99: Cannot assign requested address) while connecting to upstream, client: 127.0.0.1',
    'PHP Warning:  session_start(): Failed to read session data: redis (path: tcp://127.0.0.1:6379) Cannot assign requested address in /app/index.php on line 9',
    '[WARNING]  (77) : Connect() failed for backend php_nodes: no free ports.',
  ];
  const fds = [
    '2026/12/02 17:01:02 [crit] 4242#0: accept4() failed (24: Too many open files)',
    '[02-Dec-2026 17:01:02] ERROR: failed to accept a connection: Too many open files in system (23)',
  ];
  for (const l of ports) assert.equal(classifyLogLine(l), 'ports', l);
  for (const l of fds) assert.equal(classifyLogLine(l), 'fds', l);
  for (const l of [
    '2026/12/02 17:01:02 [error] 4242#0: *1 connect() failed (111: Connection refused) while connecting to upstream',
    'PHP Warning:  session_start(): Failed to read session data: redis (path: tcp://127.0.0.1:6379) Connection reset by peer',
    '2026/12/02 17:01:02 [warn] 10#0: *3 an upstream response is buffered to a temporary file',
  ]) {
    assert.equal(classifyLogLine(l), null, l);
  }
  assert.deepEqual(parseSockstat('sockets: used 180\nTCP: inuse 12 orphan 0 tw 52671 alloc 20 mem 3\nUDP: inuse 1 mem 0\n'), { inuse: 12, timeWait: 52671 });
});

test('exhaustion guard: fires on the harness\'s own EADDRNOTAVAIL and on a server log line of the run, naming where', () => {
  const harness = exhaustionGuard.create(envOf(fakeProc({})));
  harness.noteError!('ECONNREFUSED', 500);
  harness.noteError!('ECONNRESET', 600);
  assert.equal(harness.report().status, 'ok', 'a refused or reset connection is the stack, not the machine');
  harness.noteError!('EADDRNOTAVAIL', 1500);
  const r = harness.report();
  assert.equal(r.status, 'fired');
  assert.equal(r.firedAtMs, 1500);
  assert.match(r.cause!, /ephemeral ports \(EADDRNOTAVAIL\): 1 error\(s\), first at 1\.5 s in the harness/);
  assert.match(r.fix!, /ip_local_port_range="1024 65535"; sysctl -w net\.ipv4\.tcp_tw_reuse=1/);

  const dir = mkdtempSync(join(tmpdir(), 'psl-guard-logs-'));
  try {
    mkdirSync(join(dir, 'node-1'));
    mkdirSync(join(dir, 'node-1', 'sessions'));
    appendFileSync(join(dir, 'node-1', 'error.log'), '2026/12/02 [warn] 1#0: started\n');
    appendFileSync(join(dir, 'node-1', 'sessions', 'x.log'), 'Too many open files (a session file, never scanned)\n');
    const logs = exhaustionGuard.create(envOf(fakeProc({}), { runDirectory: dir }));
    logs.sample(1000);
    assert.equal(logs.report().status, 'ok');
    appendFileSync(join(dir, 'node-1', 'error.log'), '2026/12/02 [crit] 1#0: accept4() failed (24: Too many open');
    logs.sample(2000);
    assert.equal(logs.report().status, 'ok', 'half a line waits for its end');
    appendFileSync(join(dir, 'node-1', 'error.log'), ' files)\n');
    logs.close!(3000);
    const fired = logs.report();
    assert.equal(fired.status, 'fired');
    assert.equal(fired.firedAtMs, 3000);
    assert.match(fired.cause!, /file descriptors \(EMFILE\/ENFILE\): 1 error\(s\), first at 3\.0 s in node-1\/error\.log: "2026\/12\/02 \[crit\] 1#0: accept4\(\) failed \(24: Too many open files\)"/);
    assert.match(fired.fix!, /ulimit -n 65536/);
    assert.equal(fired.summary.fdErrors, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('event-loop lag: fires only when the p99 stays above the limit for 3 s in a row, at the start of that streak', () => {
  const state = new GuardState({ name: 'event-loop', title: 't', threshold: 't' });
  const judge = new LagJudge(state);
  const over = LAG_LIMIT_MS + 50;
  [over, over, 5, over, 12].forEach((p99, i) => judge.push({ tMs: (i + 1) * 1000, p99Ms: p99, maxMs: p99 }));
  assert.equal(state.fired, false, 'two bad seconds, then a good one: a GC pause, not a saturated harness');
  [over + 100, over, over].forEach((p99, i) => judge.push({ tMs: (i + 6) * 1000, p99Ms: p99, maxMs: p99 }));
  assert.equal(state.firedAtMs, 6000);
  assert.match(state.cause!, /p99 up to 250 ms per second, above 100 ms for 3\+ s from 6\.0 s/);
  assert.equal(judge.summary({ p50: 1, p99: 2, max: 3 }).worstSecondP99Ms, 250);
});

test('harness CPU: cores = CPU time / wall time, fires at a sustained full core, share of the machine recorded', () => {
  const state = new GuardState({ name: 'harness-cpu', title: 't', threshold: 't' });
  const judge = new CpuJudge(state, 2);
  [0.4, 0.99, 0.97, 0.5, 0.96, 1.02].forEach((cores, i) => judge.push({ tMs: i * 1000, cores }));
  assert.equal(state.fired, false);
  judge.push({ tMs: 6000, cores: CORE_LIMIT });
  assert.equal(state.firedAtMs, 4000);
  assert.match(state.cause!, /0\.95 core\(s\) \(47\.5% of the machine's 2 CPU\(s\)\)/);
  const s = judge.summary();
  assert.equal(s.peakCores, 1.02);
  assert.equal(s.peakMachineShare, 0.51);
});

test('/proc/stat, /proc/loadavg, /proc/self/limits: real formats', () => {
  const a = parseProcStat('cpu  59761 0 31436 257258 324 0 10987 22 0 0\ncpu0 29313 0 15216 129672 53 0 5558 10 0 0\nintr 1 2 3\n');
  assert.deepEqual(a, { total: 59761 + 31436 + 257258 + 324 + 10987 + 22, idle: 257258 + 324, steal: 22 });
  const b = { total: a.total + 200, idle: a.idle + 50, steal: 22 + 30 };
  assert.equal(busyShare(a, b), 0.75);
  assert.equal(stealShare(a, b), 0.15);
  assert.equal(parseProcStat('cpu  1 2 3 4 5 6 7\n').steal, null, 'a kernel without the steal column');
  assert.equal(busyShare(a, a), null);
  assert.deepEqual(parseLoadavg('2.24 3.51 2.11 1/88 28177\n'), { load1: 2.24, load5: 3.51, load15: 2.11, running: 1 });
  const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \nMax cpu time              unlimited            unlimited            seconds   \n';
  assert.deepEqual(parseLimit(limits, 'Max open files'), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseLimit(limits, 'Max cpu time'), { soft: null, hard: null });
});

test('CPU steal: fires at 10% for 3 s; a kernel without the column makes the guard not available', () => {
  const state = new GuardState({ name: 'cpu-steal', title: 't', threshold: 't' });
  const judge = new StealJudge(state);
  [0.2, 0.3, 0.01, 0.12, 0.1].forEach((s, i) => judge.push(i * 1000, s));
  assert.equal(state.fired, false);
  judge.push(5000, 0.5);
  assert.equal(state.firedAtMs, 3000);
  const old = cpuStealGuard.create(envOf(fakeProc({ '/proc/stat': 'cpu  1 2 3 4 5 6 7\n' })));
  old.start!(0);
  old.sample(1000);
  assert.equal(old.report().status, 'not-available');
  assert.match(old.report().reason!, /no steal column/);
});

test('pre-run load: a busy machine before the stack starts fires, with a negative time (before the workload)', async () => {
  assert.equal(preRunVerdict(0.49, 2, 1).fired, false);
  assert.equal(preRunVerdict(0.5, 2, 1).fired, true);
  const proc = fakeProc({ '/proc/loadavg': '3.90 2.00 1.00 4/160 999\n', '/proc/stat': 'cpu  100 0 100 800 0 0 0 0 0 0\n' });
  let now = 10_000;
  const probe = preRunLoadGuard.create(
    envOf(proc, {
      now: () => now,
      sleep: async () => {
        proc.files['/proc/stat'] = 'cpu  160 0 150 840 0 0 0 0 0 0\n'; // 150 ticks: 110 busy, 40 idle
        now += 500;
      },
    }),
  );
  await probe.beforeStack!();
  probe.start!(12_500);
  const r = probe.report();
  assert.equal(r.status, 'fired');
  assert.equal(r.firedAtMs, -2000);
  assert.equal(r.summary.busyShare, 0.733);
  assert.match(r.cause!, /73\.3% busy before the stack started .*1-minute load average 3\.9 on 2 CPU\(s\)/);
  const gone = preRunLoadGuard.create(envOf(fakeProc({})));
  await gone.beforeStack!();
  assert.equal(gone.report().status, 'not-available');
  assert.match(gone.report().reason!, /\/proc\/stat does not exist/);
});

test('sampler: every registered guard reported, a guard that throws is not available (never breaks the run), the section validates', async () => {
  const boom: GuardKind = {
    name: 'boom',
    title: 'a broken guard',
    threshold: 'never',
    create: () => ({
      sample() {
        throw new Error('kaboom');
      },
      report: () => new GuardState({ name: 'boom', title: 'a broken guard', threshold: 'never' }).report({}),
    }),
  };
  const logged: string[] = [];
  const sampler = new GuardSampler({ runDirectory: null, kinds: [boom, exhaustionGuard], log: (m) => logged.push(m), env: { read: fakeProc({}), sleep: async () => {} } });
  await sampler.beforeStack();
  sampler.start(performanceNow());
  sampler.sampleNow();
  sampler.noteError('EMFILE');
  sampler.noteError('EMFILE');
  sampler.close();
  const section = guardsSectionSchema.parse(sampler.section());
  assert.deepEqual(section.guards.map((g) => [g.name, g.status]), [['boom', 'not-available'], ['exhaustion', 'fired']]);
  assert.match(section.guards[0]!.reason!, /failed in a sample: kaboom/);
  assert.equal(logged.length, 1, 'each firing is logged once');
  assert.match(logged[0]!, /^guard exhaustion fired at \d\.\d s: .*EMFILE.* — fix: raise the open-files limit/);
  assert.deepEqual(guardNames(), ['conntrack', 'exhaustion', 'event-loop', 'harness-cpu', 'cpu-steal', 'pre-run-load']);
});

const performanceNow = () => performance.now();

function firedGuard(name: string, firedAtMs: number): GuardReport {
  return {
    name,
    title: name,
    status: 'fired',
    threshold: 'drops grow',
    samples: 6,
    summary: { drop: 351 },
    firedAtMs,
    cause: 'the kernel dropped 351 new connection(s)',
    fix: 'sysctl -w net.netfilter.nf_conntrack_max=1048576',
  };
}

function spoiledResult(): RunResult {
  const r = makeResult({ lostUsers: 12, thresholds: { session_loss_rate: ['rate==0'] } });
  r.guards = {
    intervalMs: 1000,
    lastSampleMs: 10_400,
    guards: [firedGuard('conntrack', 3000), { ...firedGuard('cpu-steal', 0), status: 'not-available', reason: '/proc/stat has no steal column', firedAtMs: null, cause: null, fix: null }],
  };
  return resultSchema.parse(r);
}

test('a fired guard: an environment check, the run invalid (not failed, not "lost"), named first; older results without guards unchanged', () => {
  const judged = applyThresholds(spoiledResult());
  assert.equal(judged.verdict?.status, 'invalid');
  assert.match(judged.verdict!.reasons[0]!, /^environment conntrack: the machine spoiled the run \(at 3\.0 s\): the kernel dropped 351 .* — fix: sysctl -w net\.netfilter\.nf_conntrack_max=1048576$/);
  const env = builtinChecks(judged).filter((c) => c.metric === 'environment');
  assert.deepEqual(env.map((c) => [c.expression, c.passed, c.source]), [['conntrack', false, 'builtin']], 'one check per fired guard, none for a guard not available');
  // Even with the stack also unhealthy, the machine comes first.
  const both = runVerdict([{ metric: 'healthy_before_fault', expression: 'rate<0.01', actual: 0.5, passed: false, source: 'builtin' }, ...env]);
  assert.equal(both.status, 'invalid');
  assert.match(both.reasons[0]!, /^environment conntrack/);
  const old = applyThresholds(makeResult({ recoveryMs: [] }));
  assert.deepEqual(old.thresholds?.results.map((t) => t.metric), ['users_judged', 'healthy_before_fault']);
  assert.equal(old.verdict?.status, 'passed');
});

test('summary of a spoiled run: INVALID first, before any figure; users not judged', () => {
  const text = formatSummary(applyThresholds(spoiledResult()), { result: 'r.json', report: 'r.html' });
  const lines = text.split('\n');
  assert.match(lines[2]!, /^ {2}INVALID {4}the machine spoiled this run \(conntrack\): the figures below are not a verdict on the stack/);
  assert.ok(lines.findIndex((l) => l.startsWith('  requests')) > 2);
  assert.match(text, /users {6}.*lost 12 .*\(not judged: the run is invalid\)/);
  assert.match(text, /guards {5}FIRED conntrack · not available: cpu-steal \(\/proc\/stat has no steal column\)/);
  assert.match(text, /verdict {4}INVALID \(exit 99\): the machine spoiled the run/);
});

test('report: a fired guard is a red marker on the timeline where it fired, and a row of the guards table', () => {
  const html = renderReport([applyThresholds(spoiledResult())], { generatedAt: new Date('2026-12-02T00:00:00Z') });
  const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { guards: { atS: number; label: string }[] };
  assert.deepEqual(data.guards.map((g) => [g.atS, g.label]), [[3, 'conntrack fired']]);
  assert.match(html, /<section id="guards"><h2>Environment guards<\/h2>/);
  assert.match(html, /Environment guards fired .*conntrack fired/);
  assert.match(html, /<span class="badge fail">fired<\/span>/);
  assert.match(html, /<span class="badge unknown">not available<\/span>/);
  assert.match(html, /sysctl -w net\.netfilter\.nf_conntrack_max=1048576/);
});

test('doctor: conntrack table against the expected connection rate, open files, port range; each warning with its fix', () => {
  const proc = fakeProc({
    [CONNTRACK_PATHS.count]: '4100\n',
    [CONNTRACK_PATHS.max]: '262144\n',
    [CONNTRACK_PATHS.timeWait]: '120\n',
    '/proc/self/limits': 'Limit   Soft Limit   Hard Limit   Units\nMax open files            1024                 524288               files     \n',
    '/proc/sys/net/ipv4/ip_local_port_range': '40000\t45000\n',
    '/proc/sys/net/ipv4/tcp_tw_reuse': '0\n',
  });
  const ct = conntrackFinding(proc, true);
  assert.equal(ct.level, 'warn');
  assert.match(ct.message, /table 262,144 entries \(4,100 in use\), a run can need ~1,080,000 \(~3 new connections per request × 120 s TIME_WAIT × 3,000 req\/s\)/);
  assert.match(ct.fix!, /^sysctl -w net\.netfilter\.nf_conntrack_max=2097152 .*NOTRACK/);
  assert.equal(conntrackFinding(proc, false).level, 'info', 'loaded but not tracking: a note, not a warning');
  proc.files[CONNTRACK_PATHS.max] = '2097152';
  assert.equal(conntrackFinding(proc, true).level, 'ok');
  assert.equal(conntrackFinding(fakeProc({}), null).level, 'ok');
  const fds = openFilesFinding(proc);
  assert.equal(fds.level, 'warn');
  assert.match(fds.fix!, /^ulimit -n 65536/);
  const ports = portRangeFinding(proc);
  assert.equal(ports.level, 'warn');
  assert.match(ports.message, /40000-45000 = 5,001 ports, tcp_tw_reuse 0: narrower than 16,384 ports; TIME_WAIT ports are not reused/);
  assert.equal(ports.fix, 'sysctl -w net.ipv4.ip_local_port_range="1024 65535"; sysctl -w net.ipv4.tcp_tw_reuse=1');
  proc.files['/proc/sys/net/ipv4/ip_local_port_range'] = '32768 60999';
  proc.files['/proc/sys/net/ipv4/tcp_tw_reuse'] = '2';
  proc.files['/proc/self/limits'] = 'Max open files            65536                65536                files     \n';
  assert.equal(portRangeFinding(proc).level, 'ok');
  assert.equal(openFilesFinding(proc).level, 'ok');
});
