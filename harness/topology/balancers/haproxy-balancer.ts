/** HAProxy as the balancer: roundrobin; sticky by an inserted SRV cookie. */
import { haproxyBalancerRetry, haproxyDefaultTimeouts, renderHaproxyConfig } from '../config/haproxy-config.js';
import type { BalancerKind } from './balancer-kind.js';

export const haproxyBalancer: BalancerKind = {
  name: 'haproxy',
  description: 'HAProxy, roundrobin (sticky: inserted SRV cookie), health checks every 500 ms',
  binary: 'haproxy',
  imageKind: 'balancer-haproxy',
  configFile: 'haproxy.cfg',
  // HAProxy 2.6 keeps server connections alive and shares them (`http-reuse safe` is its default).
  reusesServerConnectionsByDefault: true,
  render: ({ listen, upstreams, sticky, reuse, timeouts }) => renderHaproxyConfig({ listen, upstreams, sticky, reuse, timeouts, algorithm: 'roundrobin' }),
  localArgs: ({ conf }) => ['-db', '-f', conf],
  defaultTimeouts: haproxyDefaultTimeouts,
  retryPolicy: (timeouts) => haproxyBalancerRetry('haproxy', timeouts),
  connectionNote: 'HAProxy health checks (GET /health every 500 ms per node, a new connection each) are requests and connections of the balancer link',
};
