// Valid shard reports as a shard writes them (its users, counts and plan id consistent), for tests
// that then forge one field at a time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shardUsers } from '../../src/core/config/shard.js';
import { parseStages } from '../../src/core/config/stages.js';
import { planIdOf, planOf } from '../../src/core/shards/identity.js';
import type { RequestRecord } from '../../src/core/types.js';

export const T0 = Date.parse('2026-12-01T10:00:00Z');

export interface ShardReportOptions {
  index: number;
  count: number;
  stages?: string;
  url?: string;
  /** TTFC of every request (ms), or a function of stage and user. */
  ttfc?: number | ((stage: number, user: number) => number);
  /** Requests that fail (HTTP 503, this message). */
  fail?: (stage: number, user: number) => string | null;
  /** Extra config fields (what a shard was given: criteria, fail-on-criteria, verdict…). */
  config?: Record<string, unknown>;
  host?: string;
}

/** A shard report object (parsed JSON), consistent in every field. */
export function validShardReport(o: ShardReportOptions): Record<string, unknown> & { requests: Array<Record<string, unknown>>; shard: Record<string, unknown> } {
  const stagesText = o.stages ?? '1x1, 4x2';
  const url = o.url ?? 'http://127.0.0.1:9/chat';
  const config: Record<string, unknown> = {
    url,
    method: 'POST',
    preset: 'generic',
    format: 'auto',
    headers: [],
    body: null,
    token: null,
    stages: stagesText,
    timeoutMs: 5000,
    cooldownMs: 100,
    maxEventBytes: 16777216,
    criteria: 'errors == 0',
    failOnCriteria: true,
    verdict: 'strict',
    warmup: 0,
    startAt: '2026-12-01T10:00:00.000Z',
    stageWindowMs: 1000,
    shard: `${o.index}/${o.count}`,
    ...o.config,
  };
  const requests: RequestRecord[] = [];
  const stages = parseStages(stagesText).map((st, i) => {
    const own = shardUsers(st.users, o);
    for (let it = 1; it <= st.requestsPerUser; it++) {
      for (let u = own.first; u < own.first + own.count; u++) {
        const error = o.fail?.(i + 1, u) ?? null;
        const ttfc = typeof o.ttfc === 'function' ? o.ttfc(i + 1, u) : (o.ttfc ?? 50);
        requests.push({
          stage: i + 1,
          user: u,
          iteration: it,
          startedAt: T0 + (i + 1) * 1000 + it,
          status: error === null ? 200 : 503,
          ok: error === null,
          category: error === null ? null : 'http_5xx',
          error,
          connect: 1,
          ttfb: ttfc / 2,
          ttfc: error === null ? ttfc : null,
          ttft: error === null ? ttfc : null,
          total: error === null ? ttfc + 30 : null,
          stall: error === null ? 10 : null,
          events: error === null ? 3 : 0,
          bytes: 60,
          gaps: error === null ? [10, 20] : [],
        });
      }
    }
    const n = requests.filter((r) => r.stage === i + 1).length;
    return { index: i + 1, firstUser: own.first, users: own.count, scheduledAt: T0 + (i + 1) * 1000, startedAt: T0 + (i + 1) * 1000, durationMs: 400, lateMs: 0, requests: n };
  });
  const errorSamples = requests
    .filter((r) => !r.ok)
    .slice(0, 5)
    .map((r) => ({ stage: r.stage, category: r.category, status: r.status, message: r.error }));
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url, preset: 'generic', commit: null },
    config,
    environment: { node: 'v22', platform: 'linux-x64', cpus: 2 },
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 5000).toISOString(),
    passed: false,
    smokeFailed: false,
    percentileMethod: '',
    stages: [],
    criteria: [],
    diagnoses: [],
    errorSamples,
    requests: requests as unknown as Array<Record<string, unknown>>,
    shard: { index: o.index, count: o.count, host: o.host ?? `runner-${o.index}`, planId: planIdOf(planOf(config, o.count)), startAt: config.startAt, lateMs: 0, stages },
  };
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}
