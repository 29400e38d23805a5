/**
 * Providers by name, loaded when a run asks for one (docker pulls in testcontainers, which a
 * local run does not need). A new provider: a module exporting a Provider, its name in
 * provider-names.ts, one line here.
 */
import { HarnessError } from '../errors.js';
import type { ProviderName } from './provider-names.js';
import type { Provider } from './topology-types.js';

const loaders: Record<ProviderName, () => Promise<Provider>> = {
  local: async () => (await import('./local/local-provider.js')).localProvider,
  docker: async () => (await import('./docker/docker-provider.js')).dockerProvider,
  external: async () => (await import('./external/external-provider.js')).externalProvider,
};

export async function loadProvider(name: ProviderName): Promise<Provider> {
  const load = loaders[name];
  if (!load) throw new HarnessError(`topology.provider: no provider named ${JSON.stringify(name)}`);
  try {
    return await load();
  } catch (error) {
    // The real reason (a missing dependency, a syntax error in the module), not "not available".
    throw new HarnessError(`the ${name} provider could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
