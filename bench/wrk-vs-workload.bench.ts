/**
 * npm run bench:wrk [-- --rounds 3 --duration 8 --connections 32 --users 500 --proxies]
 *
 * Our session-checking closed model against wrk, side by side in one run, on the same 3-node
 * redis topology (nginx balancer, as redis-failover runs it). Honest on purpose:
 * - both replay the same users' session cookies, so both make the same PHP and Redis work;
 * - the same per-user concurrency: ours never has two requests of one user in flight, and
 *   each wrk thread replays its own disjoint half of the users (16 connections over 250 users);
 * - each side's own measured duration (wrk's Requests/sec; ours: answers / measured time);
 * - wrk's non-2xx answers counted and left out of its rate (ours count only checked answers);
 * - which generator goes first alternates between rounds; the ratio is of medians.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { localProvider } from '../harness/topology/local/local-provider.js';
import { findStrategy } from '../harness/strategies/strategy-registry.js';
import { newRunId } from '../harness/topology/local/run-directory.js';
import { requireBinary } from '../harness/topology/local/system-binaries.js';
import { VirtualUserPool } from '../harness/workload/virtual-users.js';
import { VisitJobs } from '../harness/workload/visit-jobs.js';
import { ClosedWorkload } from '../harness/workload/closed-workload.js';
import { RunCollector } from '../harness/results/run-collector.js';
import { cookieHeader, storeSetCookies } from '../harness/workload/cookie-jar.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    users: { type: 'string', default: '500' },
    proxies: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const durationS = Number(values.duration);
const connections = Number(values.connections);
const users = Number(values.users);
for (const [name, n] of Object.entries({ rounds, duration: durationS, connections, users })) {
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name}: expected a positive integer\n`);
    process.exit(104);
  }
}
if (rounds < 3) {
  process.stderr.write('--rounds: at least 3 (a ratio of medians needs them)\n');
  process.exit(104);
}
const threads = 2;
if (connections < threads || users < connections * 2) {
  process.stderr.write(`--users must be at least twice --connections, and --connections at least ${threads}\n`);
  process.exit(104);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const wrk = await requireBinary('wrk');
const topology = await localProvider.start({
  runId: newRunId('bench-wrk'),
  nodes: 3,
  balancer: 'nginx',
  strategy: findStrategy('redis')!,
  phpChildren: 4,
  serializer: 'php',
  phpIni: {},
  proxies: values.proxies,
});
const scratch = mkdtempSync(join(tmpdir(), 'psl-wrk-'));
try {
  // Give every user a session first, then let both tools replay exactly those sessions.
  const pool = new VirtualUserPool(users, 1);
  for (const user of pool.users) {
    const response = await fetch(`${topology.baseUrl}/?user=${user.id}&set=${user.token}`);
    storeSetCookies(user.cookies, response.headers.getSetCookie());
    await response.text();
    user.tokenStored = true;
    user.lastCount = 1;
    user.lastHadToken = true;
  }
  const lua = join(scratch, 'sessions.lua');
  writeFileSync(
    lua,
    `local users = {\n${pool.users.map((u) => `  {"/?user=${u.id}", ${JSON.stringify(cookieHeader(u.cookies))}},`).join('\n')}\n}\n` +
      // Each thread replays its own users (thread k: users k, k+threads, ...): no user twice in flight.
      `local n = 0\nsetup = function(thread)\n  thread:set("id", n)\n  n = n + 1\nend\n` +
      `local mine = {}\nlocal i = 0\ninit = function(args)\n  for j = id + 1, #users, ${threads} do mine[#mine + 1] = users[j] end\nend\n` +
      `request = function()\n  i = (i % #mine) + 1\n  return wrk.format("GET", mine[i][1], {["Cookie"] = mine[i][2]})\nend\n`,
  );

  const wrkRps: number[] = [];
  const oursRps: number[] = [];
  const wrkNon2xx: number[] = [];
  const oursAnomalies: number[] = [];
  const runWrk = async () => {
    const { stdout } = await run(wrk, [`-t${threads}`, `-c${connections}`, `-d${durationS}s`, '-s', lua, topology.baseUrl], { timeout: (durationS + 30) * 1000 });
    const total = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(stdout)?.[1] ?? NaN);
    const elapsedText = /\d+ requests in ([\d.]+)(m?s)/.exec(stdout);
    const elapsedS = elapsedText ? Number(elapsedText[1]) / (elapsedText[2] === 'ms' ? 1000 : 1) : NaN;
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
    wrkNon2xx.push(non2xx);
    return (total - non2xx) / elapsedS;
  };
  const runOurs = async () => {
    const collector = new RunCollector();
    const workload = new ClosedWorkload({ baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), connections, durationMs: durationS * 1000, timeoutMs: 5000 });
    workload.on('record', (r) => collector.record({ t: r.t, user: '', status: r.status, latencyMs: r.latencyMs, outcome: r.check.outcome, node: r.check.node, expected: r.check.expected, got: r.check.got }));
    const t0 = performance.now();
    await workload.run();
    const elapsedS = (performance.now() - t0) / 1000;
    // wrk's visits moved the counts on behind our models' backs: the first answer per user is 'ahead'.
    oursAnomalies.push(collector.outcomes.reset + collector.outcomes.stale + collector.outcomes.leak + collector.outcomes.unsaved);
    return (collector.requests - collector.errors) / elapsedS;
  };
  for (let round = 1; round <= rounds; round++) {
    const wrkFirst = round % 2 === 1;
    let w = 0;
    let o = 0;
    if (wrkFirst) {
      w = await runWrk();
      o = await runOurs();
    } else {
      o = await runOurs();
      w = await runWrk();
    }
    wrkRps.push(w);
    oursRps.push(o);
    process.stdout.write(`round ${round} (${wrkFirst ? 'wrk' : 'ours'} first): wrk ${w.toFixed(0)} req/s · ours ${o.toFixed(0)} req/s (ratio ${(o / w).toFixed(3)})\n`);
  }
  const ratio = median(oursRps) / median(wrkRps);
  process.stdout.write(
    `\n3-node redis topology, nginx balancer, ${values.proxies ? 'Toxiproxy on every link' : 'direct links (as redis-failover runs)'}, ${connections} connections, ${durationS}s per round, ${rounds} rounds, the first generator alternating\n` +
      `  wrk  median ${median(wrkRps).toFixed(0)} req/s   (all: ${wrkRps.map((x) => x.toFixed(0)).join(', ')}; non-2xx left out: ${wrkNon2xx.join(', ')})\n` +
      `  ours median ${median(oursRps).toFixed(0)} req/s   (all: ${oursRps.map((x) => x.toFixed(0)).join(', ')}; every answer checked, reset/stale/unsaved/leak: ${oursAnomalies.join(', ')})\n` +
      `  ratio ours/wrk = ${ratio.toFixed(3)}  (goal >= 0.95)\n`,
  );
} finally {
  const stopMs = await topology.stop();
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`  stack start ${topology.startMs.toFixed(0)} ms, stop ${stopMs.toFixed(0)} ms\n`);
}
