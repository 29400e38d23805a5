import { defineScenario } from '../harness/scenario/define-scenario.js';

export default defineScenario({
  name: 'affinity-failover',
  description: 'Sticky sessions on files: a node dies a third of the way in and its users lose their session.',
  topology: { nodes: 3, strategy: 'affinity', balancer: 'haproxy' },
  workload: { users: 500, connections: 32, duration: '60s' },
  faults: [{ type: 'node-kill', target: 'node-2', at: '33%' }],
  thresholds: { leaks: ['count==0'] },
});
