/**
 * Connection reuse per link (topology.connectionReuse). Each request of the stack crosses three
 * loopback links; without reuse each opens a new TCP connection that then sits 60 s in
 * TIME_WAIT (120 s in conntrack where Docker's conntrack is active):
 * - balancer -> node: nginx `upstream { keepalive N; }` with proxy_http_version 1.1 and an empty
 *   Connection header; HAProxy keeps server connections alive and shares them (`http-reuse
 *   safe`, its default) unless `option http-server-close`;
 * - node nginx -> PHP-FPM: `fastcgi_keep_conn on` to an upstream with `keepalive N`;
 * - PHP -> Redis: phpredis `persistent=1` in session.save_path (one connection per FPM worker).
 */
import { requireBalancer } from './balancers/balancer-registry.js';

export const connectionReusePresets = ['stock', 'production', 'none'] as const;
export type ConnectionReusePreset = (typeof connectionReusePresets)[number];
export const connectionReuseLinks = ['balancer', 'fastcgi', 'redis'] as const;
export type ConnectionReuseLink = (typeof connectionReuseLinks)[number];

/** Reuse on (true) or a new connection per request (false), per link. */
export type ConnectionReuse = Record<ConnectionReuseLink, boolean>;

/** What a scenario may write: a preset, or per link (unset links as in `stock`). */
export type ConnectionReuseSetting = ConnectionReusePreset | Partial<ConnectionReuse>;

/**
 * `stock`: what each server does out of the box. nginx proxies with HTTP/1.0 and
 * `Connection: close` (a new connection per request) unless its upstream has `keepalive`;
 * HAProxy 2.6 keeps server connections alive and reuses them (`http-reuse safe` is its
 * default); nginx talks FastCGI without keep-conn; phpredis' save_path has persistent=0.
 */
export function stockReuse(balancer: string): ConnectionReuse {
  return { balancer: requireBalancer(balancer).reusesServerConnectionsByDefault, fastcgi: false, redis: false };
}

export function resolveConnectionReuse(setting: ConnectionReuseSetting, balancer: string): ConnectionReuse {
  if (setting === 'production') return { balancer: true, fastcgi: true, redis: true };
  if (setting === 'none') return { balancer: false, fastcgi: false, redis: false };
  const stock = stockReuse(balancer);
  if (setting === 'stock') return stock;
  return { ...stock, ...setting };
}

/** "balancer on, fastcgi off, redis off". */
export function reuseText(reuse: ConnectionReuse): string {
  return connectionReuseLinks.map((link) => `${link} ${reuse[link] ? 'on' : 'off'}`).join(', ');
}

/**
 * The default of topology.connectionReuse: what the harness rendered before the setting existed
 * (the nginx balancer keeps connections to the nodes; everything else stock), so earlier
 * figures and baselines stay comparable. docs/connection-reuse.md says why it is not `stock`.
 */
export const DEFAULT_CONNECTION_REUSE: ConnectionReuseSetting = { balancer: true };

export function defaultConnectionReuse(balancer: string): ConnectionReuse {
  return resolveConnectionReuse(DEFAULT_CONNECTION_REUSE, balancer);
}

/**
 * The fastcgi_keep_conn trap: every kept connection holds one PHP-FPM worker, so a node that
 * gets more simultaneous requests than it has workers leaves requests on new connections
 * waiting until a kept one closes (measured: 4 workers, 16 connections over 3 nodes: requests
 * hung until the client's timeout). A warning when the load can do that, or null.
 */
export function fastcgiReuseWarning(reuse: ConnectionReuse, phpChildren: number, connections: number): string | null {
  if (!reuse.fastcgi || connections <= phpChildren) return null;
  return (
    `fastcgi connection reuse with ${phpChildren} PHP-FPM worker(s) per node and ${connections} client connections: ` +
    'a node that gets more simultaneous requests than it has workers starves the requests on new FastCGI connections ' +
    '(each kept connection holds a worker); give topology.phpChildren >= workload.connections (docs/connection-reuse.md)'
  );
}
