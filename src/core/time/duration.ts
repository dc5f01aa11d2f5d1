import { InputError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface DurationBounds {
  /** Largest accepted value in ms (a bigger one is an input error, never an overflow). */
  max: number;
  /** Whether 0 (also `0s`, `0ms`) is accepted. */
  zero?: boolean;
}

/** Parses `60s`, `500ms`, `5m`, `1.5s`, `1h`; a bare number means seconds (as in `timeout: 60`). Returns ms. */
export function parseDuration(input: string, text: string, bounds: DurationBounds): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) {
    throw new InputError(input, `"${text}" is not a duration (use e.g. 500ms, 60s, 5m, 1h; a bare number is seconds)`);
  }
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (ms === 0 && bounds.zero) return 0;
  if (!(ms > 0)) throw new InputError(input, `"${text.trim()}" must be greater than zero`);
  if (ms > bounds.max) throw new InputError(input, `"${text.trim()}" is too long: at most ${formatBound(bounds.max)}`);
  return ms;
}

/** A duration the way inputs write it: `500ms`, `1.5s`, `2m` (for log lines about configured waits). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}

function formatBound(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
