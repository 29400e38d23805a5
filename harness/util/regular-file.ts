/**
 * Reading an input file safely: its type is checked with stat before it is opened, so a FIFO
 * (which would block the reader forever), a device, a socket or a directory is refused with a
 * message instead of hanging or failing with a stack trace. The file is then opened
 * non-blocking and checked again on the open descriptor (it may have been replaced in between).
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import { oneLine } from './one-line.js';

/** "a directory", "a FIFO (named pipe)", ... for a message. */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A file-system error code in words. */
export function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOTDIR':
      return 'a part of the path is not a directory (ENOTDIR)';
    case 'ELOOP':
      return 'too many levels of symbolic links (ELOOP)';
    case 'ENAMETOOLONG':
      return 'the name is too long (ENAMETOOLONG)';
    case 'EISDIR':
      return 'is a directory (EISDIR)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    default:
      return code ? `cannot access it (${code})` : `cannot access it (${oneLine(String((error as Error)?.message ?? error))})`;
  }
}

export interface ReadRegularFileOptions {
  /** Prefix of every message (default: the path). */
  label?: string;
  /** What the file should be, for messages ("scenario file", "result file"). */
  what: string;
  /** Larger files are refused. */
  maxBytes: number;
}

/** stat only (follows symbolic links); errors as InvalidInputError naming the file. */
export async function statInput(path: string, label: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw new InvalidInputError(`${label}: ${fsProblem(error)}`);
  }
}

/** The file's text (UTF-8, a leading BOM removed), or an InvalidInputError naming the file and the problem. */
export async function readRegularFile(path: string, options: ReadRegularFileOptions): Promise<string> {
  const label = options.label ?? oneLine(path);
  const before = await statInput(path, label);
  if (!before.isFile()) throw new InvalidInputError(`${label}: is ${fileKind(before)}, not a ${options.what}`);
  if (before.size === 0) throw new InvalidInputError(`${label}: the ${options.what} is empty`);
  if (before.size > options.maxBytes) {
    throw new InvalidInputError(`${label}: the ${options.what} is ${before.size} bytes, more than the ${options.maxBytes} allowed`);
  }
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new InvalidInputError(`${label}: cannot open the ${options.what}: ${fsProblem(error)}`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev) {
      throw new InvalidInputError(`${label}: the ${options.what} was replaced while being opened (now ${fileKind(opened)})`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, options.maxBytes + 1 - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw new InvalidInputError(`${label}: cannot read the ${options.what}: ${fsProblem(error)}`);
      }
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) {
        throw new InvalidInputError(`${label}: the ${options.what} is more than the ${options.maxBytes} bytes allowed`);
      }
    }
    if (total === 0) throw new InvalidInputError(`${label}: the ${options.what} is empty`);
    const text = Buffer.concat(chunks, total).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    await handle.close().catch(() => {});
  }
}
