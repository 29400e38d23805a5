/**
 * The names of the providers (how a topology becomes real). A leaf module, so the scenario and
 * result schemas can list them without loading a provider; provider-registry.ts maps each name
 * to its lazily loaded module, and is typed so that a name without a loader does not compile.
 */
export const providerNames = ['local', 'docker', 'external'] as const;
export type ProviderName = (typeof providerNames)[number];
