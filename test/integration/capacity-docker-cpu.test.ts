/**
 * The docker CPU reader on a real 1-node docker stack (nginx balancer, Redis): it finds the
 * run's containers and the docker-proxy of the published port, reads the cgroup counters of the
 * host's hierarchy, and under a few seconds of load every tier used CPU; PHP-FPM + nginx, read
 * per process, fit inside the node container's own cgroup counter. The whole capacity command
 * on docker takes 1.5 min here (steps, guards, waits): it is run by hand (docs/capacity.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dockerProvider } from '../../harness/topology/docker/docker-provider.js';
import { dockerCannotRunReason } from '../helpers/docker-available.js';
import { ensureImages } from '../../harness/topology/docker/docker-images.js';
import { listRunObjects } from '../../harness/topology/docker/docker-labels.js';
import { redisStrategy } from '../../harness/strategies/redis.js';
import type { TopologySpec } from '../../harness/topology/topology-types.js';
import { dockerTierCpu, parseCgroupCpuSeconds } from '../../harness/capacity/docker-tier-cpu.js';
import { cpuBetween } from '../../harness/capacity/tier-cpu.js';

test('docker CPU per tier: containers, cgroups and docker-proxy of a real run', { timeout: 5 * 60_000 }, async (t) => {
  const reason = await dockerCannotRunReason();
  if (reason) return t.skip(`docker unavailable: ${reason}`);
  await ensureImages(['php-node', 'balancer-nginx', 'redis'], (m) => t.diagnostic(m));
  const spec: TopologySpec = {
    runId: `capcpu-${process.pid}-${Date.now().toString(36)}`,
    nodes: 1,
    balancer: 'nginx',
    strategy: redisStrategy,
    phpChildren: 4,
    serializer: 'php',
    phpIni: {},
    proxies: false,
    log: (m) => t.diagnostic(m),
  };
  const topology = await dockerProvider.start(spec);
  try {
    const d = await dockerTierCpu(spec.runId);
    t.diagnostic(`cgroup ${d.cgroupKind}; ${d.containers.map((c) => `${c.role} -> ${c.tier} (${c.cgroup.file})`).join('; ')}; host: ${d.hostProcesses.map((p) => `${p.tier} ${p.pid}`).join(', ')}`);
    assert.deepEqual(d.containers.map((c) => c.tier).sort(), ['balancer', 'node', 'redis']);
    assert.ok(d.hostProcesses.some((p) => p.tier === 'docker-proxy'), 'the published port\'s docker-proxy found');
    const node = d.containers.find((c) => c.tier === 'node')!;
    const nodeTotal = () => parseCgroupCpuSeconds(node.cgroup.kind, readFileSync(node.cgroup.file, 'utf8'))!;

    const a = d.reader.read();
    const nodeA = nodeTotal();
    const otherA = d.nodeOtherS();
    let requests = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        let cookie: string | null = null;
        while (Date.now() - t0 < 3000) {
          const r: Response = await fetch(`${topology.baseUrl}/?user=u${k}`, { headers: cookie ? { cookie } : {} });
          cookie = r.headers.get('set-cookie')?.split(';')[0] ?? cookie;
          assert.equal(r.status, 200);
          await r.text();
          requests++;
        }
      }),
    );
    const b = d.reader.read();
    const nodeB = nodeTotal();
    const w = cpuBetween(a, b);
    t.diagnostic(`${requests} requests; ms CPU/request: ${Object.entries(w.tiers).map(([k, s]) => `${k} ${((s / requests) * 1000).toFixed(3)}`).join(', ')}; node container ${(((nodeB - nodeA) / requests) * 1000).toFixed(3)}, of which other ${(((d.nodeOtherS() - otherA) / requests) * 1000).toFixed(3)}; ${(w.loBytes! / requests).toFixed(0)} B/request`);
    assert.ok(requests > 50, `${requests} requests`);
    for (const tier of ['php-fpm', 'node-web', 'balancer', 'redis', 'docker-proxy'] as const) assert.ok(w.tiers[tier]! > 0, `${tier} used CPU: ${JSON.stringify(w.tiers)}`);
    // Per-process ticks (10 ms) against the cgroup's ns counter: the split fits in the whole, within a few ticks.
    const split = w.tiers['php-fpm']! + w.tiers['node-web']!;
    assert.ok(split <= nodeB - nodeA + 0.05, `php-fpm + nginx ${split.toFixed(3)} s <= node container ${(nodeB - nodeA).toFixed(3)} s`);
    assert.ok(split >= 0.5 * (nodeB - nodeA), `php-fpm + nginx ${split.toFixed(3)} s is most of the node container's ${(nodeB - nodeA).toFixed(3)} s`);
    assert.ok(b.phpProcesses >= 2 && b.phpRssBytes > 0, `PHP-FPM processes ${b.phpProcesses}`);
    assert.ok(w.loBytes! / requests > 500, `bytes per request ${w.loBytes}`);
  } finally {
    await topology.stop();
  }
  const left = await listRunObjects(spec.runId);
  assert.deepEqual(left, { containers: [], networks: [] });
});
