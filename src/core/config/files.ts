// Files named by inputs, checked without opening anything that is not a regular file: a FIFO,
// a device or a /proc entry can block or grow without end when opened or created.
import { accessSync, constants, readFileSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { formatSize } from './size.js';

const MAX_BODY_FILE = 10 * 1024 * 1024;

/** Kernel file systems where nothing is a report (statfs magic numbers). */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
]);

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** A body file: a regular file (its literal path, `#` and `%` included) of at most MAX_BODY_FILE bytes. */
export function readBodyFile(input: string, path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  let st: Stats | null;
  try {
    st = statOrNull(abs);
  } catch (err) {
    throw new InputError(input, `cannot read "${path}": ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  if (st === null) throw new InputError(input, `cannot read "${path}": no such file`);
  if (!st.isFile()) throw new InputError(input, `"${path}" is not a regular file`);
  if (st.size > MAX_BODY_FILE) throw new InputError(input, `"${path}" is ${formatSize(st.size)}: at most ${formatSize(MAX_BODY_FILE)}`);
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    throw new InputError(input, `cannot read "${path}": ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
}

/**
 * Checks before the first request that the report can be written at `path`: an existing regular
 * file or a new name under directories that exist or can be made, writable, on a real file
 * system. Only stat/statfs/access: nothing is opened or created. Returns the absolute path.
 */
export function checkReportPath(input: string, path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  if (/[/\\]$/.test(path)) throw new InputError(input, `"${path}" is a directory, not a file name`);
  let at = abs;
  let st = statOrNull(at);
  while (st === null) {
    const up = dirname(at);
    if (up === at) throw new InputError(input, `"${path}": no existing directory above it`);
    at = up;
    st = statOrNull(at);
  }
  if (at === abs) {
    if (!st.isFile()) throw new InputError(input, `"${path}" exists and is not a regular file`);
  } else if (!st.isDirectory()) {
    throw new InputError(input, `"${path}" cannot be created: ${at} is not a directory`);
  }
  let fsType: number;
  try {
    fsType = Number(statfsSync(at).type);
  } catch {
    fsType = 0;
  }
  const pseudo = PSEUDO_FS.get(fsType);
  if (pseudo !== undefined) throw new InputError(input, `"${path}" is on the ${pseudo} file system, where no report can be written`);
  try {
    accessSync(at, constants.W_OK);
  } catch (err) {
    throw new InputError(input, `"${path}" cannot be written: ${at} is not writable (${(err as { code?: string }).code ?? 'denied'})`);
  }
  return abs;
}
