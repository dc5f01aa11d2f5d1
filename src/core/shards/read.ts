// Reading a shard report from disk as untrusted input: a regular file only (a symlink, FIFO,
// device or directory is refused without being read or waited on), at most 64 MiB, read with a
// bound (a file that grows while read is cut off, not followed), UTF-8, JSON, nesting bounded.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { Rejected, checkDepth } from './check.js';

const MAX_SHARD_REPORT_BYTES = 64 * 1024 * 1024;
/** A report is at most 5 levels deep (requests[i].gaps[j]); far more is a forgery that would overflow JSON.stringify. */
const MAX_SHARD_DEPTH = 16;

/** Why a file could not be read (the message says what it is). */
export class Unreadable extends Error {
  override name = 'Unreadable';
}

const mib = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The bytes of a regular file of at most `max` bytes. O_NOFOLLOW refuses a symlink; O_NONBLOCK keeps
 * the open of a FIFO from waiting for a writer; fstat on the open file (no race with a rename) decides.
 */
export function readRegularFile(path: string, max = MAX_SHARD_REPORT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new Unreadable('is a symbolic link: give the report file itself');
    throw new Unreadable(`cannot be read${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Unreadable(`is ${kindOf(st)}, not a report file`);
    if (st.size > max) throw new Unreadable(`is ${mib(st.size)}: a shard report is at most ${mib(max)}`);
    const buf = Buffer.allocUnsafe(Math.min(st.size, max) + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > max) throw new Unreadable(`is over ${mib(max)} (it grew while being read): a shard report is at most ${mib(max)}`);
      if (len === buf.length) break;
    }
    return buf.subarray(0, len);
  } catch (err) {
    if (err instanceof Unreadable) throw err;
    const code = (err as { code?: string }).code;
    throw new Unreadable(`cannot be read${code ? ` (${code})` : ''}`);
  } finally {
    closeSync(fd);
  }
}

/** JSON from the bytes of a report: UTF-8, parsed, nesting bounded. Never quotes the content (it may be any file). */
export function parseReportJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Unreadable('is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new Unreadable(`is not JSON${at ? ` (at character ${at})` : ''}`);
  }
  checkDepth(json, MAX_SHARD_DEPTH);
  return json;
}

export { Rejected };
