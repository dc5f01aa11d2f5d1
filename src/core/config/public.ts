// The effective config as a report may show it (secrets redacted): written in every report's `config`
// and hashed into a shard's plan id, so it sits with the config, below both report/ and shards/.
import type { Config } from './config.js';
import { isSecretHeader } from './headers.js';
import { formatStages, isRate } from './stages.js';
import { redactText } from '../redact.js';
import type { ServerSpec } from '../server/types.js';
import { formatResolution } from '../capacity/config.js';
import type { CapacitySpec } from '../capacity/types.js';

/** The effective config as it may be shown: secret header values and the token redacted. */
export function publicConfig(cfg: Config): Record<string, unknown> {
  return {
    url: cfg.displayUrl,
    method: cfg.method,
    preset: cfg.preset.name,
    format: cfg.format,
    headers: cfg.headerLines.map(([n, v]) => `${n}: ${isSecretHeader(n) ? '***' : redactText(v, cfg.secrets)}`),
    body: cfg.body === null ? null : redactText(cfg.body.length > 2000 ? `${cfg.body.slice(0, 2000)}…` : cfg.body, cfg.secrets),
    token: cfg.token ? '***' : null,
    stages: formatStages(cfg.stages),
    ...(cfg.stages.some(isRate) ? { arrival: cfg.arrivals.process, arrivalSeed: cfg.arrivals.seed, maxInFlight: cfg.arrivals.maxInFlight } : {}),
    timeoutMs: cfg.timeoutMs,
    cooldownMs: cfg.cooldownMs,
    maxEventBytes: cfg.maxEventBytes,
    criteria: cfg.criteriaText,
    goodput: cfg.goodput ? cfg.goodput.map((l) => l.text).join('\n') : null,
    failOnCriteria: cfg.failOnCriteria,
    verdict: cfg.verdict,
    repeat: cfg.repeat,
    warmup: cfg.warmup,
    baseline: cfg.baseline,
    regressionThreshold: cfg.regressionThreshold,
    compareUrl: cfg.compare?.displayUrl ?? null,
    compareHeaders: cfg.compare ? cfg.compare.headerLines.map(([n, v]) => `${n}: ${isSecretHeader(n) ? '***' : redactText(v, cfg.secrets)}`) : null,
    compareToken: cfg.compare?.ownToken ? '***' : null,
    ...(cfg.server ? { server: publicServerConfig(cfg.server, cfg.secrets) } : {}),
    ...(cfg.capacity ? { capacity: publicCapacityConfig(cfg.capacity) } : {}),
    ...(cfg.shard ? { shard: `${cfg.shard.index}/${cfg.shard.count}` } : {}),
    ...(cfg.startAt !== null ? { startAt: new Date(cfg.startAt).toISOString(), stageWindowMs: cfg.stageWindowMs } : {}),
    ...(cfg.history ? { history: { path: cfg.history.path, limit: cfg.history.limit, window: cfg.history.window, write: cfg.history.write } } : {}),
  };
}

/** The capacity search's settings. */
function publicCapacityConfig(c: CapacitySpec): Record<string, unknown> {
  return { slo: c.sloText, maxUsers: c.maxUsers, requestsPerUser: c.requestsPerUser, resolution: formatResolution(c.resolution), budgetMs: c.budgetMs };
}

/** The server-side settings as they may be shown (commands redacted). */
function publicServerConfig(sv: ServerSpec, secrets: readonly string[]): Record<string, unknown> {
  return {
    healthUrl: sv.health?.displayUrl ?? null,
    healthIntervalMs: sv.health?.intervalMs ?? null,
    monitors: sv.monitors.map((m) => `${m.name}: ${redactText(m.source.kind === 'command' ? m.source.command : `metric:${m.source.series}`, secrets)}`),
    monitorIntervalMs: sv.monitorIntervalMs,
    monitorTimeoutMs: sv.sampleTimeoutMs,
    metricsUrl: sv.metrics?.displayUrl ?? null,
    logsCommand: sv.logs ? redactText(sv.logs.command, secrets) : null,
    logErrorPattern: sv.logs?.patternText ?? null,
  };
}
