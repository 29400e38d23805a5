/**
 * One balancer kind, registered by name (like a toxic or a fault): how it is configured, which
 * binary and image run it, and what it does with a request whose node fails. Adding a balancer
 * is one file that exports a BalancerKind plus one line in balancer-registry.ts; every list of
 * balancer names (scenario and result schemas, CLI usage, doctor) comes from the registry.
 */
import { z } from 'zod';

/** What a balancer's config is rendered from (addresses as the balancer reaches them). */
export interface BalancerInput {
  /** What it listens on: "127.0.0.1:PORT" (local) or "80" / ":80" style (containers). */
  listen: string;
  /** node name -> host:port of that node (a Toxiproxy proxy when the link has one). */
  upstreams: Record<string, string>;
  /** Route each session to one node (the affinity strategy). */
  sticky: boolean;
  /** A writable directory for the balancer's temporary files. */
  prefixDir: string;
  /** Keep connections to the nodes (topology.connectionReuse.balancer). */
  reuse: boolean;
  /** How long it waits to connect to a node and for a node's answer (topology.balancerTimeouts). */
  timeouts: BalancerTimeouts;
}

export interface BalancerTimeouts {
  /** nginx proxy_connect_timeout, HAProxy timeout connect. */
  connectMs: number;
  /** nginx proxy_read_timeout (and proxy_next_upstream_timeout), HAProxy timeout server. */
  readMs: number;
}

export const balancerRetrySchema = z.object({
  /** The balancer kind this policy belongs to (its registered name). */
  balancer: z.string().min(1),
  /** One sentence: what the balancer does with a request whose node fails. */
  summary: z.string(),
  /** The exact directives written into the balancer config. */
  directives: z.array(z.string()),
  retriesGetOnOtherNode: z.boolean(),
  connectTimeoutMs: z.number().nonnegative(),
  /** How long it waits for a node's answer (proxy_read_timeout, timeout server); older results have none. */
  readTimeoutMs: z.number().nonnegative().optional(),
});
export type BalancerRetry = z.infer<typeof balancerRetrySchema>;

export interface BalancerKind {
  /** The name scenarios and --balancer use. */
  readonly name: string;
  /** One line for usage texts and the doctor. */
  readonly description: string;
  /** The system binary that runs it locally (system-binaries.ts). */
  readonly binary: 'nginx' | 'haproxy';
  /** The docker image that runs it (docker/<imageKind>/); its entrypoint reads /psl/conf/<configFile>. */
  readonly imageKind: 'balancer-nginx' | 'balancer-haproxy';
  /** The config file's name. */
  readonly configFile: string;
  /** Whether the server keeps its connections to the nodes out of the box (connectionReuse `stock`). */
  readonly reusesServerConnectionsByDefault: boolean;
  render(input: BalancerInput): string;
  /** Command-line arguments to run it locally with its config at `conf` in directory `dir`. */
  localArgs(paths: { conf: string; dir: string }): string[];
  /** Its timeouts when the scenario sets none (topology.balancerTimeouts). */
  readonly defaultTimeouts: BalancerTimeouts;
  /** What it does with a request whose node fails, as rendered with these timeouts; recorded in every result. */
  retryPolicy(timeouts: BalancerTimeouts): BalancerRetry;
  /** A note for the connection figures, when the balancer makes requests of its own (health checks). */
  readonly connectionNote?: string;
}
