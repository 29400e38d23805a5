/**
 * Why Docker cannot run here (the docker tests skip with it), or null when it can. Unlike
 * docker-cli's dockerUnavailableReason (does a daemon answer now?), this starts one when it
 * can (ensureDocker), as CI and the README's commands would.
 */
import { ensureDocker } from '../../harness/topology/docker/docker-cli.js';

export async function dockerCannotRunReason(): Promise<string | null> {
  try {
    await ensureDocker();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
