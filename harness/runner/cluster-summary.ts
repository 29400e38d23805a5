/** The summary's Redis Cluster lines: the failover as the cluster reported it, errors by slot owner, split brain. */
import type { RunResult } from '../results/result-schema.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function clusterLines(r: RunResult): string[] {
  const c = r.redisCluster;
  if (!c) return [];
  const s = c.settings;
  const f = c.failover;
  const failover = f
    ? `${f.failedNode} flagged FAIL at ${seconds(f.flaggedFailAtMs)}, ${f.promotedNode ? `${f.promotedNode} promoted at ${seconds(f.promotedAtMs!)}` : 'no replica promoted'}`
    : 'no master failed';
  const owners = c.perOwner.map((o) => `${o.master} ${o.nonOk}/${o.requests} (${o.users} users)`).join(' · ');
  const lines = [
    `  cluster    ${s.masters} masters x ${s.replicasPerMaster} replica(s), node timeout ${s.nodeTimeoutMs} ms · ${failover} · ${c.keys} session keys`,
    `  by owner   non-ok answers per master owning the user's slot at the start: ${owners || 'none'}`,
  ];
  const lag = c.replicationLag;
  if (lag) {
    lines.push(
      `  replicas   trailed their master in ${lag.trailingSamples} of ${lag.samples} samples: by at most ${lag.maxBytes} B (p99 ${lag.p99Bytes} B), last ack at most ${lag.maxAckAgeS} s old; stale answers in the run: ${r.outcomes.stale}`,
    );
  }
  for (const fault of r.faults) {
    const alone = fault.observed?.writesAcknowledgedAlone;
    if (fault.type !== 'redis-master-partition' || typeof alone !== 'number') continue;
    // The writes only the isolated master saw show as stale answers (older counts) once a user
    // reads from the promoted replica, and as lost users when a first write was among them.
    const startSecond = Math.floor(fault.startMs / 1000);
    const stale = r.timeline.filter((p) => p.t >= startSecond).reduce((n, p) => n + p.outcomes.stale, 0);
    const isolated = String(fault.observed?.isolated ?? fault.target);
    lines.push(
      stale + r.sessions.lost > 0
        ? `  split      ${isolated} acknowledged ${alone} session write(s) alone; lost after the failover: ${stale} stale answer(s) since the partition, ${r.sessions.lost} user(s) lost`
        : `  split      no acknowledged write was lost: ${isolated} acknowledged ${alone} session write(s) alone, none seen missing afterwards`,
    );
  }
  return lines;
}
