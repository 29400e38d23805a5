/**
 * The evidence probe: after the final reads (before the stack stops and its run directory
 * goes), every log of every component is read and parsed into events of the catalogue, and
 * tied to the run: kinds per second on the timeline's axis, the kinds behind each window of
 * answers that were not ok, and the events around each lost user's loss. While the load runs
 * it only counts, per second, the answers that were not ok, and per user its first such
 * answer and the nodes that answered it. A log that cannot be read is listed as unreadable; a
 * line that cannot be parsed is counted, never fatal.
 */
import { performance } from 'node:perf_hooks';
import { userVerdict } from '../checks/session-checker.js';
import type { Probe, ProbeEnd } from '../probes/probe.js';
import type { RequestRecord } from '../workload/load-events.js';
import type { EvidenceSection } from './evidence-section.js';
import type { EvidenceEvent, LogSource } from './evidence-types.js';
import { parseLog } from './parse-log.js';
import type { RedisInfoSampler } from './redis-info-sampler.js';
import { AnswerWarnings } from './answer-warnings.js';
import { evidenceWindows, kindTotals, lostUserEvidence, onRunAxis, perSecond, topKinds, type LostUserTrace } from './tie-evidence.js';

/** A log larger than this is read from its end (a runaway log must not take the harness's memory). */
const MAX_LOG_CHARS = 64 * 1024 * 1024;
/** Events kept from this long before the load start (start-up lines are not the run's story). */
const BEFORE_LOAD_MS = 2000;

interface UserTrack {
  firstBadMs: number | null;
  nodes: Set<string>;
}

export class EvidenceProbe implements Probe<'evidence'> {
  readonly section = 'evidence' as const;
  private loadStartEpochMs = 0;
  private readonly badSeconds = new Map<number, number>();
  private readonly users = new Map<number, UserTrack>();
  private readonly warnings = new AnswerWarnings();

  constructor(
    private readonly sources: () => LogSource[],
    private readonly log: (message: string) => void,
    /** Redis's INFO counters, sampled while the load runs (one per Redis or cluster node). */
    private readonly infoSamplers: readonly RedisInfoSampler[] = [],
  ) {}

  async start(): Promise<void> {}

  onLoadStart(startedAt: number): void {
    // The logs carry wall-clock times; the run counts from performance.now().
    this.loadStartEpochMs = Date.now() - (performance.now() - startedAt);
    for (const sampler of this.infoSamplers) sampler.start();
  }

  onRecord(r: RequestRecord): void {
    if (r.check.warnings) this.warnings.add(r.userIndex, r.t, r.check.node ?? null, r.check.warnings);
    let track = this.users.get(r.userIndex);
    if (!track) this.users.set(r.userIndex, (track = { firstBadMs: null, nodes: new Set() }));
    if (r.check.node) track.nodes.add(r.check.node);
    if (r.check.outcome === 'ok') return;
    const second = Math.floor(r.t / 1000);
    this.badSeconds.set(second, (this.badSeconds.get(second) ?? 0) + 1);
    track.firstBadMs ??= r.t;
  }

  async onLoadEnd(): Promise<void> {
    await Promise.all(this.infoSamplers.map((s) => s.stop()));
  }

  async finish(end: ProbeEnd): Promise<EvidenceSection | null> {
    if (end.aborted) return null;
    this.log("reading the components' logs (root-cause evidence)");
    const sources = [...this.sources(), ...this.infoSamplers];
    const parsed = await Promise.all(
      sources.map(async (source) => {
        try {
          const text = await source.read();
          const { events, untimed, resolutionMs } = parseLog(source, text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text);
          return { source, events, untimed, resolutionMs, status: text.trim() === '' ? ('empty' as const) : ('read' as const) };
        } catch (error) {
          return { source, events: [] as EvidenceEvent[], untimed: 0, resolutionMs: 0, status: 'unreadable' as const, error: (error as Error).message };
        }
      }),
    );
    const resolutionMs = Math.max(1000, ...parsed.map((p) => p.resolutionMs));
    // Up to now: the final reads and the heals are part of the story.
    const endMs = Date.now() - this.loadStartEpochMs + 1000;
    const fromMs = -BEFORE_LOAD_MS;
    const events = onRunAxis(parsed.flatMap((p) => p.events), this.loadStartEpochMs).filter((e) => e.t >= fromMs && e.t <= endMs);
    const lostIndexes = end.users.flatMap((u, i) => (userVerdict(u) === 'lost' ? [i] : []));
    const lost: LostUserTrace[] = lostIndexes.map((i) => {
      const track = this.users.get(i);
      return { user: end.users[i]!.id, lostAtMs: track?.firstBadMs ?? null, nodes: [...(track?.nodes ?? [])].sort() };
    });
    const section: EvidenceSection = {
      clock: `every component logs with this host's clock (no offset to correct; stamps without a zone are read in the zone each source runs in: this host's, UTC in containers); times are at each log's resolution (PHP and nginx error logs: 1 s; Redis, HAProxy, nginx access: 1 ms; INFO samples: 1 s), so an event may show up to ${resolutionMs / 1000} s early`,
      resolutionMs,
      sources: parsed.map((p) => ({
        component: p.source.component,
        format: p.source.format,
        origin: p.source.origin,
        status: p.status,
        events: p.events.length,
        untimed: p.untimed,
        ...('error' in p && p.error ? { error: p.error } : {}),
      })),
      kinds: kindTotals(events, 0),
      overall: topKinds(events, 0, Infinity),
      perSecond: perSecond(events, fromMs, Infinity),
      windows: evidenceWindows(events, this.badSeconds, resolutionMs),
      // Its own answers' warnings too: the most direct evidence of why it was lost.
      lostUsers: lostUserEvidence(events, lost).map((u, i) => {
        const own = this.warnings.ofUser(lostIndexes[i]!);
        return own.length ? { ...u, answerWarnings: own } : u;
      }),
      answers: this.warnings.summary(),
    };
    const top = section.overall.filter((k) => k.kind !== 'other').slice(0, 3).map((k) => `${k.kind} ${k.count}`);
    this.log(`evidence: ${events.length} log events from ${parsed.filter((p) => p.status === 'read').length} of ${sources.length} logs${top.length ? ` (${top.join(', ')})` : ''}`);
    return section;
  }

  close(): void {
    for (const sampler of this.infoSamplers) void sampler.stop();
  }
}
