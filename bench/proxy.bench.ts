/**
 * npm run bench:proxy — the embedded Toxiproxy server against direct loopback, side by
 * side in one run: the echo server and the proxy server each run in their own child
 * process (the proxy through its CLI, so its RSS can be read from /proc).
 * Measures: bulk throughput ratio, added p50/p99 per small round trip, the latency
 * toxic's error at p50, proxy CPU per round trip under the latency toxic, and the proxy's
 * RSS with 1,000 open connections. Prints a table; no pass/fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { connect, readBytes, roundTrip } from '../harness/toxiproxy/testing/tcp-helpers.js';

const ECHO_SCRIPT = `
const net = require('node:net');
const s = net.createServer({ allowHalfOpen: true, noDelay: true }, (c) => { c.on('error', () => {}); c.pipe(c); });
s.listen(0, '127.0.0.1', () => console.log('echo ' + s.address().port));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;

const cli = fileURLToPath(new URL('../harness/cli/toxiproxy.ts', import.meta.url));

function spawnWithLine(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" line from ${args.join(' ')}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function procStat(pid: number): { rssKiB: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  // schedstat is exact (ns on CPU); utime/stime ticks overcount processes woken by timers.
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return { rssKiB, cpuMs: ns / 1e6 };
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Echoes `totalBytes` through one connection (write and read concurrently); MB/s of payload. */
async function throughput(port: number, totalBytes: number): Promise<number> {
  const socket = await connect(port);
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const started = performance.now();
  const done = readBytes(socket, totalBytes, 60_000);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < totalBytes) {
        sent += block.length;
        if (!socket.write(block)) return void socket.once('drain', pump);
      }
      resolve();
    };
    pump();
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return totalBytes / 1e6 / seconds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function roundTrips(port: number, count: number, size = 64): Promise<{ p50: number; p99: number }> {
  const socket = await connect(port);
  const payload = Buffer.alloc(size, 0x61);
  for (let i = 0; i < Math.min(200, count); i++) await roundTrip(socket, payload); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await roundTrip(socket, payload));
  socket.destroy();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const fmt = (n: number, digits = 3): string => n.toFixed(digits);

async function main(): Promise<void> {
  const echo = await spawnWithLine(['-e', ECHO_SCRIPT], /echo (\d+)\n/);
  const echoPort = Number(echo.match[1]);
  const proxy = await spawnWithLine(
    ['--import', 'tsx', cli, '--port', '0', '--quiet', '--exit-with-parent'],
    /toxiproxy listening on (http:\/\/[^\s]+)\n/,
  );
  const url = proxy.match[1]!;
  const pid = proxy.child.pid!;
  const rows: [string, string, string, string][] = [];
  try {
    const created = await api(url, 'POST', '/proxies', { name: 'bench', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });
    const proxyPort = Number(String(created.listen).split(':').pop());
    const idle = procStat(pid).rssKiB;

    // 1. bulk throughput (best of 3 each, interleaved to share the machine's noise)
    const total = 128 * 1024 * 1024;
    let direct = 0;
    let viaProxy = 0;
    for (let i = 0; i < 3; i++) {
      direct = Math.max(direct, await throughput(echoPort, total));
      viaProxy = Math.max(viaProxy, await throughput(proxyPort, total));
    }
    rows.push(['echo throughput, 1 conn (MB/s)', fmt(direct, 0), fmt(viaProxy, 0), `ratio ${fmt(viaProxy / direct, 2)} (goal >= 0.5)`]);

    // 2. small round trips
    const n = 3000;
    const d = await roundTrips(echoPort, n);
    const cpuFast = procStat(pid).cpuMs;
    const p = await roundTrips(proxyPort, n);
    const cpuFastPerRt = (procStat(pid).cpuMs - cpuFast) / (n + 200);
    rows.push(['64 B round trip p50 (ms)', fmt(d.p50), fmt(p.p50), `added ${fmt(p.p50 - d.p50)} ms (goal <= 0.1)`]);
    rows.push(['64 B round trip p99 (ms)', fmt(d.p99), fmt(p.p99), `added ${fmt(p.p99 - d.p99)} ms`]);

    // 3. latency toxic accuracy (20 ms downstream)
    await api(url, 'POST', '/proxies/bench/toxics', { type: 'latency', attributes: { latency: 20 } });
    const cpuBefore = procStat(pid).cpuMs;
    const lt = await roundTrips(proxyPort, 300);
    const cpuPerRt = (procStat(pid).cpuMs - cpuBefore) / 500;
    rows.push(['20 ms latency toxic p50 (ms)', fmt(d.p50), fmt(lt.p50), `error ${fmt(lt.p50 - d.p50 - 20)} ms (goal <= 1)`]);
    rows.push(['20 ms latency toxic p99 (ms)', fmt(d.p99), fmt(lt.p99), `error ${fmt(lt.p99 - d.p99 - 20)} ms`]);
    rows.push(['proxy CPU per round trip (ms)', '-', fmt(cpuFastPerRt, 3), `with latency toxic: ${fmt(cpuPerRt, 3)} ms`]);
    await api(url, 'DELETE', '/proxies/bench/toxics/latency_downstream');

    // 4. RSS with 1,000 open connections (idle = before any traffic)
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 1000; i++) sockets.push(await connect(proxyPort));
    await Promise.all(sockets.map((s) => roundTrip(s, Buffer.from('x'), 20_000)));
    const loaded = procStat(pid).rssKiB;
    rows.push(['proxy RSS idle -> 1,000 conns (MiB)', fmt(idle / 1024, 1), fmt(loaded / 1024, 1), `${fmt((loaded - idle) / 1000, 1)} KiB per connection`]);
    for (const s of sockets) s.destroy();
  } finally {
    proxy.child.kill('SIGTERM');
    echo.child.stdin!.end();
    echo.child.kill('SIGTERM');
  }

  const header: [string, string, string, string] = ['measure', 'direct', 'via proxy', 'ratio / difference'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(`(node ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
}

await main();
