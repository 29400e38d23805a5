/**
 * One direction of one proxied connection: source socket -> toxic stages -> destination.
 *
 * With no active stage the link is a plain pipe (write straight to the destination, pause
 * the source when write() returns false). Otherwise chunks go through the stages in the
 * proxy's order. Stages are swapped on live connections without losing or reordering
 * bytes: a removed or replaced stage hands its pending chunks to whatever follows it.
 * Backpressure: the source is paused while the destination is congested or the stages
 * hold more than HIGH_WATER bytes, so nothing buffers without bound.
 */
import type { Socket } from 'node:net';
import type { ToxicConfig } from './toxic-config.js';
import type { Chunk, ToxicStage } from './toxics/toxic-type.js';

const HIGH_WATER = 256 * 1024;

export interface DirectionCounters {
  received: number;
  sent: number;
}

interface Slot {
  config: ToxicConfig;
  stage: ToxicStage | null;
  /** Per connection/direction state that survives updates (limit_data's byte count). */
  state: unknown;
}

export class Link {
  private readonly slots: Slot[] = [];
  private activeStages = 0;
  private dstBlocked = false;
  private paused = false;
  private endSent = false;
  private closed = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly counters: DirectionCounters,
    private readonly closeConnection: (mode: 'fin' | 'reset') => void,
    toxics: readonly ToxicConfig[],
  ) {
    for (const config of toxics) this.addToxic(config);
  }

  /** Starts moving data (called once the upstream connection is established). */
  start(): void {
    this.src.on('data', this.onData);
    this.src.on('end', this.onEnd);
    this.dst.on('drain', this.onDrain);
  }

  addToxic(config: ToxicConfig): void {
    const slot: Slot = { config, stage: null, state: config.definition.newState?.() };
    this.slots.push(slot);
    slot.stage = this.createStage(slot);
    this.countStages();
  }

  updateToxic(config: ToxicConfig): void {
    const index = this.slots.findIndex((s) => s.config.name === config.name);
    const slot = this.slots[index];
    if (!slot) return;
    const pending = slot.stage?.takePending() ?? [];
    slot.config = config;
    slot.stage = this.createStage(slot); // toxicity is drawn again, as Toxiproxy does
    this.countStages();
    for (const chunk of pending) {
      if (slot.stage) slot.stage.push(chunk);
      else this.forward(index, chunk);
    }
    this.checkFlow();
  }

  removeToxic(name: string): void {
    const index = this.slots.findIndex((s) => s.config.name === name);
    const slot = this.slots[index];
    if (!slot) return;
    const pending = slot.stage?.takePending() ?? [];
    this.slots.splice(index, 1);
    this.countStages();
    for (const chunk of pending) this.forward(index - 1, chunk);
    this.checkFlow();
  }

  /** Stops every stage; no more data moves. */
  dispose(): void {
    this.closed = true;
    for (const slot of this.slots) slot.stage?.dispose();
    this.src.off('data', this.onData);
    this.src.off('end', this.onEnd);
    this.dst.off('drain', this.onDrain);
  }

  private createStage(slot: Slot): ToxicStage | null {
    if (this.closed || !(Math.random() < slot.config.toxicity)) return null;
    let stage: ToxicStage | null = null;
    stage = slot.config.definition.create(
      slot.config.attributes,
      {
        emit: (chunk) => {
          // A replaced stage never emits again; guard anyway so order cannot break.
          if (slot.stage !== stage) return;
          this.forward(this.slots.indexOf(slot), chunk);
          this.checkFlow();
        },
        close: (mode) => {
          if (slot.stage === stage) this.closeConnection(mode);
        },
      },
      slot.state,
    );
    return stage;
  }

  private countStages(): void {
    let n = 0;
    for (const slot of this.slots) if (slot.stage) n++;
    this.activeStages = n;
  }

  private readonly onData = (data: Buffer): void => {
    if (this.closed) return;
    this.counters.received += data.length;
    if (this.activeStages === 0) {
      this.write(data); // fast path
      return;
    }
    this.forward(-1, { data, at: performance.now() });
    this.checkFlow();
  };

  private readonly onEnd = (): void => {
    if (this.closed) return;
    if (this.activeStages === 0) this.write(null);
    else this.forward(-1, { data: null, at: performance.now() });
  };

  private readonly onDrain = (): void => {
    this.dstBlocked = false;
    this.checkFlow();
  };

  /** Passes a chunk to the first active stage after `index`, or to the destination. */
  private forward(index: number, chunk: Chunk): void {
    for (let i = index + 1; i < this.slots.length; i++) {
      const stage = this.slots[i]!.stage;
      if (stage) {
        stage.push(chunk);
        return;
      }
    }
    this.write(chunk.data);
  }

  private write(data: Buffer | null): void {
    if (this.closed || this.endSent) return;
    if (data === null) {
      this.endSent = true;
      this.dst.end();
      return;
    }
    this.counters.sent += data.length;
    if (!this.dst.write(data) && !this.dstBlocked) {
      this.dstBlocked = true;
      if (!this.paused) {
        this.paused = true;
        this.src.pause();
      }
    }
  }

  private pendingBytes(): number {
    let total = 0;
    for (const slot of this.slots) total += slot.stage?.pendingBytes() ?? 0;
    return total;
  }

  private checkFlow(): void {
    if (this.closed) return;
    const pause = this.dstBlocked || (this.activeStages > 0 && this.pendingBytes() > HIGH_WATER);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.src.pause();
    else this.src.resume();
  }
}
