/**
 * topology.app in docker nodes (docs/your-app.md). The app's root is bind-mounted read-only at
 * a fixed path (/psl/app) of every node container, so its code is served as it is on the host,
 * never modified. Files it reaches outside root are mounted read-only at their own host path:
 * the targets of absolute symlinks (Debian's DokuWiki links /etc/dokuwiki and /var/lib/dokuwiki
 * into /usr/share/dokuwiki; a link to a file brings its whole directory, whose siblings the
 * code reads too), absolute paths in the app's php.ini values (auto_prepend_file) and
 * `topology.app.hostPaths`. Each node gets its own writable copies (topology.app.writable),
 * made on the host exactly as the local provider makes them, then copied into the container
 * before it starts: they live and die with the container, as its session files do.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { checkAppPaths, type AppSpec } from '../../app/app-spec.js';
import { copyAppWritable } from '../../app/app-writable.js';
import { InvalidInputError } from '../../errors.js';

/** Where every node container sees the app's root. */
export const CONTAINER_APP_ROOT = '/psl/app';
/** Each node's own writable copies, inside its container. */
export const CONTAINER_APP_WRITABLE = '/psl/app-writable';

/** Mounting the host's copy over one of these would replace the image's own system files. */
const SYSTEM_DIRS = new Set(['/usr/share', '/usr/lib', '/usr/local', '/usr/bin', '/usr/sbin', '/usr/include', '/usr/libexec', '/var/lib', '/var/log', '/var/cache', '/var/run', '/etc/php', '/etc/nginx', '/etc/alternatives', '/etc/ssl', '/usr/lib/php', '/usr/share/zoneinfo']);
/** Never mounted over (nor any directory above them). */
const CONTAINER_OWN = ['/psl', '/app', '/proc', '/sys', '/dev', '/run', '/tmp'];
/** Bounds on the symlink scan (a root with node_modules-sized trees) and on the mounts. */
const SCAN_LIMIT = 200_000;
const MOUNT_LIMIT = 32;

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** Why a host path cannot be mounted at its own path in a node container; null when it can. */
export function mountProblem(path: string): string | null {
  const depth = path.split('/').filter(Boolean).length;
  if (depth < 2 || SYSTEM_DIRS.has(path)) return `${path} is a top-level or system directory of the node image: name the directories below it the app needs`;
  const own = CONTAINER_OWN.find((dir) => under(path, dir) || under(dir, path));
  if (own) return `${path} collides with ${own} of the node container`;
  return null;
}

/** A read-only bind mount (testcontainers' BindMount, which it does not export). */
export interface BindMount {
  source: string;
  target: string;
  mode: 'ro';
}

export interface DockerApp {
  /** The app as the node's servers see it: root and docroot under /psl/app, php.ini paths rewritten. */
  inContainer: AppSpec;
  /** Read-only bind mounts: the root at /psl/app, then host paths at their own path. */
  mounts: BindMount[];
  /** What could not be made visible in the containers (logged; the app may not need it). */
  notes: string[];
}

class MountSet {
  readonly paths: string[] = [];
  readonly notes: string[] = [];
  private readonly queue: string[] = [];
  private scanned = 0;

  constructor(private readonly root: string) {}

  /** Mounts `path` (unless a mounted directory holds it already) and scans it for links. */
  add(path: string, why: string, hard: boolean): void {
    if (this.paths.some((p) => under(path, p))) return;
    const problem = mountProblem(path);
    if (problem) {
      if (hard) throw new InvalidInputError(`${why}: ${problem}`);
      this.notes.push(`${why}: not mounted (${problem})`);
      return;
    }
    if (this.paths.length >= MOUNT_LIMIT) throw new InvalidInputError(`${why}: more than ${MOUNT_LIMIT} host paths to mount into the docker nodes: ${this.paths.join(', ')}`);
    // A directory above paths mounted already replaces them.
    for (let i = this.paths.length - 1; i >= 0; i--) if (under(this.paths[i]!, path)) this.paths.splice(i, 1);
    this.paths.push(path);
    if (statSync(path).isDirectory()) this.queue.push(path);
  }

  /** Every mounted tree (and the root) is scanned: a link in /etc/dokuwiki leads on to /var/lib/dokuwiki/acl. */
  scanAll(): void {
    this.scan(this.root, this.root);
    for (let dir = this.queue.shift(); dir !== undefined; dir = this.queue.shift()) this.scan(dir, dir);
  }

  private scan(dir: string, tree: string): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable: the app cannot read it either
    }
    for (const entry of entries) {
      if (++this.scanned > SCAN_LIMIT) {
        if (this.scanned === SCAN_LIMIT + 1) this.notes.push(`more than ${SCAN_LIMIT} files: symlinks after that were not followed`);
        return;
      }
      const path = join(dir, entry.name);
      if (entry.isDirectory()) this.scan(path, tree);
      else if (entry.isSymbolicLink()) this.link(path, tree);
    }
  }

  private link(path: string, tree: string): void {
    const text = readlinkSync(path);
    const target = resolve(dirname(path), text);
    if (!existsSync(target)) return; // dangling on the host too
    if (!isAbsolute(text)) {
      // A relative link inside its tree resolves in the container as on the host.
      if (under(target, tree)) return;
      if (tree === this.root) {
        this.notes.push(`${path} -> ${text} leaves the app root: it is broken in the containers (root at ${CONTAINER_APP_ROOT}); make it absolute or name its target in hostPaths`);
        return;
      }
    }
    const why = `symlink ${path} -> ${text}`;
    if (statSync(target).isDirectory()) this.add(target, why, false);
    else if (!mountProblem(dirname(target))) this.add(dirname(target), why, false);
    else this.add(target, why, false);
  }
}

/** A path token of a php.ini value: under root -> its container path; elsewhere on the host -> mounted. */
function mapIniValue(app: AppSpec, value: string, mounts: MountSet, key: string): string {
  return value
    .split(':')
    .map((token) => {
      if (!token.startsWith('/') || token.includes('{')) return token;
      if (under(token, app.root)) return posix.join(CONTAINER_APP_ROOT, relative(app.root, token));
      // Soft: a value naming the container's own directories (upload_tmp_dir = /tmp) keeps them.
      if (existsSync(token)) mounts.add(token, `topology.app.phpIni.${key}`, false);
      return token;
    })
    .join(':');
}

/** The app for docker nodes: container paths for the plan, and what to mount. Throws InvalidInputError (exit 104). */
export function dockerApp(app: AppSpec): DockerApp {
  checkAppPaths(app);
  const mounts = new MountSet(app.root);
  app.hostPaths.forEach((path, i) => mounts.add(path, `topology.app.hostPaths[${i}]`, true));
  const phpIni = Object.fromEntries(Object.entries(app.phpIni).map(([key, value]) => [key, mapIniValue(app, value, mounts, key)]));
  mounts.scanAll();
  return {
    inContainer: {
      ...app,
      root: CONTAINER_APP_ROOT,
      docroot: posix.join(CONTAINER_APP_ROOT, relative(app.root, app.docroot)),
      phpIni,
    },
    mounts: [
      { source: app.root, target: CONTAINER_APP_ROOT, mode: 'ro' },
      ...mounts.paths.map((path): BindMount => ({ source: path, target: path, mode: 'ro' })),
    ],
    notes: mounts.notes,
  };
}

const execFileAsync = promisify(execFile);

/**
 * One node's writable copies as a tar of `app-writable/` (to unpack in /psl): made fresh on
 * the host by the local provider's own code (symlinks dereferenced, later entries overlaid),
 * empty directories kept (DokuWiki's data/cache, data/tmp). `dispose` removes the staging.
 */
export async function writableArchive(app: AppSpec): Promise<{ tar: Readable; target: string; dispose(): void }> {
  const stage = mkdtempSync(join(tmpdir(), 'psl-app-writable-'));
  try {
    const name = posix.basename(CONTAINER_APP_WRITABLE);
    copyAppWritable(app, join(stage, name));
    const file = join(stage, 'writable.tar');
    await execFileAsync('tar', ['-C', stage, '-cf', file, name]);
    if (!lstatSync(file).isFile()) throw new Error(`tar wrote no ${file}`);
    return { tar: createReadStream(file), target: posix.dirname(CONTAINER_APP_WRITABLE), dispose: () => rmSync(stage, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(stage, { recursive: true, force: true });
    throw error;
  }
}
