import { defineScenario } from '../harness/scenario/define-scenario.js';

// The same two cuts, polite and not: a link that refuses connections (a disabled proxy: the
// peer answers at once that nobody is there) and one that swallows them (Toxiproxy timeout
// toxics with timeout 0 on both streams, like a network that drops packets). node-2's
// balancer link: refused -> nginx retries on another node at once; blackholed -> nginx waits
// its read timeout (3 s here) and then retries. Redis links: refused -> session_start fails at
// once (unsaved); blackholed -> each request waits phpredis's read_timeout (2 s), then fails.
// As many connections as PHP workers (3 x 4) and a balancer read timeout above phpredis's, on
// purpose: measured with 16 connections (requests queued for a worker, then waited 2 s for
// Redis: more than the balancer's 3 s), nginx marked every node dead (max_fails=1) and answered
// 502 at once to everything, on and on, past the heal: the final reads of 64 users failed.
export default defineScenario({
  name: 'refuse-vs-blackhole',
  description: 'node-2 and Redis cut two ways, refused then blackholed: immediate retries and fast failures vs waits for timeouts.',
  topology: { nodes: 3, strategy: 'redis', balancer: 'nginx', balancerTimeouts: { read: '3s' } },
  workload: { users: 300, connections: 12, duration: '40s', timeout: '10s' },
  faults: [
    { type: 'node-partition', target: 'node-2', at: '10%', duration: '15%', mode: 'refuse' },
    { type: 'node-partition', target: 'node-2', at: '30%', duration: '15%', mode: 'blackhole' },
    { type: 'redis-down', target: 'redis', at: '55%', duration: '15%', mode: 'refuse' },
    { type: 'redis-down', target: 'redis', at: '75%', duration: '15%', mode: 'blackhole' },
  ],
  steps: [
    { label: 'node-2 refused', from: '10%', to: '25%' },
    { label: 'node-2 blackholed', from: '30%', to: '45%' },
    { label: 'Redis refused', from: '55%', to: '70%' },
    { label: 'Redis blackholed', from: '75%', to: '90%' },
  ],
  thresholds: { leaks: ['count==0'] },
});
