import { defineScenario } from '../harness/scenario/define-scenario.js';

// A Redis Cluster of 3 masters with a replica each (phpredis rediscluster handler). A master
// is killed a third of the way in; after cluster-node-timeout (2 s here) its replica is
// promoted. phpredis 5.3.7 fails session requests meanwhile, for users on every master, not
// only the dead one's: the recovery time and the errors per slot owner show it.
// Side by side: npm run compare -- rediscluster-failover --strategies redis,rediscluster,rediscluster-distribute
// (with one Redis, target 'master' is that Redis: no replica takes over, every session is gone).
export default defineScenario({
  name: 'rediscluster-failover',
  description: 'A Redis Cluster master dies under load a third of the way in; its replica is promoted after the node timeout.',
  topology: {
    nodes: 3,
    strategy: 'rediscluster',
    balancer: 'nginx',
    redis: { timeout: 1, readTimeout: 1, cluster: { masters: 3, replicas: 1, nodeTimeout: '2s' } },
  },
  workload: { users: 500, connections: 32, duration: '60s' },
  // The master serving slot 0, killed for good: its replica serves its slots for the rest of the run.
  faults: [{ type: 'redis-master-kill', target: 'master', at: '33%' }],
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
