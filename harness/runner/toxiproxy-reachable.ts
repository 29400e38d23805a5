/**
 * An external Toxiproxy (--toxiproxy-url / TOXIPROXY_URL) is asked for its version before
 * the stack starts, so an unreachable one is a one-line error naming the URL and the fix,
 * not a `fetch failed` stack trace half-way through starting the stack.
 */
import { HarnessError } from '../errors.js';

export async function assertToxiproxyReachable(url: string, timeoutMs = 3000): Promise<void> {
  const base = url.replace(/\/+$/, '');
  let status: number;
  try {
    status = (await fetch(`${base}/version`, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new HarnessError(`the Toxiproxy at ${base} does not answer (${why}): start it (npm run toxiproxy -- --port PORT) or drop --toxiproxy-url / TOXIPROXY_URL to use the embedded one`);
  }
  if (status !== 200) throw new HarnessError(`the Toxiproxy at ${base} answered GET /version with ${status}: is it a Toxiproxy API?`);
}
