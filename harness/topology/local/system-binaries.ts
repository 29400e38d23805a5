/** Finds the server binaries on this machine and reads their versions. */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { MissingDependencyError } from '../../errors.js';

const run = promisify(execFile);

export interface BinarySpec {
  /** Candidate names, best first. */
  names: string[];
  /** Debian package that provides it. */
  aptPackage: string;
  brewPackage?: string;
}

export const binaries = {
  phpFpm: { names: ['php-fpm8.2', 'php-fpm8.3', 'php-fpm8.4', 'php-fpm8.1', 'php-fpm'], aptPackage: 'php-fpm', brewPackage: 'php' },
  php: { names: ['php8.2', 'php'], aptPackage: 'php-cli', brewPackage: 'php' },
  nginx: { names: ['nginx'], aptPackage: 'nginx', brewPackage: 'nginx' },
  haproxy: { names: ['haproxy'], aptPackage: 'haproxy', brewPackage: 'haproxy' },
  redisServer: { names: ['redis-server'], aptPackage: 'redis-server', brewPackage: 'redis' },
  redisCli: { names: ['redis-cli'], aptPackage: 'redis-tools', brewPackage: 'redis' },
  wrk: { names: ['wrk'], aptPackage: 'wrk', brewPackage: 'wrk' },
} satisfies Record<string, BinarySpec>;
export type BinaryName = keyof typeof binaries;

/** PSL_BIN_DIRS (colon-separated) replaces the search path, e.g. for a custom PHP build. */
const searchDirs = () => process.env.PSL_BIN_DIRS ? process.env.PSL_BIN_DIRS.split(delimiter) : [
  ...(process.env.PATH ?? '').split(delimiter),
  '/usr/sbin',
  '/usr/local/sbin',
  '/sbin',
  '/opt/homebrew/sbin',
  '/opt/homebrew/bin',
];

const cache = new Map<BinaryName, string | null>();

export async function findBinary(name: BinaryName): Promise<string | null> {
  if (cache.has(name)) return cache.get(name)!;
  for (const candidate of binaries[name].names) {
    for (const dir of searchDirs()) {
      if (!dir) continue;
      const path = join(dir, candidate);
      try {
        await access(path, constants.X_OK);
        cache.set(name, path);
        return path;
      } catch {
        /* next */
      }
    }
  }
  cache.set(name, null);
  return null;
}

export function installHint(name: BinaryName): string {
  const spec: BinarySpec = binaries[name];
  return process.platform === 'darwin'
    ? `brew install ${spec.brewPackage ?? spec.aptPackage}`
    : `sudo apt-get install -y ${spec.aptPackage}   (or: npm run setup)`;
}

export async function requireBinary(name: BinaryName): Promise<string> {
  const path = await findBinary(name);
  if (!path) throw new MissingDependencyError(binaries[name].names[0]!, installHint(name));
  return path;
}

async function firstLine(file: string, args: string[]): Promise<string | null> {
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(file, args, { timeout: 5000 }));
  } catch (error) {
    // Some tools (wrk -v) print their version and exit non-zero.
    const e = error as { stdout?: string; stderr?: string };
    stdout = e.stdout ?? '';
    stderr = e.stderr ?? '';
  }
  return (stdout.trim() || stderr.trim()).split('\n')[0] || null;
}

const versionCache = new Map<string, Promise<string | null>>();
function memo(key: string, get: () => Promise<string | null>): Promise<string | null> {
  if (!versionCache.has(key)) versionCache.set(key, get());
  return versionCache.get(key)!;
}

/** "8.2.29" etc.; null when missing. */
export async function binaryVersion(name: BinaryName): Promise<string | null> {
  return memo(name, async () => {
    const path = await findBinary(name);
    if (!path) return null;
    const line = await firstLine(path, name === 'redisServer' ? ['--version'] : ['-v']);
    if (!line) return null;
    const match =
      name === 'redisServer' ? /v=(\S+)/.exec(line) : name === 'nginx' ? /nginx\/(\S+)/.exec(line) : /(\d+\.\d+(?:\.\d+)?)/.exec(line);
    return match?.[1] ?? line;
  });
}

/** Version of a PHP extension as the CLI sees it (same packages as FPM on Debian). */
export async function phpExtensionVersion(extension: string): Promise<string | null> {
  return memo(`ext:${extension}`, async () => {
    const php = await findBinary('php');
    if (!php) return null;
    const out = await firstLine(php, ['-r', `echo phpversion(${JSON.stringify(extension)}) ?: "";`]);
    return out ? out : null;
  });
}
