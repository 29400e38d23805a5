/** Finds scenarios by name in scenarios/ (one file each) or by path. */
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidInputError } from '../errors.js';
import { projectRoot } from '../util/project-root.js';

export const scenariosDir = join(projectRoot, 'scenarios');

export function listScenarioNames(): string[] {
  return readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

export async function loadScenarioModule(nameOrPath: string): Promise<unknown> {
  const byPath = nameOrPath.endsWith('.ts') || nameOrPath.endsWith('.js') || nameOrPath.includes('/');
  const file = byPath ? resolve(nameOrPath) : join(scenariosDir, `${nameOrPath}.ts`);
  if (!existsSync(file)) {
    throw new InvalidInputError(`unknown scenario "${nameOrPath}": known scenarios are ${listScenarioNames().join(', ')}`);
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (module.default === undefined) throw new InvalidInputError(`${file}: a scenario file must \`export default defineScenario({...})\``);
  return module.default;
}
