/**
 * Redis Cluster's own words, parsed: `CLUSTER NODES` lines, `CLUSTER INFO` fields, and the
 * key -> hash slot function (CRC16/XMODEM mod 16384, hash tags honoured), so the harness can
 * say which master holds a session key without asking Redis key by key. Pure.
 *
 * CLUSTER NODES, one line per node (https://redis.io/docs/latest/commands/cluster-nodes/):
 *   <id> <ip:port@cport[,hostname[,aux=...]]> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> ...
 * A slot is `N` or `A-B`; `[N->-id]` (migrating) and `[N-<-id]` (importing) are left out:
 * the slot still belongs to the node listing it plainly.
 */
import { InvalidInputError } from '../errors.js';

export const CLUSTER_SLOTS = 16384;

export const clusterNodeFlags = ['myself', 'master', 'slave', 'fail?', 'fail', 'handshake', 'noaddr', 'nofailover', 'noflags'] as const;
export type ClusterNodeFlag = (typeof clusterNodeFlags)[number];

/** Inclusive slot range [start, end]. */
export type SlotRange = [start: number, end: number];

export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  busPort: number;
  /** Known flags in the order given; `replica` is read as `slave` (the word Redis writes). */
  flags: ClusterNodeFlag[];
  myself: boolean;
  role: 'master' | 'replica';
  /** Flagged failing: `fail` (agreed by a majority of masters) or `pfail` (`fail?`, one node's suspicion); null otherwise. */
  failure: 'fail' | 'pfail' | null;
  /** The master's id for a replica; null for a master. */
  masterId: string | null;
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
  slots: SlotRange[];
}

/** One line of CLUSTER NODES. Throws InvalidInputError on a line that is not one. */
export function parseClusterNodeLine(line: string): ClusterNodeEntry {
  const fields = line.trim().split(/\s+/);
  const bad = (why: string) => new InvalidInputError(`CLUSTER NODES line ${JSON.stringify(line.slice(0, 200))}: ${why}`);
  if (fields.length < 8) throw bad(`${fields.length} fields, at least 8 expected`);
  const [id, address, flagText, master, , , epoch, link] = fields as [string, string, string, string, string, string, string, string];
  if (!/^[0-9a-f]{40}$/i.test(id)) throw bad('the node id is not 40 hex digits');
  // ip:port@cport, then optional ,hostname and aux fields (7.x); the ip may be IPv6 (colons).
  const hostPort = address.split(',')[0]!;
  const at = hostPort.lastIndexOf('@');
  const ipPort = at >= 0 ? hostPort.slice(0, at) : hostPort;
  const colon = ipPort.lastIndexOf(':');
  if (colon < 0) throw bad(`address ${JSON.stringify(address)} has no port`);
  const port = Number(ipPort.slice(colon + 1));
  const busPort = at >= 0 ? Number(hostPort.slice(at + 1)) : port + 10000;
  if (!Number.isInteger(port) || !Number.isInteger(busPort)) throw bad(`address ${JSON.stringify(address)} has no numeric port`);
  const flags: ClusterNodeFlag[] = [];
  for (const raw of flagText.split(',')) {
    const flag = raw === 'replica' ? 'slave' : raw;
    if ((clusterNodeFlags as readonly string[]).includes(flag)) flags.push(flag as ClusterNodeFlag);
  }
  const has = (f: ClusterNodeFlag) => flags.includes(f);
  const role = has('slave') ? 'replica' : 'master';
  if (link !== 'connected' && link !== 'disconnected') throw bad(`link state ${JSON.stringify(link)}`);
  const slots: SlotRange[] = [];
  for (const slot of fields.slice(8)) {
    if (slot.startsWith('[')) continue; // importing / migrating marker
    const m = /^(\d+)(?:-(\d+))?$/.exec(slot);
    if (!m) throw bad(`slot ${JSON.stringify(slot)}`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start > end || end >= CLUSTER_SLOTS) throw bad(`slot range ${slot} outside 0..${CLUSTER_SLOTS - 1}`);
    slots.push([start, end]);
  }
  return {
    id,
    host: ipPort.slice(0, colon),
    port,
    busPort,
    flags,
    myself: has('myself'),
    role,
    failure: has('fail') ? 'fail' : has('fail?') ? 'pfail' : null,
    masterId: role === 'replica' && master !== '-' ? master : null,
    configEpoch: Number(epoch) || 0,
    linkState: link,
    slots,
  };
}

/** The whole CLUSTER NODES reply (blank lines skipped). */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map(parseClusterNodeLine);
}

export interface ClusterInfo {
  state: 'ok' | 'fail' | null;
  currentEpoch: number | null;
  knownNodes: number | null;
  slotsAssigned: number | null;
}

/** The fields of CLUSTER INFO the harness reads. */
export function parseClusterInfo(text: string): ClusterInfo {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(text)?.[1] ?? null;
  const num = (name: string) => {
    const v = field(name);
    return v === null || !Number.isFinite(Number(v)) ? null : Number(v);
  };
  const state = field('cluster_state');
  return {
    state: state === 'ok' || state === 'fail' ? state : null,
    currentEpoch: num('cluster_current_epoch'),
    knownNodes: num('cluster_known_nodes'),
    slotsAssigned: num('cluster_slots_assigned'),
  };
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16/XMODEM (poly 0x1021, init 0): the checksum Redis Cluster hashes keys with. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The hash slot of a key, as CLUSTER KEYSLOT answers: when the key has a `{` followed later
 * by a `}` with at least one byte between them, only those bytes are hashed (a hash tag).
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % CLUSTER_SLOTS;
  }
  return crc16(bytes) % CLUSTER_SLOTS;
}

/** The master entry that lists `slot`, or null when none does (unassigned, or its master unknown to this view). */
export function slotOwner(entries: readonly ClusterNodeEntry[], slot: number): ClusterNodeEntry | null {
  for (const entry of entries) {
    if (entry.role !== 'master') continue;
    for (const [start, end] of entry.slots) if (slot >= start && slot <= end) return entry;
  }
  return null;
}

/** Sorted, merged ranges of a list of slots. */
export function toSlotRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else ranges.push([s, s]);
  }
  return ranges;
}

export function slotCount(ranges: readonly SlotRange[]): number {
  return ranges.reduce((n, [start, end]) => n + end - start + 1, 0);
}

/** "0-5460, 10923" */
export function formatSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(([start, end]) => (start === end ? String(start) : `${start}-${end}`)).join(', ');
}
