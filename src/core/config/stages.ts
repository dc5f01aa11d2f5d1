import { InputError } from '../errors.js';
import { parseDuration } from '../time/duration.js';
import { isRate, type RateStage, type Stage, type StageSummary } from '../types.js';

export { isRate };

export const DEFAULT_STAGES = '1x1, 10x3, 20x2';
/** The most users a stage (or a capacity probe) may have. */
export const MAX_USERS = 10_000;
const MAX_REQUESTS = 100_000;
/** Arrivals a rate stage (and all rate stages together) may schedule: a gate is bounded. */
const MAX_ARRIVALS = 1_000_000;
/** Longest rate stage. */
const MAX_RATE_DURATION_MS = 3_600_000;

/**
 * Comma-separated stages: `USERSxREQUESTS` (closed: that many concurrent users, each sending that
 * many requests in a row) or `R/s:D` (open: requests arriving at R per second for D).
 */
export function parseStages(text: string, input = 'stages'): Stage[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new InputError(input, 'is empty (expected e.g. "1x1, 10x3, 20x2" or "2/s:30s")');
  let total = 0;
  let arrivals = 0;
  return parts.map((part, i) => {
    if (part.includes('/')) {
      const stage = parseRateStage(part, i + 1, input);
      arrivals += stage.rate * (stage.durationMs / 1000);
      if (arrivals > MAX_ARRIVALS) throw new InputError(input, `more than ${MAX_ARRIVALS.toLocaleString('en-US')} arrivals in all rate stages; a gate should be bounded`);
      return stage;
    }
    const m = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(part);
    if (!m) {
      throw new InputError(input, `stage ${i + 1} "${part}" is not USERSxREQUESTS (e.g. 10x3) or RATE/s:DURATION (e.g. 2/s:30s)`);
    }
    const users = Number(m[1]);
    const requestsPerUser = Number(m[2]);
    if (users < 1) throw new InputError(input, `stage ${i + 1} "${part}": users must be at least 1`);
    if (requestsPerUser < 1) throw new InputError(input, `stage ${i + 1} "${part}": requests per user must be at least 1`);
    if (users > MAX_USERS) throw new InputError(input, `stage ${i + 1} "${part}": at most ${MAX_USERS} users`);
    total += users * requestsPerUser;
    if (total > MAX_REQUESTS) throw new InputError(input, `more than ${MAX_REQUESTS} requests in all; a gate should be bounded`);
    return { users, requestsPerUser };
  });
}

/** `2/s:30s`, `0.5/s:2m`: a rate above 0 and a duration above 0, at most MAX_ARRIVALS arrivals. */
function parseRateStage(part: string, n: number, input: string): RateStage {
  const m = /^(.*?)\s*\/\s*s\s*:\s*(.*)$/.exec(part);
  if (!m) throw new InputError(input, `stage ${n} "${part}" is not RATE/s:DURATION (e.g. 2/s:30s, 0.5/s:2m)`);
  const rateText = m[1]!;
  if (!/^-?(\d+(\.\d+)?|\.\d+)$/.test(rateText)) throw new InputError(input, `stage ${n} "${part}": the rate "${rateText}" is not a number of arrivals per second`);
  const rate = Number(rateText);
  if (!(rate > 0)) throw new InputError(input, `stage ${n} "${part}": the rate must be more than 0 arrivals per second`);
  const where = `${input} (stage ${n} "${part}")`;
  const durationMs = parseDuration(where, m[2]!, { max: MAX_RATE_DURATION_MS });
  const arrivals = rate * (durationMs / 1000);
  if (arrivals > MAX_ARRIVALS) {
    throw new InputError(
      input,
      `stage ${n} "${part}": ${Math.round(arrivals).toLocaleString('en-US')} arrivals, more than ${MAX_ARRIVALS.toLocaleString('en-US')}; a gate should be bounded`,
    );
  }
  return { kind: 'rate', rate, durationMs };
}

/** `2`, `0.5`, `1.25`: a rate as written back (at most three decimals). */
export function formatRate(rate: number): string {
  return String(Number(rate.toFixed(3)));
}

/** A duration exactly, as an input would write it: `2m`, `30s`, `1500ms`. */
function exactDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Number(ms.toFixed(3))}ms`;
}

/** A stage as the `stages` input writes it: `10x3`, `2/s:30s`. */
export function stageText(s: Stage): string {
  return isRate(s) ? `${formatRate(s.rate)}/s:${exactDuration(s.durationMs)}` : `${s.users}x${s.requestsPerUser}`;
}

export function formatStages(stages: Stage[]): string {
  return stages.map(stageText).join(', ');
}

/** The stage a summary was run from (a rate stage's summary carries its rate and duration). */
export function stageOf(s: Pick<StageSummary, 'users' | 'requestsPerUser' | 'rate'>): Stage {
  return s.rate ? { kind: 'rate', rate: s.rate.offered, durationMs: s.rate.durationMs } : { users: s.users, requestsPerUser: s.requestsPerUser };
}

/** Where a figure was measured, for sentences: `10 users`, `2/s`. */
export function stageWho(s: Stage): string {
  return isRate(s) ? `${formatRate(s.rate)}/s` : `${s.users} user${s.users === 1 ? '' : 's'}`;
}

/** A stage's load for tables: `10 × 3`, `2/s for 30s`. */
export function stageLoad(s: Stage): string {
  return isRate(s) ? `${formatRate(s.rate)}/s for ${exactDuration(s.durationMs)}` : `${s.users} × ${s.requestsPerUser}`;
}

/** A summary's (or a result's) key for matching stages across runs: `users:10`, `rate:2`. */
export function stageKey(s: Pick<StageSummary, 'users' | 'rate'>): string {
  return s.rate ? `rate:${s.rate.offered}` : `users:${s.users}`;
}

/** Where a criterion result or diagnosis is about: `10 users`, `2/s`, null for the whole run. */
export function scopeWho(x: { users: number | null; rate?: number }): string | null {
  if (x.rate !== undefined) return `${formatRate(x.rate)}/s`;
  return x.users === null ? null : `${x.users} user${x.users === 1 ? '' : 's'}`;
}
