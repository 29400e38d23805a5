/**
 * npm run bench:wrk [-- --rounds 3 --duration 10 --connections 32 --users 500 --proxies]
 *
 * Our session-checking workload against wrk, side by side in one run, on the same 3-node
 * redis topology (nginx balancer, Toxiproxy links, as redis-failover runs it). wrk replays
 * the same users' session cookies from a Lua script, so both make the same PHP and Redis
 * work per request. Rounds alternate wrk / ours; the ratio of medians is printed.
 * Also prints the stack's start and stop times.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { localProvider } from '../harness/topology/local/local-provider.js';
import { findStrategy } from '../harness/strategies/strategy-registry.js';
import { newRunId } from '../harness/topology/local/run-directory.js';
import { requireBinary } from '../harness/topology/local/system-binaries.js';
import { VirtualUserPool } from '../harness/workload/virtual-users.js';
import { VisitJobs } from '../harness/workload/visit-jobs.js';
import { AutocannonWorkload } from '../harness/workload/autocannon-workload.js';
import { RunCollector } from '../harness/results/run-collector.js';
import { cookieHeader, storeSetCookies } from '../harness/workload/cookie-jar.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
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
      `local i = 0\nrequest = function()\n  i = (i % #users) + 1\n  return wrk.format("GET", users[i][1], {["Cookie"] = users[i][2]})\nend\n`,
  );

  const wrkRps: number[] = [];
  const oursRps: number[] = [];
  const oursAnomalies: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const { stdout } = await run(wrk, ['-t2', `-c${connections}`, `-d${durationS}s`, '-s', lua, topology.baseUrl], { timeout: (durationS + 30) * 1000 });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    wrkRps.push(rps);

    const collector = new RunCollector();
    const workload = new AutocannonWorkload({ baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), connections, durationMs: durationS * 1000, timeoutMs: 5000 });
    workload.on('record', (r) => collector.record({ t: r.t, user: '', status: r.status, latencyMs: r.latencyMs, outcome: r.check.outcome, node: r.check.node, expected: r.check.expected, got: r.check.got }));
    await workload.run();
    // wrk's visits moved the counts on behind our models' backs: the first answer per user is 'ahead'.
    const ours = collector.requests / durationS;
    oursRps.push(ours);
    oursAnomalies.push(collector.outcomes.reset + collector.outcomes.stale + collector.outcomes.leak);
    process.stdout.write(`round ${round}: wrk ${rps.toFixed(0)} req/s · ours ${ours.toFixed(0)} req/s (ratio ${(ours / rps).toFixed(3)})\n`);
  }
  const ratio = median(oursRps) / median(wrkRps);
  process.stdout.write(
    `\n3-node redis topology, nginx balancer, ${values.proxies ? 'Toxiproxy on every link' : 'direct links (as redis-failover runs)'}, ${connections} connections, ${durationS}s per round, ${rounds} rounds alternating\n` +
      `  wrk  median ${median(wrkRps).toFixed(0)} req/s   (all: ${wrkRps.map((x) => x.toFixed(0)).join(', ')})\n` +
      `  ours median ${median(oursRps).toFixed(0)} req/s   (all: ${oursRps.map((x) => x.toFixed(0)).join(', ')}; every answer checked, reset/stale/leak: ${oursAnomalies.join(', ')})\n` +
      `  ratio ours/wrk = ${ratio.toFixed(3)}  (goal >= 0.95)\n`,
  );
} finally {
  const stopMs = await topology.stop();
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`  stack start ${topology.startMs.toFixed(0)} ms, stop ${stopMs.toFixed(0)} ms\n`);
}
