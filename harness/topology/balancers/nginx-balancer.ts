/** nginx as the balancer: round-robin, or a consistent hash on the session cookie when sticky. */
import { join } from 'node:path';
import { nginxBalancerRetry, nginxDefaultTimeouts, renderNginxBalancerConfig } from '../config/nginx-balancer-config.js';
import type { BalancerKind } from './balancer-kind.js';

export const nginxBalancer: BalancerKind = {
  name: 'nginx',
  description: 'nginx upstream, round-robin (sticky: consistent hash on PHPSESSID)',
  binary: 'nginx',
  imageKind: 'balancer-nginx',
  configFile: 'nginx.conf',
  // Stock nginx proxies with HTTP/1.0 and `Connection: close` unless its upstream has keepalive.
  reusesServerConnectionsByDefault: false,
  render: (input) => renderNginxBalancerConfig(input),
  localArgs: ({ conf, dir }) => ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
  defaultTimeouts: nginxDefaultTimeouts,
  retryPolicy: (timeouts) => nginxBalancerRetry(timeouts),
};
