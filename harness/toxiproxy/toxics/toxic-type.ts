/**
 * The common interface of every toxic (Toxiproxy style: one small module per toxic,
 * registered by name). A toxic definition validates its attributes and creates one
 * stage per connection and direction; stages form a chain between source and destination.
 */

/** A piece of the stream. `data: null` is the end of the stream (the peer's FIN). */
export interface Chunk {
  data: Buffer | null;
  /** performance.now() when the chunk arrived at the proxy (latency keeps it across updates). */
  at: number;
}

export interface StageContext {
  /** Hands a chunk to the next stage (or the destination socket). Keep the order. */
  emit(chunk: Chunk): void;
  /** Closes the whole connection: 'fin' flushes what was emitted, 'reset' sends RST. */
  close(mode: 'fin' | 'reset'): void;
}

export interface ToxicStage {
  push(chunk: Chunk): void;
  /** Bytes held and not yet emitted (the link pauses its source above a high-water mark). */
  pendingBytes(): number;
  /** Stops the stage and returns what it has not emitted yet, in order (toxic update/removal). */
  takePending(): Chunk[];
  /** Stops the stage's timers; nothing is emitted afterwards. */
  dispose(): void;
}

export interface AttributeSpec {
  readonly name: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Shown in error messages, e.g. "ms". */
  readonly unit: string;
}

export type ToxicAttributes = Record<string, number>;

export interface ToxicDefinition {
  readonly type: string;
  readonly attributes: readonly AttributeSpec[];
  /** Extra cross-attribute validation; returns an error message or null. */
  validate?(attributes: ToxicAttributes): string | null;
  /** Per connection and direction state kept across updates of the toxic (limit_data's count). */
  newState?(): unknown;
  create(attributes: ToxicAttributes, ctx: StageContext, state: unknown): ToxicStage;
}

export const HOUR_MS = 3_600_000;

/** Reads an attribute that validation guaranteed to be present. */
export function attr(attributes: ToxicAttributes, name: string): number {
  const value = attributes[name];
  if (value === undefined) throw new Error(`toxic attribute ${name} missing after validation`);
  return value;
}

export function chunkBytes(chunks: readonly Chunk[]): number {
  let total = 0;
  for (const c of chunks) total += c.data?.length ?? 0;
  return total;
}
