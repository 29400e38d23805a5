/**
 * Hot paths of the harness that run once per response or per inspected session:
 * the PHP session payload decoder (both formats, tiny and cart fixtures written by PHP)
 * and the session checker's per-response classification.
 *
 *   npm run bench            (BENCH_TIME_MS=500 per task by default)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { decodePhpSession, type PhpSessionFormat } from '../harness/serialization/php-session-decoder.js';
import { checkResponse, newUserModel } from '../harness/checks/session-checker.js';

const fixtures = fileURLToPath(new URL('../test/fixtures/php-sessions/', import.meta.url));
const time = Number(process.env.BENCH_TIME_MS ?? 500);
const bench = new Bench({ time, warmupTime: Math.min(250, time / 2) });

for (const profile of ['tiny', 'cart'] as const) {
  for (const format of ['php', 'php_serialize'] as const satisfies readonly PhpSessionFormat[]) {
    const payload = readFileSync(`${fixtures}${profile}.${format}.txt`);
    const check = decodePhpSession(payload, format);
    if (!check.ok) throw new Error(`fixture ${profile}.${format} does not decode: ${check.error.message}`);
    bench.add(`decode ${format} ${profile} (${payload.length} B)`, () => {
      decodePhpSession(payload, format);
    });
  }
}

// One user answering ok on every request: the checker's common path (JSON parse + classify).
const user = newUserModel('user-0001', 'tok-0001');
const bodies = Array.from({ length: 1000 }, (_, i) =>
  JSON.stringify({
    node: 'node-1',
    sid: 'c0ffee00c0ffee00c0ffee00c0',
    visit_count: i + 1,
    user: 'user-0001',
    variableString: 'tok-0001',
    handler: 'redis',
    serializer: 'php',
    session_started: true,
  }),
);
bench.add('session checker: checkResponse per answer', () => {
  if (user.lastCount >= bodies.length) user.lastCount = 0;
  const result = checkResponse(user, 200, bodies[user.lastCount]!);
  if (result.outcome !== 'ok') throw new Error(`unexpected outcome ${result.outcome}`);
});

await bench.run();

const rows = bench.tasks.map((task) => {
  const r = task.result;
  if (!r || !('latency' in r) || !r.latency) return { task: task.name, error: 'no result' };
  return {
    task: task.name,
    'ops/s': Math.round(r.throughput.mean).toLocaleString('en-US'),
    'mean (µs)': (r.latency.mean * 1000).toFixed(2),
    'p99 (µs)': ((r.latency.p99 ?? NaN) * 1000).toFixed(2),
    samples: r.latency.samples.length,
  };
});
console.log(`node ${process.version}, ${time} ms per task`);
console.table(rows);
