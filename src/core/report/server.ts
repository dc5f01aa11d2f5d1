// The "Server" part of the reports: a table per stage (health probe, monitors, log lines), the
// monitors' run figures, warnings and log error samples, and a chart of each monitor over time with
// the stage boundaries. Pure. Command and server text is escaped here before it reaches markdown.

import { formatValue } from '../format.js';
import { formatGrowth, formatSample } from '../server/units.js';
import type { MonitorSection, ServerSection } from '../server/types.js';
import { codeSpan, escapeInline, mdTable } from './escape.js';

const MISSING = '–';
const ms = (v: number | null): string => (v === null ? MISSING : formatValue(v, 'ms'));
const sample = (v: number | null | undefined, unit: MonitorSection['unit']): string => (v === null || v === undefined ? MISSING : formatSample(v, unit));
// A rate stage has no users (the server side is told 0).
const users = (n: number): string => (n === 0 ? 'rate stage' : `${n} user${n === 1 ? '' : 's'}`);
/** Points per monitor chart (a longer run is thinned evenly). */
const CHART_POINTS = 48;

interface Table {
  head: string[];
  rows: string[][];
}

/** One row a stage (with the idle samples before and after around them), the same for markdown and the terminal. */
export function serverTable(section: ServerSection): Table | null {
  const stages = new Map<number, number>();
  for (const h of section.health?.stages ?? []) stages.set(h.index, h.users);
  for (const m of section.monitors) for (const s of m.stages) stages.set(s.index, s.users);
  for (const l of section.logs?.stages ?? []) stages.set(l.index, l.users);
  if (stages.size === 0 && section.monitors.length === 0) return null;
  const head = ['Stage'];
  if (section.health) head.push('Health probes', 'Health p50', 'Health p95', 'Health max');
  for (const m of section.monitors) head.push(`${m.name} avg`, `${m.name} max`);
  if (section.logs) head.push('Log lines', 'Log errors');
  const rows: string[][] = [];
  const idleRow = (label: string, pick: (m: MonitorSection) => number | null, health: number | null, log: string): string[] => {
    const row = [label];
    // The idle health figure is the faster of two probes before stage 1.
    if (section.health) row.push(health === null ? MISSING : 'idle', ms(health), MISSING, MISSING);
    for (const m of section.monitors) row.push(sample(pick(m), m.unit), MISSING);
    if (section.logs) row.push(log, MISSING);
    return row;
  };
  if (section.monitors.length || section.health) {
    rows.push(idleRow('idle before', (m) => m.idleBefore, section.health?.idle ?? null, section.logs ? String(section.logs.before.lines) : MISSING));
  }
  for (const [index, u] of [...stages.entries()].sort((a, b) => a[0] - b[0])) {
    const row = [`${index} (${users(u)})`];
    if (section.health) {
      const h = section.health.stages.find((s) => s.index === index);
      row.push(h ? `${h.n}${h.failures ? ` (${h.failures} failed)` : ''}` : MISSING, ms(h?.latency.p50 ?? null), ms(h?.latency.p95 ?? null), ms(h?.latency.max ?? null));
    }
    for (const m of section.monitors) {
      const s = m.stages.find((x) => x.index === index);
      row.push(sample(s?.avg, m.unit), sample(s?.max, m.unit));
    }
    if (section.logs) {
      const l = section.logs.stages.find((x) => x.index === index);
      row.push(String(l?.lines ?? 0), String(l?.errors ?? 0));
    }
    rows.push(row);
  }
  if (section.monitors.length) rows.push(idleRow('idle after', (m) => m.idleAfter, null, MISSING));
  return { head, rows };
}

/** `mem: 412 MiB idle before → 530 MiB after (+29%), peak 610 MiB`. */
export function monitorSummary(m: MonitorSection): string {
  const parts = [`${formatSample(m.idleBefore, m.unit)} idle before → ${formatSample(m.idleAfter, m.unit)} after`];
  if (m.growth !== null) parts[0] += ` (${formatGrowth(m.growth)})`;
  if (m.peak !== null) parts.push(`peak ${formatSample(m.peak, m.unit)}`);
  if (m.failures) parts.push(`${m.failures} sample${m.failures === 1 ? '' : 's'} missing`);
  return `${m.name}: ${parts.join(', ')}`;
}

/** The display scale of a monitor's values: MiB / GiB for sizes, as is otherwise. */
function scaleOf(m: MonitorSection): { div: number; label: string } {
  if (m.unit === '%') return { div: 1, label: '%' };
  if (m.unit === 'number') return { div: 1, label: '' };
  const peak = Math.max(...m.samples.map((s) => s.value), 0);
  return peak >= 4 * 1024 ** 3 ? { div: 1024 ** 3, label: 'GiB' } : { div: 1024 ** 2, label: 'MiB' };
}

const num = (v: number): string => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/**
 * A mermaid line chart of one monitor over time: the idle sample before, the samples of the run, the
 * idle sample after. The x labels are seconds since the start; the first sample of each stage is
 * labelled with its stage (`S2 4.1s`), so the stage boundaries read off the axis.
 */
function monitorChart(m: MonitorSection, section: ServerSection): string {
  let pts = m.samples;
  if (pts.length < 2) return '';
  if (pts.length > CHART_POINTS) {
    const step = (pts.length - 1) / (CHART_POINTS - 1);
    pts = Array.from({ length: CHART_POINTS }, (_, i) => pts[Math.round(i * step)]!);
  }
  const { div, label } = scaleOf(m);
  const usersOf = new Map(section.boundaries.map((b) => [b.index, b.users]));
  let prev: unknown = null;
  const labels = pts.map((p) => {
    const sec = `${(p.t / 1000).toFixed(1)}s`;
    const first = p.phase !== prev;
    prev = p.phase;
    if (p.phase === 'before') return `idle ${sec}`;
    if (p.phase === 'after') return `idle ${sec}`;
    return first ? `S${p.phase} ${sec}` : sec;
  });
  const top = Math.max(...pts.map((p) => p.value / div)) * 1.1 || 1;
  const stages = [...new Set(pts.map((p) => p.phase).filter((x): x is number => typeof x === 'number'))].map((i) => `S${i} = ${users(usersOf.get(i) ?? 0)}`).join(', ');
  // The name is user text: only letters, digits, _ and - reach the chart (monitor names are checked).
  const title = `${m.name}${label ? ` (${label})` : ''} over time`;
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/"/g, "'")}"`,
    `    x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `    y-axis "${label || m.name}" 0 --> ${num(top)}`,
    `    line [${pts.map((p) => num(p.value / div)).join(', ')}]`,
    '```',
    `<sub>${escapeInline(stages, 400)}; idle = before the first stage / after the cool-down.</sub>`,
  ].join('\n');
}

/** The "Server" section of the markdown report ('' when the server side is off). */
export function serverMarkdown(section: ServerSection | null | undefined, opts: { charts?: boolean } = {}): string {
  if (!section) return '';
  const parts = ['### Server'];
  const t = serverTable(section);
  if (t)
    parts.push(
      mdTable(
        t.head.map((h) => escapeInline(h, 60)),
        t.head.map((_, i) => (i === 0 ? 'l' : 'r')),
        t.rows,
      ),
    );
  const notes: string[] = [];
  if (section.health) notes.push(`health: ${codeSpan(`GET ${section.health.url}`, { max: 200 })} every ${section.health.intervalMs} ms on its own connection, one at a time`);
  for (const m of section.monitors) notes.push(`${escapeInline(monitorSummary(m), 300)} — ${codeSpan(m.source, { max: 200 })}`);
  if (section.logs) notes.push(`logs: ${codeSpan(section.logs.command, { max: 200 })}, errors match ${codeSpan(section.logs.pattern, { max: 100 })}`);
  if (notes.length) parts.push(notes.map((n) => `- ${n}`).join('\n'));
  const samples = (section.logs?.stages ?? []).filter((s) => s.samples.length);
  if (samples.length) {
    const rows = samples.flatMap((s) => s.samples.map((line) => [String(s.index), escapeInline(line, 300)]));
    parts.push(`**Log errors** (up to 5 distinct lines a stage, escaped and truncated)\n\n${mdTable(['Stage', 'Line'], ['r', 'l'], rows)}`);
  }
  const warnings = [...section.warnings, ...(section.health?.errors ?? []).map((e) => `health probe in stage ${e.stage}: ${e.message}`)];
  if (warnings.length)
    parts.push(
      `<details><summary>${warnings.length} server-side warning${warnings.length === 1 ? '' : 's'}</summary>\n\n${warnings
        .slice(0, 20)
        .map((w) => `- ${escapeInline(w, 300)}`)
        .join('\n')}\n\n</details>`,
    );
  if (opts.charts !== false)
    for (const m of section.monitors) {
      const c = monitorChart(m, section);
      if (c) parts.push(c);
    }
  return parts.join('\n\n');
}
