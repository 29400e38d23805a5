/**
 * Runs the PHP-side session serializer bench (php/serialization-bench.php) with the php
 * CLI and returns its validated JSON: the result.json `serialization` section.
 * Throughput is measured inside PHP, so process start and JSON transport cost nothing.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HarnessError, InvalidInputError, MissingDependencyError } from '../errors.js';

export const SERIALIZATION_BENCH_SCRIPT = fileURLToPath(new URL('./php/serialization-bench.php', import.meta.url));
export const serializationProfiles = ['tiny', 'cart', 'large'] as const;
export type SerializationProfile = (typeof serializationProfiles)[number];

export {
  serializationRowSchema,
  serializationSkipSchema,
  serializationSectionSchema,
  type SerializationRow,
  type SerializationSkip,
  type SerializationSection,
} from './serialization-section.js';
import { serializationSectionSchema, type SerializationSection } from './serialization-section.js';

const benchOutputSchema = serializationSectionSchema.extend({
  schema: z.literal('php-session-lab/serialization-bench@1'),
});

export interface SerializationBenchOptions {
  /** php CLI binary (default `php`). Its normal ini is used so igbinary/msgpack/redis load. */
  phpBinary?: string;
  /** Extra php CLI arguments placed before the script, e.g. ['-n', '-d', 'extension=igbinary']. */
  phpArgs?: string[];
  profiles?: string[];
  /** Timed samples per measurement (default 7; one extra warm-up sample is discarded). */
  samples?: number;
  /** Length of one sample in ms (default 100). */
  sampleMs?: number;
  /** Serialize handlers to try (default: php, php_binary, php_serialize, igbinary, msgpack). */
  handlers?: string[];
  signal?: AbortSignal;
}

export async function runSerializationBench(options: SerializationBenchOptions = {}): Promise<SerializationSection> {
  const php = options.phpBinary ?? 'php';
  const args = [...(options.phpArgs ?? []), SERIALIZATION_BENCH_SCRIPT];
  if (options.profiles) {
    const unknown = options.profiles.filter((p) => !(serializationProfiles as readonly string[]).includes(p));
    if (unknown.length > 0 || options.profiles.length === 0) {
      throw new InvalidInputError(
        `serialization profiles must be some of ${serializationProfiles.join(', ')} (got ${options.profiles.join(', ') || 'none'})`,
      );
    }
    args.push(`--profiles=${options.profiles.join(',')}`);
  }
  if (options.samples !== undefined) {
    if (!Number.isInteger(options.samples) || options.samples < 1) {
      throw new InvalidInputError(`serialization samples must be a positive integer (got ${options.samples})`);
    }
    args.push(`--samples=${options.samples}`);
  }
  if (options.sampleMs !== undefined) {
    if (!(options.sampleMs > 0)) throw new InvalidInputError(`serialization sampleMs must be > 0 (got ${options.sampleMs})`);
    args.push(`--sample-ms=${options.sampleMs}`);
  }
  if (options.handlers) args.push(`--handlers=${options.handlers.join(',')}`);

  const { code, stdout, stderr } = await run(php, args, options.signal);
  if (code !== 0) {
    throw new HarnessError(`serialization bench failed (${php} exit ${code}): ${stderr.trim().slice(0, 2000)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new HarnessError(`serialization bench printed no JSON: ${stdout.slice(0, 200)}`, { cause: error });
  }
  const parsed = benchOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new HarnessError(`serialization bench output is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { schema: _schema, ...section } = parsed.data;
  return section;
}

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new MissingDependencyError(cmd, 'apt-get install php8.2-cli php-redis php-igbinary php-msgpack'));
      else reject(error);
    });
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
