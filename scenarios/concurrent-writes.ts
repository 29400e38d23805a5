import { defineScenario } from '../harness/scenario/define-scenario.js';

// Each user fires bursts of 10 simultaneous increments (an AJAX page), then reads its count.
// Compare strategies: npm run compare -- concurrent-writes --strategies files,redis,redis-locking-default,redis-locking
// One node with 8 PHP workers: the burst's requests run in parallel on one machine, so the
// files handler's flock is compared with Redis fairly (with files on several round-robin
// nodes each node would hold its own copy of the session).
export default defineScenario({
  name: 'concurrent-writes',
  description: 'Bursts of 10 simultaneous increments per user: lost updates without session locking.',
  topology: { nodes: 1, strategy: 'redis', balancer: 'nginx', phpChildren: 8 },
  // Each request works 5 ms with its session open: 10 of them hold a lock for ~50 ms in turn,
  // longer than phpredis 5.3.7's default lock wait (~20 ms).
  workload: { users: 60, connections: 20, duration: '20s', mode: 'bursts', burstSize: 10, workMs: 5 },
  faults: [],
  thresholds: { leaks: ['count==0'] },
});
