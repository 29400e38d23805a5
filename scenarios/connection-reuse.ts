import { defineScenario } from '../harness/scenario/define-scenario.js';

// Every link of the stack with or without connection reuse (topology.connectionReuse):
//   npm run compare -- connection-reuse --connection-reuse stock,production
// Throughput, p99 and new connections per request per link (result.connections), then what a
// node kill and a Redis restart do to each: kept connections to a node that died, and
// persistent phpredis connections to a Redis that went away. The Redis keeps its data across
// the restart (persistence rdb: SHUTDOWN saves a snapshot, the restart loads it), so what
// differs is the connections, not the sessions. PHP-FPM has a worker for
// every client connection: with fastcgi_keep_conn each kept connection holds a worker, and a
// node with more simultaneous requests than workers starves (docs/connection-reuse.md).
export default defineScenario({
  name: 'connection-reuse',
  description: 'Connection reuse off (stock) or on (production) on every link: req/s, p99, new connections per request, a node kill and a Redis restart.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx', phpChildren: 16, connectionReuse: 'stock', redis: { persistence: 'rdb' } },
  workload: { users: 400, connections: 16, duration: '40s' },
  faults: [
    { type: 'node-kill', target: 'node-2', at: '30%', restoreAt: '45%' },
    { type: 'redis-restart', target: 'redis', at: '70%', duration: '1s', mode: 'shutdown' },
  ],
  thresholds: { leaks: ['count==0'] },
});
