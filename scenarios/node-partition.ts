import { defineScenario } from '../harness/scenario/define-scenario.js';

// Like affinity-failover, but node-2 keeps running: the balancer cannot reach it for a
// third of the run, then it comes back with its session files intact.
export default defineScenario({
  name: 'node-partition',
  description: 'Sticky sessions on files: node-2 is cut off from the balancer for a third of the run, then comes back.',
  topology: { nodes: 3, strategy: 'affinity', balancer: 'haproxy' },
  workload: { users: 300, connections: 16, duration: '45s' },
  faults: [{ type: 'node-partition', target: 'node-2', at: '33%', duration: '33%' }],
  thresholds: { leaks: ['count==0'] },
});
