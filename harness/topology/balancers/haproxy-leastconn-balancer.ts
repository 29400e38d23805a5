/**
 * HAProxy with `balance leastconn`: each request goes to the node with the fewest open
 * connections, so a slow node (node-slow, a hung PHP-FPM) gets less traffic than under
 * roundrobin. Everything else (retries, health checks, stickiness) as `haproxy`.
 */
import { haproxyBalancerRetry, renderHaproxyConfig } from '../config/haproxy-config.js';
import type { BalancerKind } from './balancer-kind.js';
import { haproxyBalancer } from './haproxy-balancer.js';

export const haproxyLeastconnBalancer: BalancerKind = {
  ...haproxyBalancer,
  name: 'haproxy-leastconn',
  description: 'HAProxy, leastconn (fewest open connections first), health checks every 500 ms',
  render: ({ listen, upstreams, sticky, reuse, timeouts }) => renderHaproxyConfig({ listen, upstreams, sticky, reuse, timeouts, algorithm: 'leastconn' }),
  retryPolicy: (timeouts) => haproxyBalancerRetry('haproxy-leastconn', timeouts),
};
