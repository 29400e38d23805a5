import { defineScenario } from '../harness/scenario/define-scenario.js';

// Redis stops answering for 4 s (SIGSTOP) with phpredis's own timeouts (none for reads):
// every PHP worker that touches the session waits for the whole stall, the pool runs dry
// and requests time out. `--redis-timeout 1` (or compare --redis-timeout default,1) bounds
// each wait: errors or unsaved answers within about a second instead. Either way the
// sessions are still in Redis after the stall.
export default defineScenario({
  name: 'redis-hang',
  description: 'Redis hangs (SIGSTOP) for 4 s: with phpredis default timeouts workers wait it out; with explicit ones they fail fast.',
  topology: { nodes: 2, strategy: 'redis', balancer: 'nginx', redis: { timeout: 'default', readTimeout: 'default' } },
  workload: { users: 200, connections: 12, duration: '20s' },
  faults: [{ type: 'redis-hang', target: 'redis', at: '35%', duration: '4s' }],
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
