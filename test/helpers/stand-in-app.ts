/**
 * A stand-in for the PHP app on loopback, for the load generators' unit tests: counts visits
 * per session cookie and answers the app contract's JSON; `delay` decides each answer's wait.
 * The real app is exercised by the integration tests.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function standInApp(delay: (n: number) => number = () => 0) {
  const counts = new Map<string, number>();
  let n = 0;
  let concurrent = 0;
  let peak = 0;
  const server = createServer((req, res: ServerResponse) => {
    concurrent++;
    peak = Math.max(peak, concurrent);
    const url = new URL(req.url ?? '/', 'http://x');
    const sid = /PHPSESSID=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? `s${++n}`;
    const count = (counts.get(sid) ?? 0) + 1;
    counts.set(sid, count);
    const body = JSON.stringify({
      node: 'node-1', sid, session_started: true, written: true, warnings: [], visit_count: count,
      user: url.searchParams.get('user'), variableString: url.searchParams.get('set') ?? `t-${url.searchParams.get('user')}`,
    });
    setTimeout(() => {
      concurrent--;
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `PHPSESSID=${sid}; path=/` });
      res.end(body);
    }, delay(n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, peak: () => peak, concurrent: () => concurrent, close: () => new Promise<void>((r) => server.close(() => r())) };
}

