/** The code inlined into every report: uPlot (JS + CSS, from node_modules) and the client script. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';

export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}

let cached: PageAssets | null = null;

/** Read once per process; a missing uPlot means `npm install` was not run. */
export function pageAssets(): PageAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let uplotDir: string;
  try {
    uplotDir = join(dirname(require.resolve('uplot/package.json')), 'dist');
  } catch {
    throw new HarnessError('uplot is not installed: run `npm install` in the project root');
  }
  const here = dirname(fileURLToPath(import.meta.url));
  cached = {
    uplotJs: readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8'),
    clientJs: readFileSync(join(here, 'assets', 'report-client.js'), 'utf8'),
  };
  return cached;
}
