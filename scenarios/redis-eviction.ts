import { defineScenario } from '../harness/scenario/define-scenario.js';

// Redis's memory limit drops to half of what the sessions use, twice: first under
// volatile-lru (Redis evicts sessions: users are logged out without a word, the checker sees
// resets; each reset session is written anew and pushes another one out, so the evictions
// go on for the whole window), then under noeviction (Redis refuses every write: phpredis
// 5.3.7 throws "OOM command not allowed" out of session_write_close(), the request ends in a
// 500). Evicted keys and refused writes per fault window (`observed`) and in result.redis;
// each window is a step.
export default defineScenario({
  name: 'redis-eviction',
  description: 'Redis memory limit lowered to half the sessions: volatile-lru evicts sessions (resets), noeviction refuses every write (500s).',
  topology: { nodes: 2, strategy: 'redis', balancer: 'nginx', sessionPayload: 'cart' },
  workload: { users: 400, connections: 12, duration: '24s' },
  faults: [
    { type: 'redis-memory-pressure', target: 'redis', at: '20%', duration: '25%', share: 0.5, policy: 'volatile-lru' },
    { type: 'redis-memory-pressure', target: 'redis', at: '60%', duration: '25%', share: 0.5, policy: 'noeviction' },
  ],
  steps: [
    { label: 'before', from: '0%', to: '20%' },
    { label: 'volatile-lru', from: '20%', to: '45%' },
    { label: 'between', from: '45%', to: '60%' },
    { label: 'noeviction', from: '60%', to: '85%' },
    { label: 'after', from: '85%', to: '100%' },
  ],
  thresholds: { leaks: ['count==0'] },
});
