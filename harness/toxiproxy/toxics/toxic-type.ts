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

/**
 * One attribute: a field of the Go toxic struct (toxics/*.go), `int64` or `int` (64 bits on
 * the platforms Toxiproxy ships for). Any value of that type is accepted, as in Toxiproxy;
 * the stages make the odd ones safe (negative waits are none, long ones are capped).
 */
export interface AttributeSpec {
  readonly name: string;
  readonly goType: 'int64' | 'int';
}

export type ToxicAttributes = Record<string, number>;

export interface ToxicDefinition {
  readonly type: string;
  /** The Go struct's name, for Go's error texts ("LatencyToxic"). Attributes default to 0. */
  readonly goStruct: string;
  readonly attributes: readonly AttributeSpec[];
  /** Per connection and direction state kept across updates of the toxic (limit_data's count). */
  newState?(): unknown;
  create(attributes: ToxicAttributes, ctx: StageContext, state: unknown): ToxicStage;
}

/** Node fires a longer setTimeout after 1 ms, so waits are capped here (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A wait for setTimeout: negative is none (Go's time.After fires at once), long is capped. */
export function timerMs(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_TIMER_MS);
}

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
