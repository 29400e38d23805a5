/**
 * npm run doctor — lists each dependency with its version, or "missing" and how to install it;
 * then the machine's limits a run can hit (conntrack table, open files, ephemeral ports), each
 * warning with the command that fixes it. Exit 105 only for a missing required dependency:
 * warnings about the machine keep exit 0 (a run still works; its guards flag what happens).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { binaryVersion, findBinary, installHint, phpExtensionVersion, type BinaryName } from '../topology/local/system-binaries.js';
import { ExitCode } from './exit-codes.js';
import { runMain } from './cli-support.js';
import { conntrackFinding, openFilesFinding, portRangeFinding, probeConntrackActive } from '../guards/machine-limits.js';
import { readProcText } from '../guards/proc-files.js';
import { balancers } from '../topology/balancers/balancer-registry.js';

/** The registered balancers a binary runs ("haproxy, haproxy-leastconn"). */
const balancersRunBy = (binary: string) => balancers.filter((b) => b.binary === binary).map((b) => b.name).join(', ');

const run = promisify(execFile);

async function commandVersion(file: string, args: string[], pattern: RegExp): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 10_000 });
    return pattern.exec(stdout + stderr)?.[1] ?? null;
  } catch {
    return null;
  }
}

interface Row {
  name: string;
  version: string | null;
  required: boolean;
  purpose: string;
  install: string;
}

async function main(): Promise<number> {
  const bin = async (name: BinaryName, label: string, required: boolean, purpose: string): Promise<Row> => ({
    name: label,
    version: (await findBinary(name)) ? await binaryVersion(name) : null,
    required,
    purpose,
    install: installHint(name),
  });
  const ext = async (name: string, pkg: string, required: boolean, purpose: string): Promise<Row> => ({
    name: `php ext ${name}`,
    version: await phpExtensionVersion(name),
    required,
    purpose,
    install: `sudo apt-get install -y ${pkg}`,
  });
  const rows: Row[] = await Promise.all([
    Promise.resolve<Row>({ name: 'node', version: process.versions.node, required: true, purpose: 'the harness', install: 'https://nodejs.org (>= 20.19)' }),
    bin('phpFpm', 'php-fpm', true, 'backend nodes'),
    bin('php', 'php (cli)', true, 'serialization bench, versions'),
    ext('redis', 'php-redis', true, 'redis session handler'),
    ext('igbinary', 'php-igbinary', false, 'igbinary serializer'),
    ext('msgpack', 'php-msgpack', false, 'msgpack serializer'),
    bin('nginx', 'nginx', true, `node web servers; balancers ${balancersRunBy('nginx')}`),
    bin('haproxy', 'haproxy', true, `balancers ${balancersRunBy('haproxy')} (affinity prefers haproxy)`),
    bin('redisServer', 'redis-server', true, 'session store'),
    bin('redisCli', 'redis-cli', false, 'manual inspection'),
    bin('wrk', 'wrk', false, 'npm run bench:wrk baseline'),
    (async (): Promise<Row> => ({
      name: 'chromium',
      version: existsSync('/usr/bin/chromium') ? await commandVersion('/usr/bin/chromium', ['--version'], /Chromium (\S+)/) : null,
      required: false,
      purpose: 'report tests (headless)',
      install: 'sudo apt-get install -y chromium',
    }))(),
    (async (): Promise<Row> => ({
      name: 'docker',
      version: await commandVersion('docker', ['--version'], /version ([^,\s]+)/),
      required: false,
      purpose: '--provider docker',
      install: 'sudo apt-get install -y docker.io',
    }))(),
  ]);
  const width = Math.max(...rows.map((r) => r.name.length));
  let missingRequired = 0;
  for (const r of rows) {
    const state = r.version ?? 'missing';
    if (!r.version && r.required) missingRequired++;
    const hint = r.version ? '' : `   -> ${r.install}`;
    process.stdout.write(`${r.name.padEnd(width)}  ${state.padEnd(12)} ${r.required ? 'required' : 'optional'}  ${r.purpose}${hint}\n`);
  }
  const findings = [conntrackFinding(readProcText, await probeConntrackActive(readProcText)), openFilesFinding(readProcText), portRangeFinding(readProcText)];
  process.stdout.write('\nmachine limits (a warning keeps exit 0; during a run the environment guards flag what the machine did)\n');
  const limitWidth = Math.max(...findings.map((f) => f.name.length));
  for (const f of findings) {
    process.stdout.write(`${f.name.padEnd(limitWidth)}  ${f.level === 'warn' ? 'WARN' : f.level.padEnd(4)}  ${f.message}${f.fix ? `\n${' '.repeat(limitWidth + 8)}-> ${f.fix}` : ''}\n`);
  }
  if (missingRequired > 0) {
    process.stdout.write(`\n${missingRequired} required dependency(ies) missing: run npm run setup\n`);
    return ExitCode.missingDependency;
  }
  return ExitCode.passed;
}

await runMain(main);
