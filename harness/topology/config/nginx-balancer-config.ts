/** nginx as the load balancer (round-robin, or consistent hash on the session cookie). */
import type { BalancerRetry, BalancerTimeouts } from '../balancers/balancer-kind.js';
import { nginxCommonHead, nginxTempPaths } from './nginx-node-config.js';
import { BALANCER_READ_TIMEOUT_S } from './request-deadline.js';

export interface NginxBalancerInput {
  listen: string;
  /** node name -> host:port the balancer uses to reach it (a proxy when proxies are on). */
  upstreams: Record<string, string>;
  sticky: boolean;
  prefixDir: string;
  /**
   * Keep connections to the nodes (upstream keepalive, HTTP/1.1, empty Connection header).
   * Off is nginx's stock behaviour: HTTP/1.0 and `Connection: close`, a new connection per request.
   */
  reuse: boolean;
  timeouts?: BalancerTimeouts;
}

/** Idle connections each nginx worker keeps to the nodes when reuse is on. */
export const BALANCER_KEEPALIVE = 64;

export const nginxDefaultTimeouts: BalancerTimeouts = { connectMs: 200, readMs: BALANCER_READ_TIMEOUT_S * 1000 };

export function nginxBalancerRetry(timeouts: BalancerTimeouts = nginxDefaultTimeouts): BalancerRetry {
  const directives = [
    'proxy_next_upstream error timeout',
    `proxy_connect_timeout ${timeouts.connectMs}ms`,
    `proxy_read_timeout ${timeouts.readMs}ms`,
    `proxy_next_upstream_timeout ${timeouts.readMs}ms`,
    'max_fails=1 fail_timeout=5s',
  ];
  return {
    balancer: 'nginx',
    summary:
      `nginx retries a GET on the next node when connecting fails, the node breaks the connection or does not answer within ${timeouts.readMs} ms (proxy_next_upstream error timeout, its default); a node that failed is skipped for 5 s.`,
    directives,
    retriesGetOnOtherNode: true,
    connectTimeoutMs: timeouts.connectMs,
    readTimeoutMs: timeouts.readMs,
  };
}

/**
 * The access log the evidence probe reads (log-formats/nginx-access-log.ts): only requests that
 * were not one attempt at one node answered 2xx/3xx — a retry, a failed attempt, a 5xx — so a
 * healthy run writes nothing and the log costs no CPU per request.
 */
export function nginxEvidenceAccessLog(prefixDir: string): string {
  return `  log_format psl_evidence '$msec status=$status upstream="$upstream_addr" upstream_status="$upstream_status" rt=$request_time "$request"';
  map "$status:$upstream_status" $psl_abnormal { "~^[23][0-9][0-9]:[23][0-9][0-9]$" 0; default 1; }
  access_log ${prefixDir}/access.log psl_evidence if=$psl_abnormal;`;
}

export function renderNginxBalancerConfig(input: NginxBalancerInput): string {
  const timeouts = input.timeouts ?? nginxDefaultTimeouts;
  const servers = Object.values(input.upstreams)
    .map((address) => `    server ${address} max_fails=1 fail_timeout=5s;`)
    .join('\n');
  return `${nginxCommonHead(input.prefixDir)}http {
${nginxEvidenceAccessLog(input.prefixDir)}
${nginxTempPaths(input.prefixDir)}
  keepalive_requests 100000;
  upstream php_nodes {
${input.sticky ? '    hash $cookie_PHPSESSID consistent;\n' : ''}${servers}
${input.reuse ? `    keepalive ${BALANCER_KEEPALIVE};\n` : ''}  }
  server {
    listen ${input.listen} backlog=4096;
    location = /balancer-health { access_log off; return 200 "ok\\n"; }
    location / {
      proxy_pass http://php_nodes;
${input.reuse ? '      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n' : ''}      proxy_next_upstream error timeout;
      proxy_connect_timeout ${timeouts.connectMs}ms;
      proxy_read_timeout ${timeouts.readMs}ms;
      proxy_next_upstream_timeout ${timeouts.readMs}ms;
      proxy_buffering on;
    }
  }
}
`;
}
