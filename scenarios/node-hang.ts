import { defineScenario } from '../harness/scenario/define-scenario.js';

// node-2 stops answering for 6 s without going away (SIGSTOP): the balancer's connects
// succeed and it waits its read timeout (nginx proxy_read_timeout, 30 s here) while the
// client gives up after 5 s. Redis keeps every session: users see timeouts, none is lost.
// A short balancer read timeout (topology.balancerTimeouts.read: '1s') lets nginx retry on
// another node instead: slower answers, no errors.
export default defineScenario({
  name: 'node-hang',
  description: 'node-2 hangs (SIGSTOP) for 6 s under load: timeouts while the balancer waits for it; Redis keeps every session.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
  workload: { users: 300, connections: 16, duration: '20s' },
  faults: [{ type: 'node-hang', target: 'node-2', at: '30%', duration: '6s' }],
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
