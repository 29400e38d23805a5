import { defineScenario } from '../harness/scenario/define-scenario.js';

export default defineScenario({
  name: 'redis-failover',
  description: 'A node dies under load a third of the way in; Redis keeps every session.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
  workload: { users: 500, connections: 32, duration: '60s' },
  faults: [{ type: 'node-kill', target: 'node-2', at: '33%' }],
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
