/** Writes the rendered report atomically: the old file or the new one, never half of one. */
import type { RunResult } from '../results/result-schema.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { renderReport, type RenderOptions } from './render-report.js';

export async function writeReport(results: readonly RunResult[], outFile: string, options: RenderOptions = {}): Promise<{ path: string; bytes: number }> {
  // Render first: a render error leaves nothing on disk.
  const html = renderReport(results, options);
  await writeFileAtomic(outFile, html);
  return { path: outFile, bytes: Buffer.byteLength(html) };
}
