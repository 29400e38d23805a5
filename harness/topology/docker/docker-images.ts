/**
 * The docker provider's images: built from docker/<kind>/ (plus the PHP app for nodes) with
 * testcontainers, tagged with a hash of exactly what goes into the build context, so an
 * unchanged tree reuses the local image and any change rebuilds it. No registry is needed:
 * the base image debian:bookworm-slim comes from docker/make-base-image.sh.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../../errors.js';
import { phpAppDir, projectRoot } from '../../util/project-root.js';
import { disableRyuk, runScript } from './docker-cli.js';

export const imageKinds = ['php-node', 'balancer-nginx', 'balancer-haproxy', 'redis'] as const;
export type ImageKind = (typeof imageKinds)[number];

export const BASE_IMAGE = 'debian:bookworm-slim';
export const dockerDir = join(projectRoot, 'docker');

/** Directories that make up one image's build context: [source, path inside the context]. */
function contextSources(kind: ImageKind): Array<[string, string]> {
  const sources: Array<[string, string]> = [[join(dockerDir, kind), '.']];
  if (kind === 'php-node') sources.push([phpAppDir, 'app']);
  return sources;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** sha256 over relative paths, modes and contents of the build context (first 12 hex). */
export function contextHash(kind: ImageKind): string {
  const hash = createHash('sha256');
  hash.update(`php-session-lab image ${kind} v1\n`);
  for (const [source, target] of contextSources(kind)) {
    for (const file of listFiles(source).sort()) {
      const rel = join(target, relative(source, file));
      hash.update(`${rel}\0${statSync(file).mode & 0o111 ? 'x' : '-'}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex').slice(0, 12);
}

export function imageTag(kind: ImageKind): string {
  return `php-session-lab/${kind}:${contextHash(kind)}`;
}

async function imageExists(tag: string): Promise<boolean> {
  disableRyuk();
  const client = await getContainerRuntimeClient();
  return client.image.exists(ImageName.fromString(tag));
}

/** Runs docker/make-base-image.sh when debian:bookworm-slim is not there (pull or debootstrap). */
export async function ensureBaseImage(log: (message: string) => void = () => {}): Promise<void> {
  if (await imageExists(BASE_IMAGE)) return;
  log(`building base image ${BASE_IMAGE} (docker/make-base-image.sh)`);
  await runScript(join(dockerDir, 'make-base-image.sh'), [], 15 * 60_000);
}

export interface BuiltImage {
  kind: ImageKind;
  tag: string;
  /** ms spent building; 0 when the cached image was used. */
  buildMs: number;
}

const inFlight = new Map<string, Promise<BuiltImage>>();

async function buildImage(kind: ImageKind, tag: string, log: (message: string) => void): Promise<BuiltImage> {
  if (await imageExists(tag)) return { kind, tag, buildMs: 0 };
  await ensureBaseImage(log);
  const t0 = performance.now();
  log(`building image ${tag}`);
  // A staged context holds only this image's files (the project root has node_modules etc.).
  const context = mkdtempSync(join(tmpdir(), `psl-ctx-${kind}-`));
  try {
    for (const [source, target] of contextSources(kind)) cpSync(source, join(context, target), { recursive: true });
    await GenericContainer.fromDockerfile(context, 'Dockerfile').withCache(true).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new HarnessError(`docker build of ${tag} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const buildMs = performance.now() - t0;
  log(`built ${tag} in ${(buildMs / 1000).toFixed(1)} s`);
  await pruneOldTags(kind, tag, log);
  return { kind, tag, buildMs };
}

/** Removes older php-session-lab/<kind> tags (an image still used by a container stays). */
async function pruneOldTags(kind: ImageKind, keep: string, log: (message: string) => void): Promise<void> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`php-session-lab/${kind}`] }) });
  const old = images.flatMap((image) => image.RepoTags ?? []).filter((t) => t !== keep && t.startsWith(`php-session-lab/${kind}:`));
  for (const t of old) {
    try {
      await docker.getImage(t).remove();
      log(`removed old image ${t}`);
    } catch {
      // In use by a container (another run): keep it.
    }
  }
}

/** Builds (or finds cached) the images a topology needs; one build per tag per process. */
export async function ensureImages(kinds: readonly ImageKind[], log: (message: string) => void = () => {}): Promise<Record<ImageKind, string>> {
  const unique = [...new Set(kinds)];
  const built = await Promise.all(
    unique.map((kind) => {
      const tag = imageTag(kind);
      let promise = inFlight.get(tag);
      if (!promise) {
        promise = buildImage(kind, tag, log);
        inFlight.set(tag, promise);
        promise.catch(() => inFlight.delete(tag));
      }
      return promise;
    }),
  );
  return Object.fromEntries(built.map((b) => [b.kind, b.tag])) as Record<ImageKind, string>;
}

/** Every image kind, with timings: what `bash docker/build-images.sh` prints. */
export async function buildAllImages(log: (message: string) => void = () => {}): Promise<BuiltImage[]> {
  await ensureBaseImage(log);
  const results: BuiltImage[] = [];
  // One at a time: apt downloads and dpkg on a 2-core machine do not gain from parallel builds.
  for (const kind of imageKinds) {
    const tag = imageTag(kind);
    const promise = inFlight.get(tag) ?? buildImage(kind, tag, log);
    inFlight.set(tag, promise);
    results.push(await promise);
  }
  return results;
}
