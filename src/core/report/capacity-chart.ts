// The capacity search as a picture: the SLO metric of every probe against its users (head, and base
// with compare-url), the SLO as a horizontal line, the capacity marked on the x-axis — a mermaid
// `xychart-beta` block (GitHub renders it). Pure.

import { parseCriteria } from '../analysis/criteria/index.js';
import { metric } from '../analysis/metrics.js';
import { type MetricUnit } from '../metric-names.js';
import type { CapacityProbe, CapacitySection, ProbeSide } from '../capacity/types.js';
import { formatThreshold } from '../format.js';
import { CHART_COLORS, niceCeil } from './chart.js';

const num = (v: number): string => (Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/** The SLO line the chart shows: the first that is not the success rate (else the first), parsed. */
function chartLine(s: CapacitySection): { text: string; name: string; threshold: number; unit: MetricUnit } | null {
  const lines = [...s.slo, ...s.implied].flatMap((t) => {
    try {
      return parseCriteria(t);
    } catch {
      return [];
    }
  });
  const c = lines.find((l) => l.metric.name !== 'success_rate') ?? lines[0];
  if (!c || c.value.kind !== 'number') return null;
  const m = metric(c.metric.name);
  return { text: c.text, name: c.metric.name, threshold: c.value.value, unit: m?.unit ?? 'ms' };
}

/** A side's value of a line on a probe (null: nothing to measure, e.g. no successful request). */
function valueOf(side: ProbeSide | undefined, text: string): number | null {
  return side?.figures.slo.find((l) => l.text === text)?.actual ?? null;
}

/** The last probe at each users, sorted by users. */
function byUsers(probes: readonly CapacityProbe[]): CapacityProbe[] {
  const m = new Map<number, CapacityProbe>();
  for (const p of probes) m.set(p.users, p);
  return [...m.values()].sort((a, b) => a.users - b.users);
}

/**
 * The chart block and its legend, or '' with fewer than two probes. Values far above the SLO are drawn
 * at the top of the chart (it ends at about three times the SLO), as are probes without a value.
 */
export function capacityChart(s: CapacitySection): string {
  const line = chartLine(s);
  const probes = byUsers(s.probes);
  if (!line || probes.length < 2) return '';
  const head = probes.map((p) => valueOf(p, line.text));
  const base = s.base ? probes.map((p) => valueOf(p.base, line.text)) : null;
  const seen = [...head, ...(base ?? [])].filter((v): v is number => v !== null);
  const rate = line.unit === '%';
  const top = rate ? 100 : niceCeil(Math.max(line.threshold * 1.2, Math.min(Math.max(0, ...seen), line.threshold * 3)) * 1.1);
  const clamp = (v: number | null): number => (v === null ? top : Math.min(v, top));
  const label = (p: CapacityProbe): string => {
    const marks = [p.passed ? '✓' : '✗', p.users === s.users && s.users > 0 ? 'capacity' : '', s.base && p.users === s.base.users && s.base.users > 0 ? 'base capacity' : ''];
    return `"${[String(p.users), ...marks].filter(Boolean).join(' ')}"`;
  };
  const unitLabel = rate ? '%' : line.unit === 'rps' ? 'req/s' : 'ms';
  const palette = [CHART_COLORS.p95, ...(base ? [CHART_COLORS.baseP95] : []), CHART_COLORS.p95Limit];
  const slo = formatThreshold(line.threshold, line.unit);
  const out = [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${palette.join(', ')}"`,
    '---',
    'xychart-beta',
    `    title "${line.name} against concurrent users (capacity search)"`,
    `    x-axis "concurrent users" [${probes.map(label).join(', ')}]`,
    `    y-axis "${line.name} (${unitLabel})" 0 --> ${num(top)}`,
    `    line "head" [${head.map((v) => num(clamp(v))).join(', ')}]`,
    ...(base ? [`    line "base" [${base.map((v) => num(clamp(v))).join(', ')}]`] : []),
    `    line "SLO ${slo}" [${probes.map(() => num(line.threshold)).join(', ')}]`,
    '```',
    '',
  ];
  const clipped = [...head, ...(base ?? [])].some((v) => v === null || v > top);
  const legend = [
    `${line.name} of the head (red)${base ? ', of the base (light red)' : ''} against concurrent users; the SLO ${slo} (purple)`,
    `✓ met the SLO, ✗ missed it (head); "capacity" marks the most users that met it`,
    clipped ? 'values above the chart, and probes without a successful request, are drawn at its top' : '',
  ].filter(Boolean);
  out.push(`<sub>${legend.join(' · ')}</sub>`);
  return out.join('\n');
}
