/**
 * Root-cause evidence end to end, on real servers through the CLI: the components' logs name
 * the cause of each scenario's trouble, inside its window, from the side that saw it:
 * - redis-outage: PHP's "Failed to read session data" (session-read-failed) on the nodes;
 * - affinity-failover: the balancer's failed connections to the killed node;
 * - concurrent-writes with redis-locking-default: the lock that was not acquired and the
 *   write that failed; a gate threshold on that kind fails the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runScenarioCli } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import type { EvidenceKind } from '../../harness/evidence/evidence-types.js';

type Evidence = NonNullable<RunResult['evidence']>;

/** Kinds the windows overlapping [fromMs, toMs) name, with the components they came from. */
function windowKinds(e: Evidence, fromMs: number, toMs: number): Map<EvidenceKind, Set<string>> {
  const out = new Map<EvidenceKind, Set<string>>();
  for (const w of e.windows.filter((x) => x.reason === 'anomalies' && x.toMs > fromMs && x.fromMs < toMs)) {
    for (const k of w.top) {
      const set = out.get(k.kind) ?? new Set<string>();
      for (const x of k.examples) set.add(x.component);
      out.set(k.kind, set);
    }
  }
  return out;
}

function everySourceListed(r: RunResult, components: string[]): void {
  const e = r.evidence!;
  for (const c of components) assert.ok(e.sources.some((s) => s.component === c), `no log source listed for ${c}: ${e.sources.map((s) => s.component).join(', ')}`);
  assert.ok(e.sources.every((s) => s.status !== 'unreadable'), `unreadable: ${JSON.stringify(e.sources.filter((s) => s.status === 'unreadable'))}`);
}

test('redis-outage: the nodes\' PHP logs name session-read-failed inside the fault window', { timeout: 180_000 }, async () => {
  const { result: r } = await runScenarioCli('redis-outage', ['--duration', '14s', '--users', '150', '--connections', '8']);
  assert.ok(r.evidence, 'no evidence section');
  everySourceListed(r, ['node-1', 'node-2', 'node-3', 'balancer', 'redis']);
  const f = r.faults[0]!;
  const kinds = windowKinds(r.evidence, f.startMs, f.endMs + 1000);
  const read = kinds.get('session-read-failed');
  assert.ok(read, `the fault window names ${[...kinds.keys()].join(', ') || 'nothing'}`);
  assert.ok([...read].every((c) => c.startsWith('node-')), `session-read-failed from ${[...read].join(', ')}`);
  // Counted on the timeline's axis, inside the fault window (at the logs' 1 s resolution).
  const inside = r.evidence.perSecond.filter((p) => p.t >= Math.floor(f.startMs / 1000) - 1 && p.t <= Math.ceil(f.endMs / 1000)).reduce((n, p) => n + (p.counts['session-read-failed'] ?? 0), 0);
  assert.ok(inside > 0 && inside === r.evidence.kinds['session-read-failed'], `session-read-failed: ${inside} inside the window, ${r.evidence.kinds['session-read-failed']} in all`);
  // The answers said it too, in their JSON, apart from the log counts.
  const answers = r.evidence.answers;
  assert.ok(answers && answers.answersWithWarnings > 0, `answers: ${JSON.stringify(answers)}`);
  assert.ok((answers.kinds['session-read-failed'] ?? 0) > 0, `answer warnings: ${JSON.stringify(answers.kinds)}`);
  assert.ok(answers.top[0]!.examples.every((x) => x.component.startsWith('node-') && x.t >= f.startMs - 1000), JSON.stringify(answers.top[0]));
});

test('redis-eviction: Redis\'s INFO counters name the evicted keys and the OOM refusals, the balancer\'s access log the failed requests', { timeout: 180_000 }, async () => {
  const { result: r } = await runScenarioCli('redis-eviction', ['--duration', '10s']);
  assert.ok(r.evidence, 'no evidence section');
  everySourceListed(r, ['node-1', 'balancer', 'redis']);
  const info = r.evidence.sources.find((s) => s.format === 'redis-info');
  assert.equal(info?.status, 'read', JSON.stringify(r.evidence.sources));
  const evicted = r.evidence.kinds['redis-evicted'] ?? 0;
  // Counted as Redis counted them: never more than Redis's own total at the end of the run.
  assert.ok(evicted > 0 && evicted <= (r.redis?.evictedKeys ?? Infinity), `redis-evicted ${evicted}, result.redis evictedKeys ${r.redis?.evictedKeys}`);
  assert.ok((r.evidence.kinds['redis-oom'] ?? 0) > 0, JSON.stringify(r.evidence.kinds));
  const failed = r.evidence.overall.find((k) => k.kind === 'request-failed');
  assert.ok(failed && failed.examples.every((x) => x.component === 'balancer' && / status=5\d\d /.test(x.line)), JSON.stringify(r.evidence.overall.map((k) => k.kind)));
  const named = new Set(r.evidence.windows.flatMap((w) => w.top.map((k) => k.kind)));
  assert.ok(named.has('redis-evicted') || named.has('redis-oom'), `windows name ${[...named].join(', ')}`);
});

test('affinity-failover: the balancer\'s logs name its failed connections to the killed node', { timeout: 180_000 }, async () => {
  const { result: r } = await runScenarioCli('affinity-failover', ['--duration', '12s', '--users', '150', '--connections', '8']);
  assert.ok(r.evidence, 'no evidence section');
  everySourceListed(r, ['node-1', 'node-2', 'node-3', 'balancer']);
  const balancerKinds = (['upstream-connect-failed', 'server-down'] as const).filter((k) => (r.evidence!.kinds[k] ?? 0) > 0);
  assert.ok(balancerKinds.length > 0, `kinds: ${JSON.stringify(r.evidence.kinds)}`);
  const killAt = r.faults[0]!.startMs;
  const balancerEvents = r.evidence.windows.flatMap((w) => w.top.flatMap((k) => k.examples)).filter((x) => x.component === 'balancer' && (balancerKinds as readonly string[]).includes(x.kind));
  assert.ok(balancerEvents.length > 0, `no balancer example in the windows: ${JSON.stringify(r.evidence.windows.map((w) => w.top.map((k) => k.kind)))}`);
  assert.ok(balancerEvents.every((x) => x.t >= killAt - 1000), 'a balancer failure logged before the kill');
  assert.match(balancerEvents.map((x) => x.line).join('\n'), /node-2|n2|DOWN|refused/i);
});

test('concurrent-writes with redis-locking-default: the lock not acquired and the writes that failed; a gate threshold on the kind fails', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'psl-evidence-'));
  try {
    const run = await runCli('scenario.ts', ['concurrent-writes', '--strategy', 'redis-locking-default', '--duration', '8s', '--out', out, '--quiet']);
    const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    assert.ok(r.evidence, `no evidence section: ${run.stderr.slice(-1500)}`);
    const lock = r.evidence.kinds['lock-not-acquired'] ?? 0;
    const write = r.evidence.kinds['session-write-failed'] ?? 0;
    assert.ok(lock > 0, `kinds: ${JSON.stringify(r.evidence.kinds)}`);
    assert.ok(write > 0, `kinds: ${JSON.stringify(r.evidence.kinds)}`);
    assert.match(run.stdout, /evidence {3}.*lock-not-acquired/);
    const gate = await runCli('gate.ts', [join(out, 'result.json'), '--threshold', 'evidence:session-write-failed:count==0']);
    assert.equal(gate.code, 99, gate.stdout + gate.stderr);
    assert.match(gate.stdout + gate.stderr, /evidence:session-write-failed/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
