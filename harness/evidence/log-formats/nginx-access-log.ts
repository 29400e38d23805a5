/**
 * The balancer nginx's access log, as the harness configures it (NGINX_EVIDENCE_LOG_FORMAT in
 * topology/config/nginx-balancer-config.ts): only requests that did not go to one node and
 * come back 2xx/3xx are written, `1796466953.123 status=502 upstream="127.0.0.1:4101,
 * 127.0.0.1:4102" upstream_status="502, 502" rt=0.004 "GET /?user=u7 HTTP/1.1"`. The stamp is
 * nginx's $msec (epoch seconds to the ms): no zone to know. The upstream list names the nodes
 * tried, in order, and what each answered (nginx's error log says why, not for which request).
 */
import type { KindRule, LogFormatParser } from './log-format.js';

export const nginxAccessRules: readonly KindRule[] = [
  // The upstream group's name where an address would be: no node was live to try.
  { pattern: / upstream="php_nodes" /, kind: 'no-live-upstream' },
  { pattern: /^\S+ status=5\d\d /, kind: 'request-failed' },
  // ", " between attempts of proxy_next_upstream, " : " between upstream groups.
  { pattern: /upstream_status="[^"]*(,|\s:\s)/, kind: 'request-retried' },
];

const stamp = /^(\d{9,11})\.(\d{3}) /;

export const nginxAccessLog: LogFormatParser = {
  format: 'nginx-access',
  resolutionMs: 1,
  rules: nginxAccessRules,
  timeReader: () => (line) => {
    const m = stamp.exec(line);
    return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
  },
};
