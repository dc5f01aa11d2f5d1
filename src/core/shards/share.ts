// A shard's share of a stage: which users it runs, and how late against start-at is worth a word.
// A leaf, so the load layer and config/ read it without an arrow between them.

/** Lateness against start-at worth a word (below it: timer resolution and event-loop jitter). */
export const LATE_TOLERANCE_MS = 50;

/** This instance is shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The global user numbers shard K of N runs in a stage of `users`: a contiguous block, the first
 * `users mod N` shards one more (25 over 3 = 1–9, 10–17, 18–25). Every user is run by exactly one
 * shard, so `{{user}}` stays unique across the matrix; a shard may get none (1 over 2 = 1 / 0).
 */
export function shardUsers(users: number, shard: ShardSpec): { first: number; count: number } {
  const base = Math.floor(users / shard.count);
  const extra = users % shard.count;
  const k = shard.index - 1;
  return { first: k * base + Math.min(k, extra) + 1, count: base + (k < extra ? 1 : 0) };
}
