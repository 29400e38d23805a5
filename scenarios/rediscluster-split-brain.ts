import { defineScenario } from '../harness/scenario/define-scenario.js';

// Split brain with PHP sessions: the master serving slot 0 is cut off from the other Redis
// nodes (cluster bus and replication, both ways) for 6 s while PHP still reaches it. It keeps
// acknowledging session writes until the node timeout (2 s) tells it it is alone; the
// majority promotes its replica, which never saw those writes. After the heal the old master
// rejoins as a replica and the writes it acknowledged alone are gone: stale answers (older
// visit counts) and lost users. The fault window records how many writes it acknowledged.
export default defineScenario({
  name: 'rediscluster-split-brain',
  description: 'A Redis Cluster master partitioned from its peers (not from PHP) for 3x the node timeout: writes it acknowledged alone are lost at the heal.',
  topology: {
    nodes: 3,
    strategy: 'rediscluster',
    balancer: 'nginx',
    redis: { timeout: 1, readTimeout: 1, cluster: { masters: 3, replicas: 1, nodeTimeout: '2s' } },
  },
  workload: { users: 300, connections: 16, duration: '30s' },
  faults: [{ type: 'redis-master-partition', target: 'master', at: '30%', duration: '6s' }],
  thresholds: { leaks: ['count==0'] },
});
