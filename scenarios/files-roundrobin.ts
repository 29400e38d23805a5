import { defineScenario } from '../harness/scenario/define-scenario.js';

export default defineScenario({
  name: 'files-roundrobin',
  description: 'Files on each node behind round-robin, no fault: most answers come from a node without the session.',
  topology: { nodes: 3, strategy: 'files', balancer: 'nginx' },
  workload: { users: 300, connections: 32, duration: '30s' },
  faults: [],
  thresholds: { leaks: ['count==0'] },
});
