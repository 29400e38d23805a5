/**
 * npm run bench:wrk [-- --rounds 5 --duration 8 --warmup 2 --connections 32 --users 500 --wrk-threads 2 --proxies]
 *
 * Our session-checking closed model against wrk, side by side in one run, on the same 3-node
 * redis topology (nginx balancer, as redis-failover runs it). Honest on purpose:
 * - both replay the same users' session cookies, so both make the same PHP and Redis work;
 * - the same per-user concurrency: ours never has two requests of one user in flight, and
 *   each wrk thread replays its own disjoint share of the users (2 threads: 16 connections over 250 users);
 * - each side's own measured duration (wrk's Requests/sec; ours: answers / measured time);
 * - wrk's non-2xx answers counted and left out of its rate (ours count only checked answers);
 * - which generator goes first alternates between rounds; the ratio is of medians;
 * - both are warmed up once before the rounds (ours has a JIT to warm, and the stack's caches
 *   are then warm for whichever goes first);
 * - each side's own CPU per answer is printed (ours: this process; wrk: its child times): on a
 *   2-core machine the generator's CPU is what PHP loses, which is what the ratio measures.
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
import { ClosedWorkload } from '../harness/workload/closed-workload.js';
import { RunCollector } from '../harness/results/run-collector.js';
import { cookieHeader, storeSetCookies } from '../harness/workload/cookie-jar.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'wrk-threads': { type: 'string', default: '2' },
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
const warmupS = Number(values.warmup);
if (!Number.isInteger(warmupS) || warmupS < 0) {
  process.stderr.write('--warmup: expected a whole number of seconds (0 for none)\n');
  process.exit(104);
}
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
// wrk's threads (event loops); ours has one. --wrk-threads 1 compares one event loop with one.
const threads = Number(values['wrk-threads']);
if (!Number.isInteger(threads) || threads < 1) {
  process.stderr.write('--wrk-threads: expected a positive integer\n');
  process.exit(104);
}
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
  const wrkSocketErrors: number[] = [];
  const oursAnomalies: number[] = [];
  const wrkCpuMs: number[] = [];
  const oursCpuMs: number[] = [];
  // User and kernel CPU apart: the syscalls per answer are alike (one write, one read), the user-space work is not.
  const wrkSplit: Array<[number, number]> = [];
  const oursSplit: Array<[number, number]> = [];
  /** wrk for `seconds`; its rate of 2xx answers over its own measured time, and its CPU per answer (bash's `times` of its child). */
  const runWrk = async (seconds: number) => {
    const { stdout } = await run('bash', ['-c', 'wrk_bin=$1; shift; "$wrk_bin" "$@" && times', 'wrk', wrk, `-t${threads}`, `-c${connections}`, `-d${seconds}s`, '-s', lua, topology.baseUrl], {
      timeout: (seconds + 30) * 1000,
    });
    const done = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
    if (!done) throw new Error(`wrk: no "requests in" line in its output:\n${stdout}`);
    const total = Number(done[1]);
    const elapsedS = Number(done[2]) / (done[3] === 'ms' ? 1000 : 1);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
    const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
    // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
    const child = stdout.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
    const userMs = child ? (Number(child[1]) * 60 + Number(child[2])) * 1000 : NaN;
    const sysMs = child ? (Number(child[3]) * 60 + Number(child[4])) * 1000 : NaN;
    const answers = total - non2xx;
    return { rps: answers / elapsedS, non2xx, socketErrors, cpuMsPerAnswer: (userMs + sysMs) / answers, userMsPerAnswer: userMs / answers, sysMsPerAnswer: sysMs / answers };
  };
  /** Ours for `seconds`: checked answers over its own measured time (from its start to its last answer), and this process's CPU per answer. */
  const runOurs = async (seconds: number) => {
    const collector = new RunCollector();
    const workload = new ClosedWorkload({ baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), connections, durationMs: seconds * 1000, timeoutMs: 5000 });
    let lastAnswerMs = 0;
    workload.on('record', (r) => {
      lastAnswerMs = r.t;
      collector.record({ t: r.t, user: '', status: r.status, latencyMs: r.latencyMs, outcome: r.check.outcome, node: r.check.node, expected: r.check.expected, got: r.check.got });
    });
    const cpu = process.cpuUsage();
    await workload.run();
    const used = process.cpuUsage(cpu);
    const answers = collector.requests - collector.errors;
    // wrk's visits moved the counts on behind our models' backs: the first answer per user is 'ahead'.
    const anomalies = collector.outcomes.reset + collector.outcomes.stale + collector.outcomes.leak + collector.outcomes.unsaved;
    return {
      rps: answers / (lastAnswerMs / 1000),
      anomalies,
      cpuMsPerAnswer: (used.user + used.system) / 1000 / answers,
      userMsPerAnswer: used.user / 1000 / answers,
      sysMsPerAnswer: used.system / 1000 / answers,
    };
  };
  if (warmupS > 0) {
    const warmWrk = await runWrk(warmupS);
    const warmOurs = await runOurs(warmupS);
    process.stdout.write(`warm-up ${warmupS}s each (not counted): wrk ${warmWrk.rps.toFixed(0)} req/s · ours ${warmOurs.rps.toFixed(0)} req/s\n`);
  }
  for (let round = 1; round <= rounds; round++) {
    const wrkFirst = round % 2 === 1;
    let w: Awaited<ReturnType<typeof runWrk>>;
    let o: Awaited<ReturnType<typeof runOurs>>;
    if (wrkFirst) {
      w = await runWrk(durationS);
      o = await runOurs(durationS);
    } else {
      o = await runOurs(durationS);
      w = await runWrk(durationS);
    }
    wrkRps.push(w.rps);
    oursRps.push(o.rps);
    wrkNon2xx.push(w.non2xx);
    wrkSocketErrors.push(w.socketErrors);
    wrkCpuMs.push(w.cpuMsPerAnswer);
    oursAnomalies.push(o.anomalies);
    oursCpuMs.push(o.cpuMsPerAnswer);
    wrkSplit.push([w.userMsPerAnswer, w.sysMsPerAnswer]);
    oursSplit.push([o.userMsPerAnswer, o.sysMsPerAnswer]);
    process.stdout.write(
      `round ${round} (${wrkFirst ? 'wrk' : 'ours'} first): wrk ${w.rps.toFixed(0)} req/s · ours ${o.rps.toFixed(0)} req/s (ratio ${(o.rps / w.rps).toFixed(3)}; ` +
        `CPU per answer: wrk ${w.cpuMsPerAnswer.toFixed(3)} ms, ours ${o.cpuMsPerAnswer.toFixed(3)} ms)\n`,
    );
  }
  const ratio = median(oursRps) / median(wrkRps);
  const split = (xs: Array<[number, number]>) => `${(median(xs.map((x) => x[0])) * 1000).toFixed(0)} + ${(median(xs.map((x) => x[1])) * 1000).toFixed(0)}`;
  process.stdout.write(
    `\n3-node redis topology, nginx balancer, ${values.proxies ? 'Toxiproxy on every link' : 'direct links (as redis-failover runs)'}, ${connections} connections (wrk: ${threads} thread(s)), ${durationS}s per round, ${rounds} rounds, the first generator alternating\n` +
      `  wrk  median ${median(wrkRps).toFixed(0)} req/s   (all: ${wrkRps.map((x) => x.toFixed(0)).join(', ')}; non-2xx left out: ${wrkNon2xx.join(', ')}; socket errors: ${wrkSocketErrors.join(', ')}; CPU ${median(wrkCpuMs).toFixed(3)} ms per answer)\n` +
      `  ours median ${median(oursRps).toFixed(0)} req/s   (all: ${oursRps.map((x) => x.toFixed(0)).join(', ')}; every answer checked, reset/stale/unsaved/leak: ${oursAnomalies.join(', ')}; CPU ${median(oursCpuMs).toFixed(3)} ms per answer)\n` +
      `  CPU per answer, user + kernel (medians, µs): wrk ${split(wrkSplit)}, ours ${split(oursSplit)}\n` +
      `  ratio ours/wrk = ${ratio.toFixed(3)}  (goal >= 0.95)\n` +
      // The machine's other load drifts between rounds; each round's own pair drifts less.
      `  median of the rounds' own ratios = ${median(oursRps.map((o, i) => o / wrkRps[i]!)).toFixed(3)}\n`,
  );
} finally {
  const stopMs = await topology.stop();
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`  stack start ${topology.startMs.toFixed(0)} ms, stop ${stopMs.toFixed(0)} ms\n`);
}
