/** topology.app resolved for a provider: absolute paths, checked to exist before anything starts. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { AppConfig } from './app-schema.js';
import { InvalidInputError } from '../errors.js';

export interface AppSpec {
  root: string;
  /** Absolute web root. */
  docroot: string;
  /** Path of the front controller inside the docroot (no leading slash). */
  frontController: string;
  phpIni: Record<string, string>;
  /** Absolute sources, each copied to `to` in the node's writable directory. */
  writable: Array<{ from: string; to: string }>;
  /** Absolute host paths outside root the app reads (mounted read-only by the docker provider). */
  hostPaths: string[];
}

/** The environment variable of the app's PHP-FPM pool naming the node's writable directory. */
export const APP_WRITABLE_ENV = 'PSL_APP_WRITABLE';

export function resolveApp(app: AppConfig): AppSpec {
  const docroot = app.docroot ? resolve(app.root, app.docroot) : app.root;
  return {
    root: app.root,
    docroot,
    frontController: app.frontController,
    phpIni: app.phpIni,
    writable: app.writable.map((w) => ({ from: isAbsolute(w.from) ? w.from : resolve(app.root, w.from), to: w.to })),
    hostPaths: app.hostPaths,
  };
}

/** Every path the app names must exist (exit 104 before anything starts, naming the field). */
export function checkAppPaths(app: AppSpec): void {
  const problems: string[] = [];
  if (!existsSync(app.root) || !statSync(app.root).isDirectory()) problems.push(`topology.app.root: ${app.root} is not a directory`);
  else if (!existsSync(app.docroot) || !statSync(app.docroot).isDirectory()) problems.push(`topology.app.docroot: ${app.docroot} is not a directory`);
  else if (!existsSync(join(app.docroot, app.frontController))) problems.push(`topology.app.frontController: ${join(app.docroot, app.frontController)} does not exist`);
  app.writable.forEach((w, i) => {
    if (!existsSync(w.from)) problems.push(`topology.app.writable[${i}].from: ${w.from} does not exist`);
  });
  app.hostPaths.forEach((p, i) => {
    if (!existsSync(p)) problems.push(`topology.app.hostPaths[${i}]: ${p} does not exist`);
  });
  if (problems.length > 0) throw new InvalidInputError(problems.join('; '), problems);
}

/** `{writable}` in the app's php.ini values, for one node. */
export function appPhpIniFor(app: AppSpec, writableDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(app.phpIni).map(([k, v]) => [k, v.replaceAll('{writable}', writableDir)]));
}
