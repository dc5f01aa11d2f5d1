// What an unknown metric in a criterion was probably meant to be: the nearest name of the metrics
// table (`ttfx.p95` → ttfc.p95), or the statistics a bare latency takes (`ttfc` → ttfc.p95). The
// full list is left to `--help` and docs/criteria.md: an error names one fix, not 300 characters.

import { METRIC_FAMILIES } from '../metrics.js';
import { didYouMean } from '../../suggest.js';

/** Where every metric is listed, after an error that could not point at one. */
const METRICS_LISTED = 'ttfc-gate --help lists every metric';

/**
 * Every metric name a family's `written` form spells out (`a|b.c|d` → a.c, a.d, b.c, b.d); a
 * `NAME` part (`monitor.NAME.max`) takes the typed name's part at that place, else is left out.
 */
function metricNames(typed: string): string[] {
  const typedParts = typed.split('.');
  const out: string[] = [];
  for (const family of METRIC_FAMILIES) {
    const parts = family.written.split('.').map((p, i) => (p === 'NAME' ? (typedParts[i] ? [typedParts[i]!] : []) : p.split('|')));
    if (parts.some((p) => p.length === 0)) continue;
    let names = [''];
    for (const p of parts) names = names.flatMap((n) => p.map((x) => (n ? `${n}.${x}` : x)));
    out.push(...names);
  }
  return out;
}

/** The end of an "unknown metric" error: the fix to try, else where the metrics are listed. */
export function unknownMetricHint(name: string, side: string | undefined): string {
  const names = metricNames(name);
  const show = (n: string): string => (side ? `${side}.${n}` : n);
  const stats = names.filter((n) => n.startsWith(`${name}.`));
  if (stats.length > 0) {
    const all = stats.map((n) => n.slice(name.length + 1)).join('|');
    return `: name a statistic, e.g. ${show(stats.find((n) => n.endsWith('.p95')) ?? stats[0]!)} (${name}.${all})`;
  }
  const hint = didYouMean(name, names, show);
  return hint || ` (${METRICS_LISTED})`;
}
