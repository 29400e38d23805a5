import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singleFileOfTar } from '../../harness/topology/docker/docker-log-sources.js';

test('singleFileOfTar reads the one file of a tar stream as `docker cp ... -` writes it (GNU tar made here)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-tar-'));
  try {
    const text = '[06-Dec-2026 16:40:21 UTC] PHP Warning:  session_start(): Failed to read session data: redis\nzweite Zeile ü\n'.repeat(40);
    writeFileSync(join(dir, 'php-error.log'), text);
    writeFileSync(join(dir, 'empty.log'), '');
    const tar = (name: string) => execFileSync('tar', ['cf', '-', '-C', dir, name]);
    assert.equal(singleFileOfTar(tar('php-error.log')), text);
    assert.equal(singleFileOfTar(tar('empty.log')), '');
    const whole = tar('php-error.log');
    assert.throws(() => singleFileOfTar(whole.subarray(0, 600)), /impossible size/);
    assert.throws(() => singleFileOfTar(Buffer.from('nope')), /not a tar stream/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
