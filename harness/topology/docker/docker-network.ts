/**
 * One private bridge network per run, with a subnet we choose so every container gets a fixed
 * address: a restored node comes back on the same IP, so balancer configs and Toxiproxy
 * upstreams stay valid. (testcontainers' `new Network()` can set neither labels nor a subnet,
 * so the network is created through its runtime client.)
 */
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { getContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../../errors.js';
import { runLabels } from './docker-labels.js';

export interface RunNetwork {
  id: string;
  name: string;
  /** e.g. 10.231.7.0/24 */
  subnet: string;
  /** The host's address on this network (the bridge): where host-side proxies listen. */
  gateway: string;
  /** Address number n in the subnet (2..254). */
  ip(n: number): string;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function cidrRange(cidr: string): [number, number] | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipToInt(m[1]!) / size) * size;
  return [start, start + size - 1];
}

async function usedRanges(): Promise<Array<[number, number]>> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const ranges: Array<[number, number]> = [];
  for (const network of await docker.listNetworks()) {
    for (const config of network.IPAM?.Config ?? []) {
      const range = config.Subnet ? cidrRange(config.Subnet) : null;
      if (range) ranges.push(range);
    }
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && a.cidr) {
        const range = cidrRange(a.cidr);
        if (range) ranges.push(range);
      }
    }
  }
  return ranges;
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

/** Creates the run's network on a free 10.231.N.0/24 (N derived from the run id, then probed). */
export async function createRunNetwork(runId: string): Promise<RunNetwork> {
  const client = await getContainerRuntimeClient();
  const first = createHash('sha256').update(runId).digest()[0]!;
  const name = `psl-${runId}`;
  let lastError: unknown;
  for (let attempt = 0; attempt < 256; attempt++) {
    const n = (first + attempt) % 256;
    const subnet = `10.231.${n}.0/24`;
    const range = cidrRange(subnet)!;
    if ((await usedRanges()).some((used) => overlaps(used, range))) continue;
    const prefix = `10.231.${n}.`;
    try {
      const network = await client.network.create({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: runLabels(runId, 'network'),
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: `${prefix}1` }] },
      });
      return { id: network.id, name, subnet, gateway: `${prefix}1`, ip: (k) => `${prefix}${k}` };
    } catch (error) {
      // Another run took the subnet between our look and our create: try the next one.
      lastError = error;
      if (!/overlap|already/i.test((error as Error).message)) break;
    }
  }
  throw new HarnessError(`cannot create docker network ${name}: ${(lastError as Error | undefined)?.message ?? 'no free 10.231.N.0/24 subnet'}`, {
    cause: lastError,
  });
}

export async function removeRunNetwork(network: RunNetwork): Promise<void> {
  const client = await getContainerRuntimeClient();
  await client.network.remove(client.network.getById(network.id));
}
