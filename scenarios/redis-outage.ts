import { defineScenario } from '../harness/scenario/define-scenario.js';

// Redis unreachable for 5 s in the middle: PHP answers 200 with an empty session while it
// is down (the failure that looks like success); afterwards the sessions are still in Redis.
export default defineScenario({
  name: 'redis-outage',
  description: 'Redis unreachable for 5 s in the middle of the run: errors and empty sessions during, recovered or lost users after.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
  workload: { users: 300, connections: 16, duration: '30s' },
  faults: [{ type: 'redis-down', target: 'redis', at: '45%', duration: '5s' }],
  thresholds: { leaks: ['count==0'] },
});
