/**
 * Root-cause evidence (issue 14): the logs of every component of a run, parsed into
 * timestamped events of a small catalogue of kinds, tied to the run's timeline.
 * Shared types of the collectors (topology), the parsers (log-formats/) and the probe.
 */

/** Which parser reads a log. */
export const logFormats = ['php-error', 'php-fpm', 'nginx-error', 'nginx-access', 'haproxy', 'redis', 'redis-latency', 'redis-info'] as const;
export type LogFormat = (typeof logFormats)[number];

/**
 * A log the topology's plan knows of (plan-topology.ts): a file as the component's own
 * process sees its path, or `output` (what it writes to stdout and stderr: the process's log
 * file locally, `docker logs` in a container). Providers turn each into a LogSource.
 */
export interface PlannedLog {
  component: string;
  format: LogFormat;
  at: { file: string } | 'output';
}

/** One log of one component of the run, read after the load (before the stack stops). */
export interface LogSource {
  /** node-1, balancer, redis, redis-3, ... */
  component: string;
  format: LogFormat;
  /** Where it came from, for the reader (a file path, `docker logs <container>`). */
  origin: string;
  /**
   * The zone its local-time stamps are written in (`UTC`, `+02:00`, an IANA name); absent:
   * this host's zone (the local provider's servers share the harness's TZ). Containers run
   * with TZ=UTC.
   */
  zone?: string;
  /** The log's text so far. */
  read(): Promise<string>;
}

/** The catalogue: what a log line says happened. `other` keeps lines no rule knows. */
export const evidenceKinds = [
  'session-read-failed',
  'session-write-failed',
  'session-start-failed',
  'lock-not-acquired',
  'redis-connection-failed',
  'redis-timeout',
  'redis-oom',
  /** Keys Redis evicted under maxmemory (INFO evicted_keys): sessions gone before their TTL. */
  'redis-evicted',
  /** Connections Redis refused at maxclients (INFO rejected_connections). */
  'redis-connection-rejected',
  /** Redis's latency monitor recorded an event at least latency-monitor-threshold ms long. */
  'redis-slow',
  'cluster-down',
  'cluster-failover',
  'upstream-connect-failed',
  'upstream-timeout',
  'upstream-reset',
  'no-live-upstream',
  /** The balancer sent the request to more than one node (its access log's upstream list). */
  'request-retried',
  /** The balancer answered the client 5xx (its access log). */
  'request-failed',
  'server-down',
  'server-up',
  'worker-pool-exhausted',
  'worker-killed',
  'php-fatal',
  'php-warning',
  'redis-restart',
  'redis-persistence',
  'other',
] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

export interface EvidenceEvent {
  /** Wall-clock time of the line, epoch ms (at the log's resolution: 1 s for PHP and nginx). */
  atMs: number;
  component: string;
  format: LogFormat;
  kind: EvidenceKind;
  /** The raw line (trimmed, at most 500 characters). */
  line: string;
  /** How many occurrences it stands for (an INFO counter's growth in one sample); absent: 1. */
  count?: number;
}

export interface ParsedLog {
  events: EvidenceEvent[];
  /** Lines with no readable timestamp (kept out of the timeline, counted). */
  untimed: number;
  /** ms between two successive timestamps of this log's format (1000 for second resolution). */
  resolutionMs: number;
}
