/**
 * The docker provider end to end: cached images, a 2-node Redis topology behind nginx, shared
 * sessions across nodes, node kill/restore, and a stop() that leaves nothing labelled behind.
 * Skipped, with the reason, when no Docker daemon can be had.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { dockerProvider } from '../../harness/topology/docker/docker-provider.js';
import { ensureDocker } from '../../harness/topology/docker/docker-cli.js';
import { ensureImages } from '../../harness/topology/docker/docker-images.js';
import { listRunObjects } from '../../harness/topology/docker/docker-labels.js';
import { redisStrategy } from '../../harness/strategies/redis.js';
import type { StartedTopology, TopologySpec } from '../../harness/topology/topology-types.js';

interface Visit {
  node: string;
  sid: string;
  visit_count: number;
  session_started: boolean;
}

async function visit(baseUrl: string, cookie: string | null): Promise<{ body: Visit; cookie: string | null }> {
  const response = await fetch(`${baseUrl}/?user=u1`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(5000) });
  assert.equal(response.status, 200);
  const setCookie = response.headers.get('set-cookie');
  return { body: (await response.json()) as Visit, cookie: setCookie ? setCookie.split(';')[0]! : cookie };
}

async function dockerReason(): Promise<string | null> {
  try {
    await ensureDocker();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

test('docker provider: 2 nodes + Redis behind nginx, shared session, kill/restore, clean stop', { timeout: 20 * 60_000 }, async (t) => {
  const reason = await dockerReason();
  if (reason) {
    t.skip(`docker unavailable: ${reason}`);
    return;
  }
  const log = (m: string) => t.diagnostic(m);
  const tBuild = performance.now();
  await ensureImages(['php-node', 'balancer-nginx', 'redis'], log);
  t.diagnostic(`images ready (built or cached) in ${((performance.now() - tBuild) / 1000).toFixed(1)} s`);

  const spec: TopologySpec = {
    runId: `dtest-${process.pid}-${Date.now().toString(36)}`,
    nodes: 2,
    balancer: 'nginx',
    strategy: redisStrategy,
    phpChildren: 2,
    serializer: 'php',
    phpIni: {},
    proxies: false,
    log,
  };
  let topology: StartedTopology | null = null;
  try {
    topology = await dockerProvider.start(spec);
    t.diagnostic(`stack start with cached images: ${topology.startMs.toFixed(0)} ms`);
    assert.ok(topology.startMs < 10_000, `start took ${topology.startMs} ms (goal <= 10 s)`);
    assert.match(topology.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(topology.redis && topology.redis.host === '127.0.0.1');
    assert.match(topology.env.php ?? '', /PHP 8\.2/);
    assert.equal(topology.env.phpredis, '5.3.7');

    // First visit: a new session (count 1); later visits with the cookie count on, on both nodes.
    let { body, cookie } = await visit(topology.baseUrl, null);
    assert.equal(body.visit_count, 1);
    assert.ok(cookie?.startsWith('PHPSESSID='));
    const seen = new Set([body.node]);
    for (let expected = 2; expected <= 6; expected++) {
      ({ body, cookie } = await visit(topology.baseUrl, cookie));
      assert.equal(body.visit_count, expected, `visit ${expected} on ${body.node}`);
      seen.add(body.node);
    }
    assert.deepEqual([...seen].sort(), ['node-1', 'node-2'], 'round-robin reached both nodes, sharing the Redis session');

    // node-1 dies: the balancer sends everything to node-2, the session lives on in Redis.
    await topology.killNode('node-1');
    let count = body.visit_count;
    for (let i = 0; i < 4; i++) {
      ({ body, cookie } = await visit(topology.baseUrl, cookie));
      assert.equal(body.node, 'node-2');
      assert.equal(body.visit_count, ++count);
    }
    const tRestore = performance.now();
    await topology.restoreNode('node-1');
    t.diagnostic(`restoreNode: ${(performance.now() - tRestore).toFixed(0)} ms`);
    // nginx skips a failed node for fail_timeout=5s; the restored node answers directly meanwhile.
    const nodesAfter = new Set<string>();
    const deadline = Date.now() + 15_000;
    while (!nodesAfter.has('node-1') && Date.now() < deadline) {
      ({ body, cookie } = await visit(topology.baseUrl, cookie));
      assert.equal(body.visit_count, ++count);
      nodesAfter.add(body.node);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(nodesAfter.has('node-1'), 'restored node-1 serves again');
  } finally {
    if (topology) {
      const stopMs = await topology.stop();
      t.diagnostic(`stack stop: ${stopMs.toFixed(0)} ms`);
      assert.equal(await topology.stop(), stopMs, 'stop() is idempotent');
    }
  }
  const left = await listRunObjects(spec.runId);
  assert.deepEqual(left, { containers: [], networks: [] }, 'nothing with the run label is left');
});
