import { defineScenario } from '../harness/scenario/define-scenario.js';

// Redis latency steps 0, 1, 5, 20, 50 ms, each a fifth of the run. Fewer connections than
// PHP workers, so a request never queues for a worker and the added p50 shows the number
// of Redis round trips per request (x the injected latency), not queueing.
const levels = [0, 1, 5, 20, 50];
const share = 100 / levels.length;
const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

export default defineScenario({
  name: 'redis-latency',
  description: 'Redis latency steps 0, 1, 5, 20, 50 ms on every node->Redis link: p50/p99 per step.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx', phpChildren: 4 },
  workload: { users: 200, connections: 8, duration: '50s' },
  faults: levels
    .map((latency, i) => ({ latency, i }))
    .filter(({ latency }) => latency > 0)
    .map(({ latency, i }) => ({ type: 'redis-latency', target: 'redis', latency, at: pct(i * share), duration: pct(share) })),
  steps: levels.map((latency, i) => ({ label: `${latency} ms`, from: pct(i * share), to: pct((i + 1) * share), params: { latencyMs: latency } })),
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
