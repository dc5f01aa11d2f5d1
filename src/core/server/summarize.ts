// The collected probes, samples and log counts → the report's `server` section. Pure.

import { computeStats } from '../sample-stats.js';
import { redactUrl, redactText } from '../redact.js';
import type { LogCounts } from './logs.js';
import type { MonitorState } from './monitors.js';
import type { Probe } from './health.js';
import type { LogSection, MonitorSection, Phase, ServerSection, ServerSpec } from './types.js';

const HEALTH_ERROR_SAMPLES = 5;
/** Samples per monitor in the report (a long run is thinned evenly, idle samples always kept). */
const MAX_REPORT_SAMPLES = 2000;

export interface Collected {
  spec: ServerSpec;
  boundaries: ServerSection['boundaries'];
  users: ReadonlyMap<number, number>;
  finishedAt: number | null;
  idleHealth: number | null;
  probes: Probe[] | null;
  monitors: MonitorState[];
  logs: { counts: ReadonlyMap<Phase, LogCounts>; warning: string | null; stoppedIn?: Phase | null } | null;
  warnings: string[];
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

export function summarizeServer(c: Collected): ServerSection {
  const stageList: StageUsers = [...c.users.entries()].sort((a, b) => a[0] - b[0]);
  return {
    boundaries: c.boundaries.map((b) => ({ ...b, start: round(b.start, 1), end: b.end === null ? null : round(b.end, 1) })),
    finishedAt: c.finishedAt === null ? null : round(c.finishedAt, 1),
    health: healthSection(c, stageList),
    monitors: c.monitors.map((st) => monitorSection(st, stageList, c.spec.secrets)),
    logs: logSection(c, stageList),
    warnings: c.warnings,
  };
}

/** Each stage's index and users, in order. */
type StageUsers = Array<[number, number]>;

/** The health probe per stage: latency of the answered probes, failures, the first errors; null without health-url. */
function healthSection(c: Collected, stageList: StageUsers): ServerSection['health'] {
  if (!c.spec.health || !c.probes) return null;
  const errors: Array<{ stage: number; message: string }> = [];
  for (const p of c.probes) {
    if (!p.ok && typeof p.phase === 'number' && errors.length < HEALTH_ERROR_SAMPLES) errors.push({ stage: p.phase, message: p.error ?? 'failed' });
  }
  return {
    url: redactUrl(c.spec.health.displayUrl),
    intervalMs: c.spec.health.intervalMs,
    idle: c.idleHealth,
    stages: stageList.map(([index, users]) => {
      const mine = c.probes!.filter((p) => p.phase === index);
      return {
        index,
        users,
        n: mine.length,
        failures: mine.filter((p) => !p.ok).length,
        latency: computeStats(mine.filter((p) => p.ok).map((p) => p.ms)),
      };
    }),
    errors,
  };
}

/** One monitor: idle before and after, peak, growth, per stage min / avg / max, its samples (thinned to MAX_REPORT_SAMPLES). */
function monitorSection(st: MonitorState, stageList: StageUsers, secrets: readonly string[]): MonitorSection {
  const vals = (phase: Phase): number[] => st.samples.filter((s) => s.phase === phase).map((s) => s.value);
  const before = vals('before');
  const after = vals('after');
  const idleBefore = before.length ? before[before.length - 1]! : null;
  const idleAfter = after.length ? after[after.length - 1]! : null;
  const all = st.samples.map((s) => s.value);
  let samples = st.samples;
  if (samples.length > MAX_REPORT_SAMPLES) {
    const step = samples.length / MAX_REPORT_SAMPLES;
    samples = samples.filter((s, i) => typeof s.phase !== 'number' || Math.floor(i / step) !== Math.floor((i - 1) / step));
  }
  return {
    name: st.spec.name,
    source: redactText(st.spec.source.kind === 'command' ? st.spec.source.command : `metric:${st.spec.source.series}`, secrets),
    unit: st.unit ?? 'number',
    idleBefore,
    idleAfter,
    peak: all.length ? Math.max(...all) : null,
    growth: idleBefore !== null && idleAfter !== null && idleBefore !== 0 ? round(idleAfter / idleBefore - 1, 6) : null,
    stages: stageList.map(([index, users]) => {
      const v = vals(index);
      return {
        index,
        users,
        n: v.length,
        min: v.length ? Math.min(...v) : null,
        avg: v.length ? v.reduce((a, b) => a + b, 0) / v.length : null,
        max: v.length ? Math.max(...v) : null,
      };
    }),
    samples: samples.map((s) => ({ t: round(s.t, 1), phase: s.phase, value: s.value })),
    failures: st.failures,
    warnings: st.warnings,
  };
}

/** The server log per stage: lines, errors and their samples, whether it was still followed; null without logs-command. */
function logSection(c: Collected, stageList: StageUsers): LogSection | null {
  if (!c.spec.logs || !c.logs) return null;
  const secrets = c.spec.secrets;
  const b = c.logs.counts.get('before');
  return {
    command: redactText(c.spec.logs.command, secrets),
    pattern: c.spec.logs.patternText,
    before: { lines: b?.lines ?? 0, errors: b?.errors ?? 0 },
    stages: stageList.map(([index, users]) => {
      const s = c.logs!.counts.get(index);
      const stopped = c.logs!.stoppedIn ?? null;
      const followed = stopped === null || (typeof stopped === 'number' && stopped >= index);
      return { index, users, lines: s?.lines ?? 0, errors: s?.errors ?? 0, samples: (s?.samples ?? []).map((x) => redactText(x, secrets)), followed };
    }),
    warning: c.logs.warning,
  };
}
