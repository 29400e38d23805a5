import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** Absolute path of the repository root (harness/util/ is two levels below it). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const phpAppDir = resolve(projectRoot, 'harness', 'php-app');
