/**
 * The default allowances (DEFAULT_MAX_REGRESSION) proven on the real stack: 10 A/A pairs of
 * short runs of the same build raise no false alarm, and 5 ms of Redis latency still fails,
 * naming p50. The figures (values, limits, how close each A/A candidate came) are printed as
 * test diagnostics; nothing here asserts a duration.
 *
 * The scenario: 2 nodes on Redis, Toxiproxy on every link (the slow variant differs only by
 * the latency it injects), 100 users over 8 connections for 3 s, and 5 ms of work per request
 * (`workMs`, a usleep with the session open, as real apps hold it). Without that work a
 * request takes ~2 ms of pure CPU and two runs of a shared 2-core machine differed by up to
 * 41% in p50 and 45% in req/s; with it, by up to 12% (p50, req/s) and 23% (p99).
 *
 * Each pair is one `scenario --repeat 2` (a baseline and a candidate back to back, so a slow
 * patch of the machine hits both; which of the two is the baseline alternates, so neither is
 * always the warmer). Candidate i is gated like a pull request in CI, with `npm run gate --
 * cand/result.json --baseline DIR`, against the baselines of the last (up to) 5 judged pairs:
 * the first against one (MAD 0: the allowances alone), from the fifth on against five.
 *
 * The machine is shared: another engineer's stack or test suite running at the same time
 * takes most of both cores and moves req/s by a factor of 2-5 within seconds, which no useful
 * allowance covers. The test measures the CPU time the machine spent outside this test's
 * processes during each run (/proc/stat minus our process tree); a pair where that averaged
 * above FOREIGN_LIMIT cores, or that the harness's own guards called spoiled, is reported but
 * not judged, and replaced (up to MAX_PAIRS in all). With fewer than MIN_JUDGED judged pairs
 * the test is skipped, saying so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { DEFAULT_MAX_REGRESSION, worseWhen, type RegressionKey } from '../../harness/gate/regression.js';
import type { GateVerdict } from '../../harness/gate/gate-types.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const scratch = mkdtempSync(join(tmpdir(), 'psl-gate-aa-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const PAIRS = 10;
const MAX_PAIRS = 14;
const MIN_JUDGED = 7;
const WINDOW = 5;
/** Mean CPU (cores) used outside this test during a run above which its pair is not judged. */
const FOREIGN_LIMIT = 0.5;

const scenario = {
  name: 'gate-aa',
  description: 'Gate A/A test: 2 nodes, redis, proxies on every link, 5 ms of work per request, no fault.',
  topology: { nodes: 2, strategy: 'redis', balancer: 'nginx', phpChildren: 4, proxies: 'all' },
  workload: { users: 100, connections: 8, duration: '3s', workMs: 5 },
  faults: [] as unknown[],
  thresholds: { session_loss_rate: ['rate==0'] },
};
const baselineScenario = join(scratch, 'gate-aa.json');
const slowScenario = join(scratch, 'gate-aa-slow.json');
writeFileSync(baselineScenario, JSON.stringify(scenario));
writeFileSync(slowScenario, JSON.stringify({ ...scenario, faults: [{ type: 'redis-latency', target: 'redis', latency: 5, at: '0s', duration: '100%' }] }));

/** CPU ticks (utime + stime) and parent of every process, from /proc. */
function processTicks(): Map<number, { ppid: number; ticks: number }> {
  const out = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** user + nice + system ticks of all CPUs (/proc/stat), short-lived processes included. */
function busyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return f[0]! + f[1]! + f[2]!;
}

/**
 * Every 500 ms: CPU the machine spent outside this test process and its descendants (the
 * stacks it starts included), in cores. Ticks are USER_HZ = 100 on Linux.
 */
function sampleForeignCpu() {
  const samples: Array<{ at: number; cores: number }> = [];
  let before = processTicks();
  let beforeBusy = busyTicks();
  let beforeAt = Date.now();
  const timer = setInterval(() => {
    const now = processTicks();
    const busy = busyTicks();
    const at = Date.now();
    const own = new Set([process.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, p] of now) if (!own.has(pid) && own.has(p.ppid)) (own.add(pid), (grew = true));
    }
    let ownTicks = 0;
    for (const pid of own) {
      const p = now.get(pid);
      if (p) ownTicks += Math.max(0, p.ticks - (before.get(pid)?.ticks ?? p.ticks));
    }
    samples.push({ at, cores: Math.max(0, busy - beforeBusy - ownTicks) / 100 / ((at - beforeAt) / 1000) });
    before = now;
    beforeBusy = busy;
    beforeAt = at;
  }, 500);
  return {
    stop: () => clearInterval(timer),
    /** Mean foreign cores while the run's load ran (0 when no sample fell in it). */
    during(result: RunResult): number {
      const from = Date.parse(result.startedAt) + result.timing.stackStartMs;
      const inside = samples.filter((s) => s.at > from && s.at <= from + result.durationMs + 500);
      return inside.length === 0 ? 0 : inside.reduce((sum, s) => sum + s.cores, 0) / inside.length;
    },
  };
}

/** Share of the tolerance a value used: 0 at the baseline median, 1 at the limit (fails beyond). */
function toleranceUsed(metric: string, actual: number, median: number, limit: number): number {
  const worse = worseWhen[metric as RegressionKey] === 'lower' ? median - actual : actual - median;
  const tolerance = Math.abs(limit - median);
  return tolerance === 0 ? (worse > 0 ? Infinity : 0) : worse / tolerance;
}

async function gate(candidate: string, baselineDir: string, name: string, extra: string[] = []) {
  const json = join(scratch, `${name}.verdict.json`);
  const run = await runCli('gate.ts', [candidate, '--baseline', baselineDir, '--no-summary', '--json', json, ...extra]);
  const verdict = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as GateVerdict) : null;
  return { ...run, verdict };
}

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as RunResult;
/** The harness's own guards (result.guards) call a run spoiled with verdict status `invalid`. */
const spoiled = (r: RunResult) => (r as { verdict?: { status?: string } }).verdict?.status === 'invalid';
const figures = (r: RunResult) => `${r.requests.rps.toFixed(0)}/s p50 ${r.latencyMs.p50}ms p99 ${r.latencyMs.p99}ms`;

interface Pair {
  n: number;
  baseline: string;
  candidate: string;
  foreign: number;
  judged: boolean;
}

test(`gate A/A: ${PAIRS} pairs of 3 s runs, default allowances ${DEFAULT_MAX_REGRESSION}: no false alarm; 5 ms Redis latency fails on p50`, async (t) => {
  const foreign = sampleForeignCpu();
  const pairs: Pair[] = [];
  let slowPath: string;
  try {
    for (let n = 1; n <= MAX_PAIRS && pairs.filter((p) => p.judged).length < PAIRS; n++) {
      const dir = join(scratch, `pair-${n}`);
      const done = () => existsSync(join(dir, 'run-2', 'result.json'));
      // A harness failure (e.g. a server not ready in time on a busy machine) is retried once.
      for (let attempt = 1; !done(); attempt++) {
        const run = await runCli('scenario.ts', [baselineScenario, '--repeat', '2', '--out', dir, '--quiet']);
        if (attempt === 2) assert.ok(done(), `pair ${n} left no results (exit ${run.code}): ${run.stderr.slice(-1500)}`);
      }
      const [baseline, candidate] = (n % 2 === 1 ? ['run-1', 'run-2'] : ['run-2', 'run-1']).map((r) => join(dir, r, 'result.json')) as [string, string];
      const runs = [read(baseline), read(candidate)];
      const cores = Math.max(...runs.map((r) => foreign.during(r)));
      pairs.push({ n, baseline, candidate, foreign: cores, judged: cores <= FOREIGN_LIMIT && !runs.some(spoiled) });
    }
    const slowDir = join(scratch, 'slow');
    await runCli('scenario.ts', [slowScenario, '--out', slowDir, '--quiet']);
    slowPath = join(slowDir, 'result.json');
    assert.ok(existsSync(slowPath), 'the slow run left no result');
  } finally {
    foreign.stop();
  }

  // A candidate's baselines: those of the last WINDOW judged pairs up to its own (included).
  const windowDir = (upTo: number, name: string) => {
    const dir = join(scratch, `baselines-${name}`);
    for (const p of pairs.filter((q) => q.judged && q.n <= upTo).slice(-WINDOW)) {
      mkdirSync(join(dir, `pair-${p.n}`), { recursive: true });
      copyFileSync(p.baseline, join(dir, `pair-${p.n}`, 'result.json'));
    }
    return dir;
  };
  const judged = pairs.filter((p) => p.judged);
  const jobs = judged.map((p) => () => gate(p.candidate, windowDir(p.n, `pair-${p.n}`), `pair-${p.n}`));
  const slowJunit = join(scratch, 'slow.junit.xml');
  if (judged.length > 0) jobs.push(() => gate(slowPath, windowDir(Infinity, 'slow'), 'slow', ['--junit', slowJunit]));
  // Two gates at a time: short node processes, the loads are over.
  const results: Array<Awaited<ReturnType<typeof gate>>> = [];
  for (let i = 0; i < jobs.length; i += 2) results.push(...(await Promise.all(jobs.slice(i, i + 2).map((job) => job()))));
  const slow = judged.length > 0 ? results.pop()! : null;

  let closest = { used: -Infinity, text: 'none' };
  for (const p of pairs) {
    const runs = `A ${figures(read(p.baseline))}, B ${figures(read(p.candidate))}, other work ${p.foreign.toFixed(2)} cores`;
    const r = results[judged.indexOf(p)];
    if (!p.judged || !r) {
      t.diagnostic(`pair ${p.n}: not judged, the machine was busy with other work (${runs})`);
      continue;
    }
    const cells = (r.verdict?.checks ?? [])
      .filter((c) => c.kind === 'regression')
      .map((c) => {
        if (c.actual === null || c.baseline === null || c.limit === null) return `${c.metric} unknown`;
        const used = toleranceUsed(c.metric, c.actual, c.baseline, c.limit);
        if (used > closest.used) closest = { used, text: `pair ${p.n} ${c.metric} ${c.display.actual}, baselines ${c.display.baseline}, limit ${c.display.expression}: ${(used * 100).toFixed(0)}% of the tolerance` };
        return `${c.metric} ${c.display.actual} limit ${c.display.expression} [${(used * 100).toFixed(0)}%]`;
      });
    t.diagnostic(`pair ${p.n} (${r.verdict?.baselines.length} baselines): ${r.code === 0 ? 'pass' : `FAIL exit ${r.code}`} — ${cells.join(' | ')} — ${runs}`);
  }
  t.diagnostic(`closest A/A candidate: ${closest.text}`);
  for (const c of (slow?.verdict?.checks ?? []).filter((x) => x.kind === 'regression')) {
    t.diagnostic(`5 ms Redis latency: ${c.passed ? 'pass' : 'FAIL'} ${c.metric} ${c.display.actual} vs ${c.display.baseline}, limit ${c.display.expression}`);
  }

  // Every judged pair counts, even when too few were judged to prove the defaults.
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 0, `A/A pair ${judged[i]!.n} raised a false alarm:\n${r.stdout}\n${r.stderr}`);
  }
  // The regression must fail whatever the machine did (a busy machine only makes it slower).
  assert.ok(slow, 'no pair was judged, so the slow run had no baselines');
  assert.equal(slow.code, 99, `5 ms of Redis latency passed the gate:\n${slow.stdout}\n${slow.stderr}`);
  assert.match(slow.stdout, /FAIL\s+regression\s+p50\b/, slow.stdout);
  assert.equal(slow.verdict?.checks.find((c) => c.kind === 'regression' && c.metric === 'p50')?.passed, false);
  // As CI reads it: a JUnit failure, and the verdict written into the candidate's result.
  assert.match(readFileSync(slowJunit, 'utf8'), /<failure/);
  assert.equal(read(slowPath).gate?.passed, false, 'the verdict is not written into the result');
  if (judged.length < MIN_JUDGED) {
    t.skip(
      `only ${judged.length} of ${pairs.length} pairs ran while the machine was not busy with other work (<= ${FOREIGN_LIMIT} cores outside this test), need ${MIN_JUDGED}: ` +
        'those passed and the 5 ms regression failed, but that proves too little',
    );
  }
});
