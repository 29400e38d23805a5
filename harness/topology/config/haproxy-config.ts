/** HAProxy as the load balancer (roundrobin or leastconn; stickiness by an inserted SRV cookie). */
import type { BalancerRetry, BalancerTimeouts } from '../balancers/balancer-kind.js';
import { BALANCER_READ_TIMEOUT_S } from './request-deadline.js';

export interface HaproxyInput {
  listen: string;
  upstreams: Record<string, string>;
  sticky: boolean;
  /**
   * Keep server connections alive and share idle ones between client connections: HAProxy
   * 2.6's default (`http-reuse safe`, written out). Off: `option http-server-close` closes the
   * server side after every response (a new connection per request) and `http-reuse never`.
   */
  reuse: boolean;
  /** `balance` algorithm (default roundrobin). */
  algorithm?: 'roundrobin' | 'leastconn';
  timeouts?: BalancerTimeouts;
}

/** The backend lines for connection reuse on or off. */
export function haproxyReuseDirectives(reuse: boolean): string[] {
  return reuse ? ['http-reuse safe'] : ['option http-server-close', 'http-reuse never'];
}

export const haproxyDefaultTimeouts: BalancerTimeouts = { connectMs: 100, readMs: BALANCER_READ_TIMEOUT_S * 1000 };

// Default timeouts stall about 1 s per retry when a node dies; short connect timeouts and
// retry-on remove the errors (reference: phpredis-sessions.md). response-timeout is left
// out on purpose: retrying a GET that may have run would double-count a visit.
const retryDirectives = (timeouts: BalancerTimeouts) => [
  `timeout connect ${timeouts.connectMs}ms`,
  `timeout server ${timeouts.readMs}ms`,
  'retries 3',
  'option redispatch 1',
  'retry-on conn-failure empty-response 503',
];

/** The retry policy rendered by renderHaproxyConfig, recorded under the balancer kind's name. */
export function haproxyBalancerRetry(balancer = 'haproxy', timeouts: BalancerTimeouts = haproxyDefaultTimeouts): BalancerRetry {
  return {
    balancer,
    summary:
      `HAProxy retries up to 3 times on connection failure, empty response or 503 (retry-on), redispatching to another node (option redispatch); a node that does not answer within ${timeouts.readMs} ms is a 504, not retried; health checks every 500 ms take a dead node out.`,
    directives: [...retryDirectives(timeouts), 'default-server check inter 500ms fall 2 rise 2'],
    retriesGetOnOtherNode: true,
    connectTimeoutMs: timeouts.connectMs,
    readTimeoutMs: timeouts.readMs,
  };
}

// Root-cause evidence (issue 14): HAProxy's own log, with ISO timestamps, on stdout (the
// local provider's haproxy.log, the container's `docker logs`). Server state changes and the
// failing health checks behind them are logged; a request only when it went wrong
// (dontlog-normal), so a heavy load does not flood the log.
export const haproxyLogDirectives = {
  global: ['log stdout format iso local0'],
  defaults: ['log global', 'option httplog', 'option dontlog-normal', 'option log-health-checks'],
} as const;

export function renderHaproxyConfig(input: HaproxyInput): string {
  const servers = Object.entries(input.upstreams)
    .map(([name, address]) => `  server ${name} ${address}${input.sticky ? ` cookie ${name}` : ''}`)
    .join('\n');
  return `global
  maxconn 8192
${haproxyLogDirectives.global.map((d) => `  ${d}`).join('\n')}

defaults
  mode http
${haproxyLogDirectives.defaults.map((d) => `  ${d}`).join('\n')}
  timeout client 30s
  timeout http-keep-alive 30s
${retryDirectives(input.timeouts ?? haproxyDefaultTimeouts).map((d) => `  ${d}`).join('\n')}

frontend www
  bind ${input.listen}
  default_backend php_nodes

backend php_nodes
  balance ${input.algorithm ?? 'roundrobin'}
${input.sticky ? '  cookie SRV insert indirect nocache\n' : ''}  option httpchk GET /health
  default-server check inter 500ms fall 2 rise 2
${haproxyReuseDirectives(input.reuse).map((d) => `  ${d}\n`).join('')}${servers}
`;
}
