// Reading and writing the history file. Reading is bounded and opens nothing but a regular file (a
// FIFO, a device or a directory at the path is reported, never read); writing goes to a temporary
// file in the same directory, then a rename, so a reader never sees half a file and a failed write
// leaves the old one as it was. A file that is not a history is moved aside, never overwritten.

import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { formatSize } from '../config/size.js';
import { checkHistory, serializeHistory, type HistoryEntry } from './schema.js';

/** The largest history file read (1000 entries of many stages stay well below). */
export const MAX_HISTORY_BYTES = 16 * 1024 * 1024;

export type HistoryRead =
  /** No file yet: a first run. */
  | { kind: 'missing' }
  | { kind: 'read'; entries: HistoryEntry[] }
  /** Something that is not a history of this version is at the path: `why` says what (after the path). */
  | { kind: 'unreadable'; why: string };

const errCode = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).message;

/** What a non-regular file is, for the message. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads and checks the history at `path`. Never throws. */
export function readHistory(path: string): HistoryRead {
  let st: Stats;
  try {
    const link = lstatSync(path);
    st = link.isSymbolicLink() ? statSync(path) : link;
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') {
      // A dangling symlink is not "no history yet".
      try {
        if (lstatSync(path).isSymbolicLink()) return { kind: 'unreadable', why: 'is a symbolic link to nothing' };
      } catch {
        /* nothing there */
      }
      return { kind: 'missing' };
    }
    if (code === 'ENOTDIR') return { kind: 'unreadable', why: 'is under a path that is not a directory' };
    return { kind: 'unreadable', why: `cannot be read (${code})` };
  }
  if (!st.isFile()) return { kind: 'unreadable', why: `is ${kindOf(st)}, not a history file` };
  // Empty, or a kernel file that says 0 bytes (/proc/self/environ): nothing worth reading either way.
  if (st.size === 0) return { kind: 'unreadable', why: 'is empty' };
  if (st.size > MAX_HISTORY_BYTES) return { kind: 'unreadable', why: `is ${formatSize(st.size)}: a history is at most ${formatSize(MAX_HISTORY_BYTES)}` };
  const text = readBounded(path, st);
  if (typeof text !== 'string') return text;
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // The parser's message quotes the text: only where it broke is told, never what the file holds.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    return { kind: 'unreadable', why: at === undefined ? 'is not JSON' : `is not JSON (at character ${at})` };
  }
  const checked = checkHistory(json);
  return checked.ok ? { kind: 'read', entries: checked.entries } : { kind: 'unreadable', why: checked.why };
}

/** The file's text, read through one descriptor (non-blocking, checked again after opening), at most MAX_HISTORY_BYTES. */
function readBounded(path: string, before: Stats): string | { kind: 'unreadable'; why: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return { kind: 'unreadable', why: `cannot be read (${errCode(err)})` };
  }
  try {
    const st = fstatSync(fd);
    // Swapped between the check and the open: read nothing that is not the regular file checked.
    if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev) return { kind: 'unreadable', why: 'changed while it was opened' };
    const buf = Buffer.alloc(Math.min(MAX_HISTORY_BYTES + 1, Math.max(st.size + 1, 64 * 1024)));
    let len = 0;
    for (;;) {
      if (len === buf.length) return { kind: 'unreadable', why: `is bigger than ${formatSize(MAX_HISTORY_BYTES)}` };
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > MAX_HISTORY_BYTES) return { kind: 'unreadable', why: `is bigger than ${formatSize(MAX_HISTORY_BYTES)}` };
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, len));
    } catch {
      return { kind: 'unreadable', why: 'is not UTF-8 text' };
    }
  } catch (err) {
    return { kind: 'unreadable', why: `cannot be read (${errCode(err)})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `entries` to `path` atomically: a new file beside it (created exclusively, so nothing planted
 * at that name is followed), synced, then renamed over the path. Throws on failure, after removing
 * the temporary file; the old file is then unchanged.
 */
export function writeHistory(path: string, entries: readonly HistoryEntry[]): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    try {
      writeSync(fd, serializeHistory(entries));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
}

/**
 * Moves whatever is at `path` (a corrupt file, a directory, a FIFO, a link) aside to
 * `<path>.unreadable-<time>`, so a new history can start at the path and nothing is lost. Returns the
 * new name; throws when it cannot be moved.
 */
export function moveAside(path: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let i = 1; i < 100; i++) {
    const aside = `${path}.unreadable-${stamp}${i > 1 ? `-${i}` : ''}`;
    try {
      lstatSync(aside);
      continue; // taken
    } catch {
      renameSync(path, aside);
      return aside;
    }
  }
  throw new Error('no free name to move it aside');
}
