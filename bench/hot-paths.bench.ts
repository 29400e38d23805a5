/**
 * Hot paths of the harness that run once per response or per inspected session:
 * the PHP session payload decoder (both formats, tiny and cart fixtures written by PHP)
 * and the session checker's per-response classification. Each is measured beside a baseline
 * in the same run — JSON.parse of the same data, the floor any decoder pays — and the table
 * prints the ratio.
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
/** task name -> the baseline task it is compared with. */
const baselineOf = new Map<string, string>();

for (const profile of ['tiny', 'cart'] as const) {
  for (const format of ['php', 'php_serialize'] as const satisfies readonly PhpSessionFormat[]) {
    const payload = readFileSync(`${fixtures}${profile}.${format}.txt`);
    const check = decodePhpSession(payload, format);
    if (!check.ok) throw new Error(`fixture ${profile}.${format} does not decode: ${check.error.message}`);
    const name = `decode ${format} ${profile} (${payload.length} B)`;
    bench.add(name, () => {
      decodePhpSession(payload, format);
    });
    // Baseline: the same session as JSON, parsed by V8's native JSON.parse.
    const json = JSON.stringify(check.value, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const baseline = `baseline: JSON.parse ${profile} (${Buffer.byteLength(json)} B)`;
    if (!bench.tasks.some((t) => t.name === baseline)) {
      bench.add(baseline, () => {
        JSON.parse(json);
      });
    }
    baselineOf.set(name, baseline);
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

bench.add('baseline: JSON.parse of the same answer', () => {
  if (user.lastCount >= bodies.length) user.lastCount = 0;
  JSON.parse(bodies[user.lastCount++]!);
});
baselineOf.set('session checker: checkResponse per answer', 'baseline: JSON.parse of the same answer');

await bench.run();

const meanOf = (name: string | undefined) => {
  const r = bench.tasks.find((t) => t.name === name)?.result;
  return r && 'latency' in r && r.latency ? r.latency.mean : NaN;
};

const rows = bench.tasks.map((task) => {
  const r = task.result;
  if (!r || !('latency' in r) || !r.latency) return { task: task.name, error: 'no result' };
  return {
    task: task.name,
    'ops/s': Math.round(r.throughput.mean).toLocaleString('en-US'),
    'mean (µs)': (r.latency.mean * 1000).toFixed(2),
    'p99 (µs)': ((r.latency.p99 ?? NaN) * 1000).toFixed(2),
    samples: r.latency.samples.length,
    'x baseline': baselineOf.has(task.name) ? `${(r.latency.mean / meanOf(baselineOf.get(task.name))).toFixed(2)}x` : '',
  };
});
console.log(`node ${process.version}, ${time} ms per task`);
console.table(rows);
