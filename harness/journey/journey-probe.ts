/** The journey's per-step figures as result.journey (a probe: the runner never knows what it holds). */
import type { Probe } from '../probes/probe.js';
import type { JourneyJobs } from './journey-jobs.js';
import type { JourneySection } from './journey-section.js';

export class JourneyProbe implements Probe<'journey'> {
  readonly section = 'journey' as const;

  constructor(private readonly jobs: JourneyJobs) {}

  async start(): Promise<void> {}

  onLoadStart(startedAt: number): void {
    this.jobs.setStart(startedAt);
  }

  async onLoadEnd(): Promise<void> {}

  async finish(): Promise<JourneySection> {
    return this.jobs.section();
  }

  close(): void {}
}
