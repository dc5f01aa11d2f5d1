// History entries and stage summaries for the history tests.
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { HistoryEntry } from '../../src/core/history/schema.js';
import type { StageSummary } from '../../src/core/types.js';
import { record } from './records.js';

/** A stage whose successful requests have these TTFCs. */
export function stageWith(index: number, users: number, ttfcs: number[]): StageSummary {
  return summarizeStage(
    index,
    { users, requestsPerUser: 1 },
    ttfcs.map((t, i) => record({ stage: index, user: i + 1, ttfc: t, ttft: t, total: t + 50 })),
    1000,
  );
}

/** An entry whose stages (by key) have this TTFC p95 (and avg = p95 / 2). */
export function entry(p95: Record<string, number | null>, over: Partial<HistoryEntry> = {}, day = 1): HistoryEntry {
  return {
    time: new Date(Date.UTC(2026, 0, day, 3, 17)).toISOString(),
    commit: 'a'.repeat(40),
    ref: 'refs/heads/main',
    event: 'schedule',
    target: 'POST https://staging.example/api/chat',
    passed: true,
    capacity: null,
    stages: Object.entries(p95).map(([key, v]) => ({
      key,
      users: Number.parseInt(key, 10) || 1,
      metrics: { 'ttfc.p95': v, 'ttfc.avg': v === null ? null : v / 2, success_rate: 100 },
    })),
    ...over,
  };
}

/** Entries day 1, 2, … with these p95s at one key. */
export function nights(key: string, p95s: number[], over: Partial<HistoryEntry> = {}): HistoryEntry[] {
  return p95s.map((v, i) => entry({ [key]: v }, over, i + 1));
}

export function historyText(entries: unknown[], head: Record<string, unknown> = { schemaVersion: 1, tool: 'ttfc-gate' }): string {
  return JSON.stringify({ ...head, entries }, null, 2);
}
