/** Writes a file atomically: a temp file in the same directory, then rename. */
import { chmod, mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export interface PlannedWrite {
  path: string;
  data: string | Uint8Array;
  /** Add to the end of the existing file (kept as it was, mode included) instead of replacing it. */
  append?: boolean;
}

/**
 * Writes several files all-or-nothing: every file goes to a temp file beside it first; only
 * when all are written are they renamed into place. On a failure before the renames the temp
 * files (and directories created for them) are removed and no target is touched.
 */
export async function writeFilesAtomically(writes: readonly PlannedWrite[]): Promise<void> {
  const temps: Array<{ tmp: string; path: string; renamed: boolean }> = [];
  const createdDirs: string[] = [];
  try {
    for (const write of writes) {
      const dir = dirname(write.path);
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined) createdDirs.push(created);
      const tmp = join(dir, `.${basename(write.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      temps.push({ tmp, path: write.path, renamed: false });
      let data: string | Uint8Array = write.data;
      let mode: number | undefined;
      if (write.append) {
        const existing = await readFile(write.path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null;
          throw error;
        });
        if (existing) {
          data = Buffer.concat([existing, typeof write.data === 'string' ? Buffer.from(write.data) : write.data]);
          mode = (await stat(write.path)).mode & 0o7777;
        }
      }
      await writeFile(tmp, data, { flag: 'wx', ...(mode !== undefined ? { mode } : {}) });
      if (mode !== undefined) await chmod(tmp, mode);
    }
    for (const temp of temps) {
      await rename(temp.tmp, temp.path);
      temp.renamed = true;
    }
  } catch (error) {
    await Promise.all(temps.filter((t) => !t.renamed).map((t) => rm(t.tmp, { force: true })));
    // Directories made for these files, innermost first, if nothing else went into them.
    // mkdir -p returned the outermost directory it made: remove the empty chain below it.
    for (const top of createdDirs.reverse()) {
      for (const write of writes) {
        for (let dir = dirname(write.path); dir === top || dir.startsWith(top + sep); dir = dirname(dir)) {
          await rmdir(dir).catch(() => {});
          if (dir === top) break;
        }
      }
    }
    throw error;
  }
}
