/** The per-node writable copies of an app's data (topology.app.writable), made fresh at every node start. */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppSpec } from './app-spec.js';

export function copyAppWritable(app: AppSpec, writableDir: string): void {
  // A restored node has lost its disk, as its session directory has.
  rmSync(writableDir, { recursive: true, force: true });
  mkdirSync(writableDir, { recursive: true });
  for (const entry of app.writable) {
    const target = join(writableDir, entry.to);
    mkdirSync(dirname(target), { recursive: true });
    // Later entries overlay earlier ones (a template directory, then one file in it).
    cpSync(entry.from, target, { recursive: true, force: true, dereference: true });
  }
}
