/** Why Docker cannot run here (the docker tests skip with it), or null when it can. */
import { ensureDocker } from '../../harness/topology/docker/docker-cli.js';

export async function dockerUnavailableReason(): Promise<string | null> {
  try {
    await ensureDocker();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
