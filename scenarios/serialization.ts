import { defineScenario } from '../harness/scenario/define-scenario.js';

// Which session serializer is fastest and smallest for a ~5 KB cart? PHP-side encode/decode
// for every handler and payload profile, then the real stack once per handler.
export default defineScenario({
  name: 'serialization',
  description: 'session.serialize_handler php / php_binary / php_serialize / igbinary / msgpack: ops/s and bytes in PHP, req/s and p99 end to end.',
  topology: { nodes: 2, strategy: 'redis', balancer: 'nginx', sessionPayload: 'cart', proxies: false },
  workload: { users: 200, connections: 16, duration: '8s' },
  faults: [],
  serialization: { profiles: ['tiny', 'cart', 'large'], samples: 7, sampleMs: 100 },
  thresholds: { leaks: ['count==0'] },
});
