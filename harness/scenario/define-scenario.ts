import type { ScenarioInput } from './scenario-schema.js';

/** Typed identity (k6 style): a scenario is plain data, validated by the runner before anything starts. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}
