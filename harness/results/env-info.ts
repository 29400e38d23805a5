/** Versions of what a run actually used, and the machine it ran on. */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { EnvInfo } from './result-schema.js';
import { binaryVersion, phpExtensionVersion } from '../topology/local/system-binaries.js';

function osRelease(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /PRETTY_NAME="?([^"\n]+)"?/.exec(text)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export async function collectEnvInfo(): Promise<EnvInfo> {
  const [php, nginx, haproxy, redis, phpredis, igbinary, msgpack] = await Promise.all([
    binaryVersion('phpFpm'),
    binaryVersion('nginx'),
    binaryVersion('haproxy'),
    binaryVersion('redisServer'),
    phpExtensionVersion('redis'),
    phpExtensionVersion('igbinary'),
    phpExtensionVersion('msgpack'),
  ]);
  return {
    php,
    nginx,
    haproxy,
    redis,
    node: process.version,
    phpredis,
    igbinary,
    msgpack,
    os: osRelease(),
    kernel: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    hostname: os.hostname(),
  };
}
