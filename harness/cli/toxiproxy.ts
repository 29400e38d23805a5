/**
 * `npm run toxiproxy -- --host 127.0.0.1 --port 8474 [--quiet] [--exit-with-parent] [--allow-non-loopback]`
 * Runs the embedded Toxiproxy-compatible server. The FIRST stdout line is exactly
 * `toxiproxy listening on http://HOST:PORT` (the harness parses it to find port 0's
 * real port); logs go to stderr. Stops on SIGINT/SIGTERM (exit 0), and with
 * --exit-with-parent when stdin closes, so a crashed harness does not orphan it.
 * Proxies listen only on loopback (and on --host's own address) unless --allow-non-loopback.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from './exit-codes.js';
import { startToxiproxyServer } from '../toxiproxy/toxiproxy-server.js';

const USAGE =
  'usage: toxiproxy [--host 127.0.0.1] [--port 8474] [--quiet] [--exit-with-parent] [--allow-non-loopback]';

function fail(message: string): never {
  process.stderr.write(`toxiproxy: ${message} (${USAGE})\n`);
  process.exit(ExitCode.invalidInput);
}

function parseFlags(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8474' },
        quiet: { type: 'boolean', default: false },
        'exit-with-parent': { type: 'boolean', default: false },
        'allow-non-loopback': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    // parseArgs names the offending flag in its message.
    fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(ExitCode.passed);
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    fail(`--port must be an integer from 0 to 65535 (0 = a free port), got "${values.port}"`);
  }
  if (values.host.trim() === '') fail('--host must not be empty (e.g. --host 127.0.0.1)');
  return {
    host: values.host,
    port,
    quiet: values.quiet,
    exitWithParent: values['exit-with-parent'],
    allowNonLoopback: values['allow-non-loopback'],
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  let server;
  try {
    server = await startToxiproxyServer({
      host: flags.host,
      port: flags.port,
      log,
      logConnections: !flags.quiet,
      allowNonLoopback: flags.allowNonLoopback,
    });
  } catch (error) {
    process.stderr.write(`toxiproxy: cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}\n`);
    process.exit(ExitCode.harnessError);
  }
  process.stdout.write(`toxiproxy listening on ${server.url}\n`);

  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    const force = setTimeout(() => process.exit(ExitCode.passed), 5000);
    force.unref();
    server.close().then(
      () => process.exit(ExitCode.passed),
      (error: unknown) => {
        log(`error while stopping: ${(error as Error).message}`);
        process.exit(ExitCode.harnessError);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (flags.exitWithParent) {
    process.stdin.on('data', () => {});
    process.stdin.once('end', () => stop('stdin closed'));
    process.stdin.once('close', () => stop('stdin closed'));
    process.stdin.once('error', () => stop('stdin error'));
    process.stdin.resume();
  }
}

await main();
