// Sharding a plan over several machines (a GitHub Actions matrix): which users of each stage this
// instance runs, and when each stage starts by the wall clock so every shard starts it together.
import { InputError } from '../errors.js';
import type { Stage } from '../types.js';
import { isRate } from './stages.js';
import { parseDuration } from '../time/duration.js';
import type { ShardSpec } from '../shards/share.js';

export { LATE_TOLERANCE_MS, shardUsers, type ShardSpec } from '../shards/share.js';

export const MAX_SHARDS = 256;
/** A start further ahead than this is a typo, not a plan: a gate is bounded. */
export const MAX_START_AHEAD_MS = 60 * 60_000;

/** `K/N`, 1 ≤ K ≤ N ≤ 256. */
export function parseShard(text: string, input = 'shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError(input, `"${text}" is not K/N (e.g. 2/3: the second of three shards)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new InputError(input, `"${text}": N must be 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new InputError(input, `"${text}": K must be 1 to N (${count})`);
  return { index, count };
}

const formatShard = (s: ShardSpec): string => `${s.index}/${s.count}`;

/**
 * `start-at`: an ISO-8601 time with a zone (`2026-12-01T10:00:00Z`), that time plus an offset
 * (`2026-12-01T10:00:00Z+90s`: the first job passes its clock, every shard adds the same lead), or
 * `+90s` from now (one machine, or shards started by one script). Returns epoch ms.
 */
export function parseStartAt(text: string, nowMs: number, input = 'start-at'): number {
  const t = text.trim();
  // The lead needs its unit: `…+0100` is a zone, not 100 seconds.
  const m = /^(.*?)\+(\d+(?:\.\d+)?\s*(?:ms|s|m|h))$/.exec(t);
  const isoPart = m ? m[1]!.trim() : t;
  const offset = m ? parseDuration(input, m[2]!, { max: 24 * MAX_START_AHEAD_MS }) : 0;
  let base = nowMs;
  if (isoPart !== '') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(isoPart)) {
      throw new InputError(input, `"${t}" is not an ISO time with a zone (2026-12-01T10:00:00Z), that time +90s, or +90s from now`);
    }
    const wrong = calendarError(isoPart);
    if (wrong) throw new InputError(input, `"${isoPart}" is not a valid time: ${wrong}`);
    base = Date.parse(isoPart);
    if (Number.isNaN(base)) throw new InputError(input, `"${isoPart}" is not a valid time`);
  }
  const at = base + offset;
  if (at - nowMs > MAX_START_AHEAD_MS) {
    throw new InputError(input, `${new Date(at).toISOString()} is more than ${MAX_START_AHEAD_MS / 60_000} minutes ahead`);
  }
  return at;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * What is wrong with the date and time of an ISO time that has the right shape, or null: Date.parse
 * rolls 2026-02-30 over to March 2 and 10:60 to 11:00 without a word.
 */
function calendarError(iso: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|([+-])(\d{2}):?(\d{2}))$/i.exec(iso);
  if (!m) return 'not an ISO time';
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return `month ${m[2]} does not exist`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `${MONTHS[month - 1]} ${year} has ${days} days`;
  if (hour > 23) return `hour ${m[4]} does not exist (00 to 23)`;
  if (minute > 59) return `minute ${m[5]} does not exist (00 to 59)`;
  if (second > 59) return `second ${m[6]} does not exist (00 to 59)`;
  if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return `zone offset ${m[7]}${m[8]}:${m[9]} does not exist`;
  return null;
}

/**
 * The wall-clock schedule of the stages from `start-at`: stage k starts at
 * start + Σ_{j<k} (window_j + cooldown). A stage's window is `stage-window` when given, else its
 * worst case (requests per user × timeout; a rate stage's duration + timeout), so no shard can still be in a stage when the next begins.
 */
export function stageSchedule(startAt: number, stages: Stage[], opts: { windowMs: number | null; timeoutMs: number; cooldownMs: number }): number[] {
  const out: number[] = [];
  let t = startAt;
  for (const s of stages) {
    out.push(t);
    // A rate stage: its arrivals, then its last request's timeout.
    t += (opts.windowMs ?? (isRate(s) ? s.durationMs + opts.timeoutMs : s.requestsPerUser * opts.timeoutMs)) + opts.cooldownMs;
  }
  return out;
}

/** `, shard 2/3, start-at 2026-12-01T10:00:00.000Z` for the first log line ('' for a whole run without start-at). */
export function shardNote(cfg: { shard: ShardSpec | null; startAt: number | null }): string {
  return `${cfg.shard ? `, shard ${formatShard(cfg.shard)}` : ''}${cfg.startAt !== null ? `, start-at ${new Date(cfg.startAt).toISOString()}` : ''}`;
}
