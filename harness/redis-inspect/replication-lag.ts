/**
 * How far each replica trails its master, from the master's INFO replication: the bytes of
 * the replication stream it has not acknowledged yet (master_repl_offset minus the replica's
 * offset) and the seconds since its last acknowledgement (`lag`). Replicas acknowledge every
 * second, so the byte lag is an upper bound of what a read from a replica could miss; a
 * `failover=distribute` read from a replica is stale only while it trails.
 */

export interface ReplicaLag {
  /** ip:port as the master knows the replica. */
  replica: string;
  lagBytes: number;
  /** Seconds since its last REPLCONF ACK. */
  ackAgeS: number;
}

/** The replicas of a master and how far each trails; [] for a replica or a master without replicas. */
export function parseReplicationLag(info: string): ReplicaLag[] {
  if (!/^role:master\s*$/m.test(info)) return [];
  const master = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? NaN);
  if (!Number.isFinite(master)) return [];
  const out: ReplicaLag[] = [];
  for (const match of info.matchAll(/^slave\d+:(.*)$/gm)) {
    const fields = Object.fromEntries(match[1]!.trim().split(',').map((kv) => kv.split('=') as [string, string]));
    const offset = Number(fields.offset);
    if (!Number.isFinite(offset) || fields.state !== 'online') continue;
    out.push({ replica: `${fields.ip}:${fields.port}`, lagBytes: Math.max(0, master - offset), ackAgeS: Number(fields.lag ?? 0) });
  }
  return out;
}

/** A bounded record of lag samples: max, and p99 over a uniform reservoir of at most `capacity` samples. */
export class LagRecorder {
  private readonly reservoir: number[] = [];
  private seen = 0;
  private maxBytes = 0;
  private maxAckAgeS = 0;
  private trailing = 0;

  constructor(private readonly capacity = 20_000) {}

  add(lags: readonly ReplicaLag[]): void {
    for (const lag of lags) {
      this.seen++;
      this.maxBytes = Math.max(this.maxBytes, lag.lagBytes);
      this.maxAckAgeS = Math.max(this.maxAckAgeS, lag.ackAgeS);
      if (lag.lagBytes > 0) this.trailing++;
      if (this.reservoir.length < this.capacity) this.reservoir.push(lag.lagBytes);
      else {
        const j = Math.floor(Math.random() * this.seen);
        if (j < this.capacity) this.reservoir[j] = lag.lagBytes;
      }
    }
  }

  summary(): { samples: number; trailingSamples: number; maxBytes: number; p99Bytes: number; maxAckAgeS: number } | null {
    if (this.seen === 0) return null;
    const sorted = [...this.reservoir].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
    return { samples: this.seen, trailingSamples: this.trailing, maxBytes: this.maxBytes, p99Bytes: p99, maxAckAgeS: this.maxAckAgeS };
  }
}
