/**
 * A balancer added as one file plus one registry line runs end to end: `haproxy-leastconn`
 * (harness/topology/balancers/haproxy-leastconn-balancer.ts) is chosen by --balancer, recorded
 * with its own retry policy, and really balances by least connections: with one node slowed,
 * it sends that node a smaller share of the requests than HAProxy's roundrobin does in the same
 * test (a ratio measured side by side, not an absolute figure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, serverPids, leakedServers } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

async function slowNodeRun(dir: string, balancer: string): Promise<RunResult> {
  const file = join(dir, `slow-${balancer}.ts`);
  const scenario = {
    name: `slow-${balancer}`,
    topology: { nodes: 3, strategy: 'redis', balancer },
    workload: { users: 60, connections: 12, duration: '6s' },
    // node-1 answers 20 ms late from 1 s on (the first second is the healthy baseline every run needs).
    faults: [{ type: 'node-slow', target: 'node-1', at: '1s', latency: 20 }],
  };
  writeFileSync(file, `export default ${JSON.stringify(scenario)};\n`);
  const before = serverPids();
  const out = join(dir, balancer);
  const cli = await runCli('scenario.ts', [file, '--out', out, '--quiet']);
  assert.deepEqual(leakedServers(before), [], 'servers left running');
  assert.equal(cli.code, 0, cli.stdout + cli.stderr.slice(-2000));
  return JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
}

const share = (r: RunResult, node: string) => (r.nodesServed[node] ?? 0) / Object.values(r.nodesServed).reduce((a, b) => a + b, 0);

test('a registered third balancer (haproxy-leastconn) runs, records its own retry policy, and balances by least connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-balancer-'));
  try {
    const roundrobin = await slowNodeRun(dir, 'haproxy');
    const leastconn = await slowNodeRun(dir, 'haproxy-leastconn');
    assert.equal(leastconn.balancer, 'haproxy-leastconn');
    assert.equal(leastconn.balancerRetry.balancer, 'haproxy-leastconn', 'the retry policy was recorded under another balancer');
    assert.equal(roundrobin.balancerRetry.balancer, 'haproxy');
    assert.equal(leastconn.sessions.lost, 0);
    const rr = share(roundrobin, 'node-1');
    const lc = share(leastconn, 'node-1');
    // roundrobin hands the slow node its turn regardless (about a third); leastconn sees its
    // connections pile up and sends it less.
    assert.ok(rr > 0.25, `roundrobin gave the slow node ${(rr * 100).toFixed(1)}% of the requests`);
    assert.ok(lc < rr * 0.7, `leastconn gave the slow node ${(lc * 100).toFixed(1)}%, roundrobin ${(rr * 100).toFixed(1)}%`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
