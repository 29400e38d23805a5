import { defineScenario } from '../harness/scenario/define-scenario.js';

// Redis crashes (SIGKILL) half-way and is back 1 s later on the same address. What it still
// has is what its persistence kept: with none (the default here) every session is gone;
// compare --redis-persistence none,aof: with an append-only file fsynced every second, at
// most the last second of writes is lost (stale answers right after the restart).
export default defineScenario({
  name: 'redis-restart',
  description: 'Redis crashes and restarts half-way: persistence none loses every session, aof (fsync every second) at most the last second of writes.',
  topology: { nodes: 2, strategy: 'redis', balancer: 'nginx', redis: { persistence: 'none' } },
  workload: { users: 300, connections: 12, duration: '20s' },
  faults: [{ type: 'redis-restart', target: 'redis', at: '50%', duration: '1s', mode: 'crash' }],
  thresholds: { leaks: ['count==0'] },
});
