/**
 * How long one request can live in the stack, so a user whose request timed out at the
 * client can be held until the stack can no longer be working on it (and can no longer
 * write its session): one user never has two requests in flight.
 * - a node gives a request at most NODE_REQUEST_TIMEOUT_S: PHP-FPM request_terminate_timeout
 *   kills the worker, nginx fastcgi_read_timeout gives up on it;
 * - the balancer waits its read timeout for a node (topology.balancerTimeouts.read, default
 *   BALANCER_READ_TIMEOUT_S), and starts no retry on another node later than that (nginx
 *   proxy_next_upstream_timeout; HAProxy does not retry a response timeout).
 */
export const NODE_REQUEST_TIMEOUT_S = 30;
export const BALANCER_READ_TIMEOUT_S = 30;

/** The latest a retry can start, plus the longest a node works on it, plus a second of slack. */
export function requestDeadlineMs(balancerReadMs: number = BALANCER_READ_TIMEOUT_S * 1000): number {
  return balancerReadMs + NODE_REQUEST_TIMEOUT_S * 1000 + 1000;
}

/** The deadline with the default balancer read timeout. */
export const REQUEST_DEADLINE_MS = requestDeadlineMs();
