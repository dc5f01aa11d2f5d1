import { Agent } from 'undici';
import { performRequest, type RequestSpec } from './request.js';
import { skippedStage, summarizeStage } from './stats.js';
import type { TemplateContext } from './template.js';
import type { ErrorSample, RequestRecord, RunResult, Stage, StageSummary } from './types.js';

/** Everything the runner needs per request; `render` fills per-request templates (headers, body). */
export interface LoadTarget {
  spec: Omit<RequestSpec, 'headers' | 'body'>;
  render(ctx: TemplateContext): { headers: Record<string, string>; body: string | null };
}

export interface RunHooks {
  stageStart?(index: number, stage: Stage): void;
  stageEnd?(summary: StageSummary): void;
  log?(line: string): void;
}

export interface RunOptions {
  stages: Stage[];
  cooldownMs: number;
  hooks?: RunHooks;
}

const SAMPLES_PER_CATEGORY = 5;

/**
 * Closed-model load: per stage, all users start together and each sends its requests one after
 * another. The first stage is the smoke test: with no success at all the rest is skipped.
 */
export async function runLoad(target: LoadTarget, opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  // No connection limit: a request waiting for a free socket would be measured as server latency.
  const agent = new Agent({
    connections: null,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: target.spec.timeoutMs },
  });
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  const sampled = new Map<string, number>();
  let smokeFailed = false;
  try {
    for (let i = 0; i < opts.stages.length; i++) {
      const stage = opts.stages[i]!;
      const index = i + 1;
      if (smokeFailed) {
        stages.push(skippedStage(index, stage));
        continue;
      }
      if (i > 0 && opts.cooldownMs > 0) await sleep(opts.cooldownMs);
      opts.hooks?.stageStart?.(index, stage);
      const records = await runStage(agent, target, index, stage);
      const summary = summarizeStage(index, stage, records.records, records.durationMs);
      stages.push(summary);
      for (const r of records.records) {
        requests.push(r);
        if (!r.ok && r.category) {
          const n = sampled.get(r.category) ?? 0;
          if (n < SAMPLES_PER_CATEGORY) {
            sampled.set(r.category, n + 1);
            errorSamples.push({ stage: index, category: r.category, status: r.status, message: r.error ?? '' });
          }
        }
      }
      opts.hooks?.stageEnd?.(summary);
      if (i === 0 && summary.succeeded === 0) smokeFailed = true;
    }
  } finally {
    await agent.destroy();
  }
  return { startedAt, finishedAt: new Date().toISOString(), stages, requests, smokeFailed, errorSamples };
}

async function runStage(
  agent: Agent,
  target: LoadTarget,
  index: number,
  stage: Stage,
): Promise<{ records: RequestRecord[]; durationMs: number }> {
  const records: RequestRecord[] = [];
  const user = async (u: number): Promise<void> => {
    for (let it = 1; it <= stage.requestsPerUser; it++) {
      const { headers, body } = target.render({ stage: index, user: u, iteration: it });
      records.push(await performRequest(agent, { ...target.spec, headers, body }, { stage: index, user: u, iteration: it }));
    }
  };
  const t0 = performance.now();
  const users: Promise<void>[] = [];
  for (let u = 1; u <= stage.users; u++) users.push(user(u));
  await Promise.all(users);
  const durationMs = performance.now() - t0;
  records.sort((a, b) => a.startedAt - b.startedAt);
  return { records, durationMs };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
