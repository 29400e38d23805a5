#!/usr/bin/env node
// Launches the embedded Toxiproxy-compatible server (harness/cli/toxiproxy.ts) with tsx,
// passing flags through and inheriting stdio; exits with the server's exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../harness/cli/toxiproxy.ts', import.meta.url));
// Resolved from this package, so the launcher works from any working directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
