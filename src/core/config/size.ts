import { InputError } from '../errors.js';

const UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2, gb: 1000 ** 3, gib: 1024 ** 3 };

/** Parses a byte size: `16MiB`, `512KiB`, `1MB`, `2048` (bytes). */
export function parseSize(input: string, text: string, min: number, max: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
  if (!m) throw new InputError(input, `"${text.trim()}" is not a size (e.g. 16MiB, 512KiB, 1MB; a bare number is bytes)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
  if (bytes < min || bytes > max) throw new InputError(input, `${text.trim()} is out of range: ${formatSize(min)} to ${formatSize(max)}`);
  return bytes;
}

export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (bytes >= n && bytes % n === 0) return `${bytes / n} ${unit}`;
  return `${bytes} bytes`;
}
