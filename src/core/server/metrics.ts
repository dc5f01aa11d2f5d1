// The server side's entries in the metrics table: `health.<stat>`, `health.errors`, `log_errors`,
// `monitor.NAME.<min|avg|max|growth>`. Their per-stage values live on the stage summary
// (`stage.server`, attached by the gate from the server section). Pure.

import { single, type MetricFamily } from '../metric-family.js';
import { finite, STAT_NAMES, type MetricUnit, type StatName } from '../metric-names.js';
import type { StageServerFigures, StageSummary } from '../types.js';
import type { ServerSection } from './types.js';

const MONITOR_RE = /^monitor\.([A-Za-z][A-Za-z0-9_-]*)\.(min|avg|max|growth)$/;

/** The monitor a metric reads (`monitor.mem.max` → mem), or null. */
export function monitorOf(name: string): string | null {
  return MONITOR_RE.exec(name)?.[1] ?? null;
}

/** A monitor's values in a result: sizes as bytes, percentages, plain numbers. */
function monitorUnit(stage: StageSummary, name: string): MetricUnit {
  const u = stage.server?.monitors?.[name]?.unit;
  return u === 'bytes' ? 'bytes' : u === '%' ? '%' : 'sample';
}

/** `health.<stat>` (ms, over the probes that answered) and `health.errors` (failed probes). */
const health: MetricFamily = {
  written: `health.${STAT_NAMES.join('|')}|errors`,
  single: false,
  resolve(name) {
    if (!name.startsWith('health.')) return null;
    const stat = name.slice('health.'.length);
    const missing = (s: StageSummary): string => (s.server?.health ? 'no health probe answered in this stage' : 'no health probe (health-url)');
    if (stat === 'errors') return { name, unit: 'count', label: 'failed health probes', read: (s) => s.server?.health?.errors ?? null, missing };
    if (!(STAT_NAMES as readonly string[]).includes(stat)) return null;
    return {
      name,
      unit: 'ms',
      label: `health check ${stat}`,
      read: (s) => (s.server?.health && s.server.health.n > 0 ? finite(s.server.health[stat as StatName]) : null),
      missing,
    };
  },
};

/** `monitor.NAME.min|avg|max` in the monitor's own unit; `monitor.NAME.growth` in percent, one figure of the run. */
const monitors: MetricFamily = {
  written: 'monitor.NAME.min|avg|max|growth',
  single: false,
  resolve(name) {
    const m = MONITOR_RE.exec(name);
    if (!m) return null;
    const mon = m[1]!;
    const stat = m[2] as 'min' | 'avg' | 'max' | 'growth';
    if (stat === 'growth') {
      return {
        name,
        unit: '%',
        label: `${mon} growth`,
        read: (s) => {
          const g = s.server?.monitors?.[mon]?.growth;
          return g === null || g === undefined ? null : g * 100;
        },
        scope: 'run',
        missing: () => `monitor ${mon} has no idle sample before and after the run`,
      };
    }
    return {
      name,
      unit: 'sample',
      label: `${mon} ${stat}`,
      read: (s) => finite(s.server?.monitors?.[mon]?.[stat]),
      unitOn: (s) => monitorUnit(s, mon),
      missing: () => `monitor ${mon} has no sample in this stage`,
    };
  },
};

/** Every family of the server side, in the order they are listed in errors. */
export const SERVER_METRIC_FAMILIES: readonly MetricFamily[] = [
  single({
    name: 'log_errors',
    unit: 'count',
    label: 'log error lines',
    read: (s) => s.server?.logErrors ?? null,
    missing: () => 'logs-command was not following the log in this stage (see the warnings)',
  }),
  health,
  monitors,
];

/** Per-stage figures of the server section, keyed by stage index. */
function stageFigures(section: ServerSection): Map<number, StageServerFigures> {
  const out = new Map<number, StageServerFigures>();
  const get = (i: number): StageServerFigures => {
    let f = out.get(i);
    if (!f) out.set(i, (f = {}));
    return f;
  };
  for (const h of section.health?.stages ?? []) {
    const { n, failures, latency } = h;
    get(h.index).health = {
      n,
      errors: failures,
      min: latency.min,
      avg: latency.avg,
      p50: latency.p50,
      p90: latency.p90,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
      stddev: latency.stddev,
    };
  }
  // A stage the log command did not follow has no log_errors (a criterion on it fails with the reason).
  for (const l of section.logs?.stages ?? []) if (l.followed !== false) get(l.index).logErrors = l.errors;
  for (const m of section.monitors) {
    for (const s of m.stages) {
      const f = get(s.index);
      f.monitors ??= {};
      f.monitors[m.name] = { unit: m.unit, n: s.n, min: s.min, avg: s.avg, max: s.max, growth: m.growth };
    }
  }
  return out;
}

/** Puts each stage's server figures on the stage summary, where the metrics read them. */
export function attachStageFigures(section: ServerSection, stages: StageSummary[]): void {
  const figures = stageFigures(section);
  for (const s of stages) {
    const f = figures.get(s.index);
    if (f) s.server = f;
  }
}

/**
 * Criteria lines added to the default criteria when the server side is on: a frozen server fails
 * (`health.max < 2s`, `health.errors == 0`), logged errors fail (`log_errors == 0`).
 */
export function defaultServerCriteria(opts: { health: boolean; logs: boolean }): string[] {
  const out: string[] = [];
  if (opts.health) out.push('health.max < 2s', 'health.errors == 0');
  if (opts.logs) out.push('log_errors == 0');
  return out;
}
